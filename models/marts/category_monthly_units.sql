{#
    The demand series of the forecast: units per category2 and calendar month, one row for
    every category2 of the catalogue and every month of the data (a month without sales is 0,
    not missing), so lags and seasonal baselines line up month by month.
#}
with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

bikes as (

    select * from {{ ref('dim_bikes') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

months as (

    select
        cast(date_trunc('month', date) as date) as month_start_date,
        {# a month the data only partly covers (the first or the last) is flagged #}
        count(*) < day(last_day(min(date))) as is_partial_month
    from calendar
    group by cast(date_trunc('month', date) as date)

),

categories as (

    select distinct category2
    from bikes

),

category_month_units as (

    select
        bikes.category2,
        cast(date_trunc('month', order_lines.order_date) as date) as month_start_date,
        sum(order_lines.quantity) as units
    from order_lines
    inner join bikes
        on order_lines.bike_id = bikes.bike_id
    group by
        bikes.category2,
        cast(date_trunc('month', order_lines.order_date) as date)

),

final as (

    select
        categories.category2,
        months.is_partial_month,
        months.month_start_date,
        coalesce(category_month_units.units, 0) as units
    from categories
    cross join months
    left join category_month_units
        on
            categories.category2 = category_month_units.category2
            and months.month_start_date = category_month_units.month_start_date

)

select * from final
