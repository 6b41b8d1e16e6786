{#
    The store x model matrix for segmenting resellers: one row per store and model the store
    sold, with the model's share of the store's units. The store is the customer's home store,
    as in every answer table; on exports whose customers are the shops themselves it is the
    shop's own purchases.
#}
with

store_bike_sales as (

    select * from {{ ref('int_store_bike_sales') }}

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
        {{ share_in_group('units', ['bikeshop_id']) }} as share_of_store_units
    from store_bike_sales

)

select * from final
