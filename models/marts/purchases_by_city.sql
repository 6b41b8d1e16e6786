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

model_city_sales as (

    {# the city is the customer's home store's (fct_order_lines.bikeshop_id) #}
    select
        bikes.model,
        bikeshops.city,
        bikeshops.state,
        sum(order_lines.quantity) as units,
        count(*) as order_lines,
        {{ revenue('order_lines.total_amount') }} as revenue
    from order_lines
    inner join bikes
        on order_lines.bike_id = bikes.bike_id
    inner join bikeshops
        on order_lines.bikeshop_id = bikeshops.bikeshop_id
    group by
        bikes.model,
        bikeshops.city,
        bikeshops.state

),

final as (

    select
        model,
        city,
        state,
        units,
        order_lines,
        revenue,
        {# a city is (city, state): two states can have a city of the same name #}
        {{ share_in_group('units', ['city', 'state']) }} as share_of_city_units
    from model_city_sales

)

select * from final
