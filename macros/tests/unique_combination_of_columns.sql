{#
    The combination of columns must be unique (e.g. a composite key). Fails with one row per
    repeated combination and its number of rows. Rows where a column is null still count:
    not_null tests the nulls.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "unique_combination_of_columns: combination_of_columns is empty") }}
    {%- endif -%}
    {%- set columns = combination_of_columns | join(', ') -%}
    select
        {{ columns }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
