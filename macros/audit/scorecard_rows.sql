{#
    One table's scorecard rows (table_name, table_order, column_name, dimension, is_gated,
    checked, passed) from its checks (scorecard_check, column_checks, table_checks), counted
    in one pass over its *_validated model.
#}
{% macro scorecard_rows(relation, table_name, table_order, checks) -%}
    select
        '{{ table_name }}' as table_name,
        {{ table_order }} as table_order,
        column_name,
        dimension,
        is_gated,
        checked,
        passed
    from (
        {{ count_if_stacked(
            relation, checks, ['column_name', 'dimension', 'is_gated'], ['checked', 'passed'],
        ) }}
    ) as counted
{%- endmacro %}
