{#
    Whole years between a birth date and a reference date (the calendar age), used for the
    staging age rule (as of today) and dim_customers.age (as of the last order date), one less when
    the birthday has not come yet in the reference year (months_between would round on 31-day
    months). Null when either date is null.
#}
{% macro age_in_years(birth_date, as_of_date) -%}
    (
        year({{ as_of_date }}) - year({{ birth_date }})
        - case
            when
                month({{ as_of_date }}) * 100 + day({{ as_of_date }})
                < month({{ birth_date }}) * 100 + day({{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}
