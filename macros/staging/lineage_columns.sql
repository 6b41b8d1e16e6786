{#
    The raw layer's lineage columns under their staging names, plus is_malformed_line for a
    file whose lines must have expected_fields fields. First columns of every staging model.
#}
{% macro lineage_columns(expected_fields) -%}
    _line_number as line_number,
    _raw_line as raw_line,
    _field_count as field_count,
    {{ is_malformed_line(expected_fields) }} as is_malformed_line
{%- endmacro %}
