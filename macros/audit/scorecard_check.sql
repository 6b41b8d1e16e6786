{#
    One check of the quality scorecard, as a measure for count_if_stacked: a column (or '*'
    for the whole table), a dimension, which rows are checked and which of those pass. A gated
    check gets the dimension's threshold; an ungated one is measured only (status 'info').
#}
{% macro scorecard_check(column, dimension, checked, passed, gated=true) -%}
    {%- if dimension not in ['completeness', 'validity', 'consistency', 'accuracy'] -%}
        {{ exceptions.raise_compiler_error("scorecard_check: unknown dimension " ~ dimension) }}
    {%- endif -%}
    {{ return({
        'labels': ["'" ~ column ~ "'", "'" ~ dimension ~ "'", 'true' if gated else 'false'],
        'counts': [checked, '(' ~ checked ~ ') and coalesce(' ~ passed ~ ', false)'],
    }) }}
{%- endmacro %}
