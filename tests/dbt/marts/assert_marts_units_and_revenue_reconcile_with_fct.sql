{#
    The answer tables add up to the fact table: total units of purchases_by_gender,
    purchases_by_city, model_city_histogram and of the ML features (customer_features,
    store_model_mix, category_monthly_units) = sum(quantity) in fct_order_lines, and their
    revenue (where they carry one) = sum(total_amount). Returns one row per mart that disagrees.
#}
with

fct as (

    select
        cast(sum(total_amount) as decimal(18, 2)) as revenue,
        sum(quantity) as units
    from {{ ref('fct_order_lines') }}

),

mart_totals as (
    {#- (mart, its revenue column): the histogram and the monthly units carry no revenue, so
        only their units are compared -#}
    {%- set marts = [
        ('purchases_by_gender', 'revenue'),
        ('purchases_by_city', 'revenue'),
        ('model_city_histogram', none),
        ('customer_features', 'total_spend'),
        ('store_model_mix', 'revenue'),
        ('category_monthly_units', none),
    ] %}
    {%- for mart, revenue in marts %}

        select
            '{{ mart }}' as mart,
            sum(units) as units,
            {%- if revenue %}
                cast(sum({{ revenue }}) as decimal(18, 2)) as revenue
            {%- else %}
                null as revenue
            {%- endif %}
        from {{ ref(mart) }}
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

)

select
    mart_totals.mart,
    mart_totals.units as mart_units,
    fct.units as fct_units,
    mart_totals.revenue as mart_revenue,
    fct.revenue as fct_revenue
from mart_totals
cross join fct
where
    not (coalesce(mart_totals.units, 0) <=> coalesce(fct.units, 0))
    or (
        mart_totals.revenue is not null
        and not (mart_totals.revenue <=> fct.revenue)
    )
