{#
    The body of the tests that check several rules of a model in one scan (not_null_columns,
    value_rules): one row (<label_name>, failing_rows) per rule that some row of `relation`
    breaks, counted in one pass. checks: a list of (label, SQL condition true on a failing
    row); a null condition passes. A data test here costs its query's planning, not its data,
    so one query instead of one per rule is what makes the build fast.
#}
{% macro failure_counts(relation, checks, label_name) -%}
    {%- set measures = [] -%}
    {%- for label, condition in checks -%}
        {%- do measures.append({'labels': [sql_string(label)], 'counts': [condition]}) -%}
    {%- endfor %}
    select
        {{ label_name }},
        failing_rows
    from (
        {{ count_if_stacked(relation, measures, [label_name], ['failing_rows']) }}
    ) as counted
    where failing_rows > 0
{%- endmacro %}
