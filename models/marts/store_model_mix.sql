{#
    The store x model matrix for segmenting resellers: one row per store and model the store
    sold, with the model's share of the store's units. The store is the customer's home store,
    as in every answer table; on exports whose customers are the shops themselves it is the
    shop's own purchases.
#}
with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

bikes as (

    select * from {{ ref('dim_bikes') }}

),

store_model_units as (

    select
        order_lines.bikeshop_id,
        bikes.bike_id,
        bikes.model,
        bikes.category1,
        bikes.category2,
        bikes.frame,
        bikes.price_tier,
        sum(order_lines.quantity) as units,
        {{ velos_revenue('order_lines.total_amount') }} as revenue
    from order_lines
    inner join bikes
        on order_lines.bike_id = bikes.bike_id
    group by
        order_lines.bikeshop_id,
        bikes.bike_id,
        bikes.model,
        bikes.category1,
        bikes.category2,
        bikes.frame,
        bikes.price_tier

),

final as (

    select
        bikeshop_id,
        bike_id,
        model,
        category1,
        category2,
        frame,
        price_tier,
        units,
        revenue,
        {{ velos_share('units', ['bikeshop_id']) }} as share_of_store_units
    from store_model_units

)

select * from final
