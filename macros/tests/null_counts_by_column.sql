{#
    The body of the not_null_columns test: one row (column_name, failing_rows) per column of
    column_names that holds nulls in `relation`, counted in one pass over it.
#}
{% macro null_counts_by_column(relation, column_names) -%}
    {%- if column_names | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "not_null_columns on " ~ relation ~ ": column_names is empty") }}
    {%- endif %}
    with

    null_counts as (
        select
            {%- for column in column_names %}
            count_if({{ adapter.quote(column) }} is null) as nulls_{{ loop.index }}
            {{- ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    ),

    per_column as (
        select
            stack(
                {{ column_names | length }},
                {%- for column in column_names %}
                {{ sql_string(column) }}, nulls_{{ loop.index }}{{ ',' if not loop.last }}
                {%- endfor %}
            ) as (column_name, failing_rows)
        from null_counts
    )

    select
        column_name,
        failing_rows
    from per_column
    where failing_rows > 0
{%- endmacro %}
