with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

bikes as (

    select * from {{ ref('dim_bikes') }}

),

bikeshops as (

    select * from {{ ref('dim_bikeshops') }}

),

store_model_sales as (

    select
        order_lines.bikeshop_id,
        bikes.model,
        sum(order_lines.quantity) as units,
        {{ velos_revenue('order_lines.total_amount') }} as revenue
    from order_lines
    inner join bikes
        on order_lines.bike_id = bikes.bike_id
    group by
        order_lines.bikeshop_id,
        bikes.model

),

ranked as (

    {# the share is taken over all the store's models, before keeping the top one #}
    select
        bikeshop_id,
        model,
        units,
        revenue,
        {{ velos_share('units', ['bikeshop_id']) }} as share_of_store_units,
        {# tie rule (doc top_model_tie_rule): units desc, then revenue desc, then model asc #}
        row_number() over (
            partition by bikeshop_id
            order by units desc, revenue desc, model asc
        ) as rank_in_store
    from store_model_sales

),

final as (

    select
        ranked.bikeshop_id,
        bikeshops.bikeshop_name,
        bikeshops.city,
        bikeshops.state,
        ranked.model,
        ranked.units,
        ranked.revenue,
        ranked.share_of_store_units
    from ranked
    inner join bikeshops
        on ranked.bikeshop_id = bikeshops.bikeshop_id
    where ranked.rank_in_store = 1

)

select * from final
