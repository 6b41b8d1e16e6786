{#
    Integer key of a day, yyyymmdd (20110107): the join key between fct_order_lines and
    dim_date, readable and sortable in any BI tool.
#}
{% macro date_id(date_expression) -%}
    cast(date_format({{ date_expression }}, 'yyyyMMdd') as int)
{%- endmacro %}
