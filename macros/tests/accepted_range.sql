{#
    Values of column_name must lie between min_value and max_value (inclusive unless
    inclusive=false); null values pass (test them with not_null / not_null_proportion).
    Fails with the out-of-range rows, once their share exceeds max_failing_pct (default 0).
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true,
    max_failing_pct=0) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error(
            "accepted_range on " ~ column_name ~ ": give min_value, max_value or both") }}
    {%- endif -%}
    {%- set lower = '>=' if inclusive else '>' -%}
    {%- set upper = '<=' if inclusive else '<' -%}
    {%- set bounds = [] -%}
    {%- if min_value is not none -%}
        {%- do bounds.append(column_name ~ ' ' ~ lower ~ ' ' ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do bounds.append(column_name ~ ' ' ~ upper ~ ' ' ~ max_value) -%}
    {%- endif -%}
    {{ failing_rows(model, 'not (' ~ bounds | join(' and ') ~ ')', max_failing_pct) }}
{% endtest %}
