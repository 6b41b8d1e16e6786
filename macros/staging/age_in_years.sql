{#
    Whole years between a date and today (an age); negative for a date in the future.
#}
{% macro age_in_years(date_expression) -%}
    cast(floor(months_between(current_date(), {{ date_expression }}) / 12) as int)
{%- endmacro %}
