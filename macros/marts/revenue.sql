{#
    Revenue, the marts' value measure: the sum of total_amount (quantity x unit price),
    kept as an exact decimal so totals reconcile to the cent.
#}
{% macro revenue(amount='total_amount') -%}
    cast(sum({{ amount }}) as decimal(18, 2))
{%- endmacro %}
