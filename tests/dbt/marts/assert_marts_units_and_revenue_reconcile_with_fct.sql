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

    select
        'purchases_by_gender' as mart,
        sum(units) as units,
        cast(sum(revenue) as decimal(18, 2)) as revenue
    from {{ ref('purchases_by_gender') }}

    union all

    select
        'purchases_by_city' as mart,
        sum(units) as units,
        cast(sum(revenue) as decimal(18, 2)) as revenue
    from {{ ref('purchases_by_city') }}

    union all

    {# the histogram carries no revenue: only its units are compared #}
    select
        'model_city_histogram' as mart,
        sum(units) as units,
        null as revenue
    from {{ ref('model_city_histogram') }}

    union all

    select
        'customer_features' as mart,
        sum(units) as units,
        cast(sum(total_spend) as decimal(18, 2)) as revenue
    from {{ ref('customer_features') }}

    union all

    select
        'store_model_mix' as mart,
        sum(units) as units,
        cast(sum(revenue) as decimal(18, 2)) as revenue
    from {{ ref('store_model_mix') }}

    union all

    select
        'category_monthly_units' as mart,
        sum(units) as units,
        null as revenue
    from {{ ref('category_monthly_units') }}

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
