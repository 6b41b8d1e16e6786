{#
    Rule unknown_<entity>: a valid line whose foreign key matches no clean row of the parent.
    has_known: a boolean column, true when the key resolved (null when not checked).
#}
{% macro orphan_rule(rule, column, label, has_known, parent) -%}
    {{ return({
        'rule': rule,
        'when': "(row_status = 'valid' and not " ~ has_known ~ ")",
        'reason': "concat('" ~ label ~ " ', cast(" ~ column ~ " as string), ' matches no clean "
            ~ parent ~ "')",
    }) }}
{%- endmacro %}
