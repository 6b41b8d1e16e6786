{#
    A rule that fails when a field is present (<column>_text not null) but did not parse
    (<column> is null). expected: what a valid value looks like, for the reason.
#}
{% macro invalid_value_rule(rule, column, label, expected) -%}
    {{ return({
        'rule': rule,
        'when': '(' ~ column ~ '_text is not null and ' ~ column ~ ' is null)',
        'reason': 'concat(' ~ sql_string(label ~ ' "') ~ ', ' ~ column ~ '_text, '
            ~ sql_string('" is not ' ~ expected) ~ ')',
    }) }}
{%- endmacro %}
