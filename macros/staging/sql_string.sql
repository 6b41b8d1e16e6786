{#
    A Spark SQL string literal of `value`: quoted, with backslashes and single quotes escaped
    (Spark reads backslash escapes in literals), so a label holding ' or \ cannot end it.
#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
