{#
    Rule malformed_line: the line's fields cannot be trusted (see is_malformed_line, computed
    by staging as the is_malformed_line column). Checked before anything else.
#}
{% macro malformed_line_rule(expected_fields) -%}
    {{ return({
        'rule': 'malformed_line',
        'when': 'is_malformed_line',
        'reason': "case when field_count <> " ~ expected_fields
            ~ " then concat('the line has ', field_count, ' fields, expected "
            ~ expected_fields ~ "') else 'the line has an unbalanced double quote' end",
    }) }}
{%- endmacro %}
