{#
    The body of the not_null_columns test: one row (column_name, failing_rows) per column of
    column_names that holds nulls in `relation`, counted in one pass over it.
#}
{% macro null_counts_by_column(relation, column_names) -%}
    {%- if column_names | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "not_null_columns on " ~ relation ~ ": column_names is empty") }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for column in column_names -%}
        {%- do checks.append((column, adapter.quote(column) ~ ' is null')) -%}
    {%- endfor -%}
    {{ failure_counts(relation, checks, 'column_name') }}
{%- endmacro %}
