{#
    True when the text has the ISO date shape YYYY-MM-DD: parse_date reads it, and the audit
    counts it as a corrected value (the export's own form is M/D/YYYY).
#}
{% macro is_iso_date(expression) -%}
    coalesce({{ expression }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', false)
{%- endmacro %}
