{#
    The first rule a row fails, in list order (the order IS the precedence), as two columns:
    <prefix>_rule (the rule's name, null when the row passes them all) and <prefix>_reason (a
    human-readable sentence built from the row's values).

    rules: a list of dicts {rule: name, when: SQL condition that means "fails", reason: SQL
    string expression}, usually built by malformed_line_rule, missing_value_rule,
    invalid_value_rule and out_of_range_rule.
#}
{% macro first_failing_rule(rules, prefix) -%}
    {%- if rules | length == 0 -%}
        cast(null as string) as {{ prefix }}_rule,
        cast(null as string) as {{ prefix }}_reason
    {%- else -%}
    case
        {%- for rule in rules %}
        when {{ rule.when }} then '{{ rule.rule }}'
        {%- endfor %}
    end as {{ prefix }}_rule,
    case
        {%- for rule in rules %}
        when {{ rule.when }} then {{ rule.reason }}
        {%- endfor %}
    end as {{ prefix }}_reason
    {%- endif -%}
{%- endmacro %}
