{#
    True when a raw line cannot be split into the contract's fields: a field count other than
    the expected one, or an odd number of double quotes (an unbalanced quote makes every field
    after it unreliable). Uses the raw layer's lineage columns.
#}
{% macro is_malformed_line(expected_fields, raw_line='_raw_line', field_count='_field_count') -%}
    ({{ field_count }} <> {{ expected_fields }}
        or (length({{ raw_line }}) - length(replace({{ raw_line }}, '"', ''))) % 2 = 1)
{%- endmacro %}
