{#
    The line's fields as a map {staging column: trimmed text, null when blank}, kept by
    staging so the audit can measure completeness without touching the raw layer.
#}
{% macro field_map(columns) -%}
    map(
        {%- for column in columns %}
        '{{ column }}', {{ column }}_text{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
