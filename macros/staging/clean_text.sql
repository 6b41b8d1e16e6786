{#
    Free text as staging keeps it: surrounding spaces trimmed, a blank value as null.
    Names and models are only trimmed (their case is the client's); codes use clean_code.
#}
{% macro clean_text(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}
