{#
    A rule that fails when a parsed value is outside its business range. in_range: a boolean
    column computed by staging (null when the value is missing or did not parse);
    range_text: the range in words, for the reason ("1..100").
#}
{% macro out_of_range_rule(rule, column, label, in_range, range_text) -%}
    {{ return({
        'rule': rule,
        'when': 'not ' ~ in_range,
        'reason': "concat('" ~ label ~ " ', cast(" ~ column ~ " as string), ' is outside "
            ~ range_text ~ "')",
    }) }}
{%- endmacro %}
