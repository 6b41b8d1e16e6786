{#
    The column-level scorecard checks of one column:
      completeness  the field is not blank (gated for keys and required fields only);
      validity      a present value parses / is a known code (when `valid` is given);
      accuracy      a valid value is inside its business range (when `in_range` is given;
                    `range_checked` says which rows have a value to range-check);
      consistency   a foreign key resolves to a clean parent (when `has_known` is given).
#}
{% macro column_checks(column, required=true, valid=none, in_range=none, range_checked=none,
    has_known=none) -%}
    {%- set present = scorecard_records(true)
        ~ " and source_fields['" ~ column ~ "'] is not null" -%}
    {%- set checks = [scorecard_check(
        column, 'completeness', scorecard_records(true),
        "source_fields['" ~ column ~ "'] is not null", required,
    )] -%}
    {%- if valid is not none -%}
        {%- do checks.append(scorecard_check(column, 'validity', present, valid)) -%}
    {%- endif -%}
    {%- if in_range is not none -%}
        {%- do checks.append(scorecard_check(
            column, 'accuracy', present ~ ' and ' ~ (range_checked or column ~ ' is not null'),
            in_range,
        )) -%}
    {%- endif -%}
    {%- if has_known is not none -%}
        {%- do checks.append(scorecard_check(
            column, 'consistency', has_known ~ ' is not null', has_known,
        )) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}
