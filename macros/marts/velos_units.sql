{#
    Units, the marts' volume measure: the sum of quantity over clean order lines.
    One definition for every mart, so they all add up to fct_order_lines.
#}
{% macro velos_units(quantity='quantity') -%}
    sum({{ quantity }})
{%- endmacro %}
