with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

bikes as (

    select * from {{ ref('dim_bikes') }}

),

final as (

    select
        bikes.model,
        bikes.category1,
        bikes.category2,
        customers.gender,
        sum(order_lines.quantity) as units,
        count(*) as order_lines,
        count(distinct order_lines.customer_id) as customers,
        {{ revenue('order_lines.total_amount') }} as revenue
    from order_lines
    inner join bikes
        on order_lines.bike_id = bikes.bike_id
    inner join customers
        on order_lines.customer_id = customers.customer_id
    group by
        bikes.model,
        bikes.category1,
        bikes.category2,
        customers.gender

)

select * from final
