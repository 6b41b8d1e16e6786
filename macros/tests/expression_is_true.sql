{#
    A boolean SQL expression must hold on every row (a null result counts as failing). With
    column_name (a column-level test) the expression is appended to the column, e.g.
    expression: ">= 0". Fails with the rows where it does not hold, once their share exceeds
    max_failing_pct (default 0).
#}
{% test expression_is_true(model, expression, column_name=none, max_failing_pct=0) %}
    {%- set condition = (column_name ~ ' ' ~ expression) if column_name else expression -%}
    {{ failing_rows(model, 'not coalesce(' ~ condition ~ ', false)', max_failing_pct) }}
{% endtest %}
