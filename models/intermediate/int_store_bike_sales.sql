{#
    Units and revenue of each bike at each store: the one place the store x bike sales are
    summed, read by top_model_by_store (per model) and store_model_mix (per bike). The store is
    the customer's home store, as in every answer table.
#}
with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

bikes as (

    select * from {{ ref('dim_bikes') }}

),

final as (

    select
        order_lines.bikeshop_id,
        bikes.bike_id,
        bikes.model,
        bikes.category1,
        bikes.category2,
        bikes.frame,
        bikes.price_tier,
        sum(order_lines.quantity) as units,
        {{ revenue('order_lines.total_amount') }} as revenue
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

)

select * from final
