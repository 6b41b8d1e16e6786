{#
    A coded value (category, frame, state): trimmed, inner runs of spaces collapsed, blank as
    null, and put in the one case the contract uses ('initcap' for categories and frames,
    'upper' for states). These corrections are certain: "  road" and "ROAD" mean "Road".
#}
{% macro clean_code(expression, case) -%}
    {%- if case not in ['initcap', 'upper'] -%}
        {{ exceptions.raise_compiler_error(
            "clean_code: case must be 'initcap' or 'upper', got '" ~ case ~ "'") }}
    {%- endif -%}
    {{ case }}(regexp_replace({{ clean_text(expression) }}, ' +', ' '))
{%- endmacro %}
