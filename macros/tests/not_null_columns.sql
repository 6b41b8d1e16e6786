{#
    The not-null rules of a model (or source table), in one scan: no column in column_names
    may hold a null. Fails with one row per column that does (null_counts_by_column), and the
    failure count is their sum of nulls (fail_calc), so dbt reports the number of nulls and
    `velos run` names each failing column with its own count (velos/dbt.py). One query instead
    of one per column: a data test here costs its query's planning, not its data.
#}
{% test not_null_columns(model, column_names) %}
    {{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}
    {{ null_counts_by_column(model, column_names) }}
{% endtest %}
