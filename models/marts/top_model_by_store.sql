with

store_bike_sales as (

    select * from {{ ref('int_store_bike_sales') }}

),

bikeshops as (

    select * from {{ ref('dim_bikeshops') }}

),

store_model_sales as (

    {# one model may be sold as several bikes (e.g. two prices): the answer is per model #}
    select
        bikeshop_id,
        model,
        sum(units) as units,
        {{ revenue('revenue') }} as revenue
    from store_bike_sales
    group by
        bikeshop_id,
        model

),

ranked as (

    {# the share is taken over all the store's models, before keeping the top one #}
    select
        bikeshop_id,
        model,
        units,
        revenue,
        {{ share_in_group('units', ['bikeshop_id']) }} as share_of_store_units,
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
