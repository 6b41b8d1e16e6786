{#
    Per city (city, state of the customers' home stores), the units, order lines and revenue
    of purchases_by_city equal those of fct_order_lines. A full outer join also catches a city
    present on one side only.
#}
with

fct_by_city as (

    select
        bikeshops.city,
        bikeshops.state,
        cast(sum(order_lines.total_amount) as decimal(18, 2)) as revenue,
        sum(order_lines.quantity) as units,
        count(*) as order_lines
    from {{ ref('fct_order_lines') }} as order_lines
    inner join {{ ref('dim_bikeshops') }} as bikeshops
        on order_lines.bikeshop_id = bikeshops.bikeshop_id
    group by
        bikeshops.city,
        bikeshops.state

),

mart_by_city as (

    select
        city,
        state,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        sum(units) as units,
        sum(order_lines) as order_lines
    from {{ ref('purchases_by_city') }}
    group by
        city,
        state

)

select
    fct_by_city.units as fct_units,
    mart_by_city.units as mart_units,
    fct_by_city.revenue as fct_revenue,
    mart_by_city.revenue as mart_revenue,
    coalesce(fct_by_city.city, mart_by_city.city) as home_city,
    coalesce(fct_by_city.state, mart_by_city.state) as home_state
from fct_by_city
full outer join mart_by_city
    on
        fct_by_city.city = mart_by_city.city
        and fct_by_city.state = mart_by_city.state
where
    not (fct_by_city.units <=> mart_by_city.units)
    or not (fct_by_city.order_lines <=> mart_by_city.order_lines)
    or not (fct_by_city.revenue <=> mart_by_city.revenue)
