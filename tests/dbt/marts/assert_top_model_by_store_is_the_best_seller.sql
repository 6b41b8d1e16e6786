{#
    top_model_by_store holds exactly the stores with sales in fct_order_lines, one row each,
    and each row is the first of its store under the tie rule recomputed from the fact table
    (units desc, revenue desc, model asc): no model of the store sorts before it. Its units,
    revenue and share equal the fact table's. Returns the offending stores.
#}
with

store_model_sales as (

    select
        order_lines.bikeshop_id,
        bikes.model,
        cast(sum(order_lines.total_amount) as decimal(18, 2)) as revenue,
        sum(order_lines.quantity) as units
    from {{ ref('fct_order_lines') }} as order_lines
    inner join {{ ref('dim_bikes') }} as bikes
        on order_lines.bike_id = bikes.bike_id
    group by
        order_lines.bikeshop_id,
        bikes.model

),

store_totals as (

    select
        bikeshop_id,
        sum(units) as store_units
    from store_model_sales
    group by bikeshop_id

),

top_rows as (

    select * from {{ ref('top_model_by_store') }}

),

missing_or_extra_stores as (

    select
        coalesce(store_totals.bikeshop_id, top_rows.bikeshop_id) as bikeshop_id,
        'store with sales and no row, or row without sales' as problem
    from store_totals
    full outer join top_rows
        on store_totals.bikeshop_id = top_rows.bikeshop_id
    where store_totals.bikeshop_id is null or top_rows.bikeshop_id is null

),

duplicated_stores as (

    select
        bikeshop_id,
        'more than one row' as problem
    from top_rows
    group by bikeshop_id
    having count(*) > 1

),

wrong_figures as (

    select
        top_rows.bikeshop_id,
        'units, revenue or share differ from fct_order_lines' as problem
    from top_rows
    inner join store_model_sales
        on
            top_rows.bikeshop_id = store_model_sales.bikeshop_id
            and top_rows.model = store_model_sales.model
    inner join store_totals
        on top_rows.bikeshop_id = store_totals.bikeshop_id
    where
        top_rows.units != store_model_sales.units
        or top_rows.revenue != store_model_sales.revenue
        or abs(top_rows.share_of_store_units - store_model_sales.units / store_totals.store_units)
        > 1e-12

),

beaten as (

    select distinct
        top_rows.bikeshop_id,
        'another model sorts first under the tie rule' as problem
    from top_rows
    inner join store_model_sales as rival
        on top_rows.bikeshop_id = rival.bikeshop_id
    where
        rival.units > top_rows.units
        or (rival.units = top_rows.units and rival.revenue > top_rows.revenue)
        or (
            rival.units = top_rows.units
            and rival.revenue = top_rows.revenue
            and rival.model < top_rows.model
        )

)

select * from missing_or_extra_stores
union all
select * from duplicated_stores
union all
select * from wrong_figures
union all
select * from beaten
