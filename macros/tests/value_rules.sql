{#
    The value rules of a model (or source table) in one scan. Each rule is a column and one
    generic test with that test's own arguments; an expression_is_true may leave out the
    column (a rule on the whole row):
        rules:
          - {column: price, accepted_range: {min_value: 0, inclusive: false}}
          - {column: gender, accepted_values: {values: [F, M, U]}}
          - {column: tenure_days, expression_is_true: {expression: ">= recency_days"}}
          - {expression_is_true: {expression: "units >= order_lines"}}
    Fails with one row (rule, failing_rows) per rule that some row breaks, the rule named
    "<column> accepted_range", "<column> accepted_values", by its expression, or by the rule's
    own `name` when it gives one (for an expression too long to read); dbt counts
    their failing rows (fail_calc), and `velos run` names each failing rule with its count
    (velos/dbt.py). A rule fails on exactly the rows its one-rule test would (rule_failures.sql).
    For one query instead of one per rule; a rule with a threshold, a `where` or a warn
    severity stays a test of its own.
#}
{% test value_rules(model, rules) %}
    {{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}
    {{ failure_counts(model, value_rule_checks(model, rules), 'rule') }}
{% endtest %}

{# (label, failing condition) of each rule; a rule that is not one of the three, or a second
   rule of the same name, stops the compilation naming the model and the rule. #}
{% macro value_rule_checks(relation, rules) -%}
    {%- set arguments_of = {
        'accepted_range': ['min_value', 'max_value', 'inclusive'],
        'accepted_values': ['values', 'quote'],
        'expression_is_true': ['expression'],
    } -%}
    {%- if rules | length == 0 -%}
        {{ exceptions.raise_compiler_error("value_rules on " ~ relation ~ ": rules is empty") }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- set labels = [] -%}
    {%- for rule in rules -%}
        {%- set column = rule.get('column') -%}
        {%- set kinds = rule.keys() | reject('in', ['column', 'name']) | list -%}
        {%- set kind = kinds[0] if kinds | length == 1 else none -%}
        {%- set arguments = rule[kind] if kind in arguments_of else none -%}
        {%- if arguments is not mapping
            or arguments.keys() | reject('in', arguments_of[kind]) | list
            or (column is none and kind != 'expression_is_true') -%}
            {{ exceptions.raise_compiler_error(
                "value_rules on " ~ relation ~ ": " ~ rule ~ " is not a rule. Give a column and"
                ~ " one of accepted_range {min_value, max_value, inclusive}, accepted_values"
                ~ " {values, quote} or expression_is_true {expression} (the column optional), and"
                ~ " optionally a name") }}
        {%- endif -%}
        {%- if kind == 'accepted_range' -%}
            {%- set label = column ~ ' accepted_range' -%}
            {%- set condition = accepted_range_failure(column, arguments.get('min_value'),
                arguments.get('max_value'), arguments.get('inclusive', true)) -%}
        {%- elif kind == 'accepted_values' -%}
            {%- set label = column ~ ' accepted_values' -%}
            {%- set condition = accepted_values_failure(column, arguments.get('values', []),
                arguments.get('quote', true)) -%}
        {%- else -%}
            {%- set expression = arguments.get('expression', '') | string -%}
            {%- set label = ((column ~ ' ') if column else '') ~ expression.split() | join(' ') -%}
            {%- set condition = expression_failure(expression, column) -%}
        {%- endif -%}
        {%- set label = rule.get('name') or label -%}
        {%- if label in labels -%}
            {{ exceptions.raise_compiler_error(
                "value_rules on " ~ relation ~ ": two rules named '" ~ label ~ "'") }}
        {%- endif -%}
        {%- do labels.append(label) -%}
        {%- do checks.append((label, condition)) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}
