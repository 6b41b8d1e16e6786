-- write-audit-publish: built only when every gate passed
-- depends_on: {{ ref('audit_gate') }}
with

order_lines as (

    select * from {{ ref('int_order_lines_clean') }}

),

bikes as (

    select * from {{ ref('int_bikes_clean') }}

),

customers as (

    select * from {{ ref('int_customers_clean') }}

),

final as (

    {#
        Left joins: every clean order line stays even if a key failed to resolve; the
        not_null tests on unit_price and bikeshop_id and the row-count test would then fail
        loudly instead of the line vanishing.
    #}
    select
        order_lines.order_id,
        order_lines.order_line,
        order_lines.order_date,
        {{ velos_date_id('order_lines.order_date') }} as date_id,
        order_lines.customer_id,
        order_lines.bike_id,
        {# the customer's home store: the store and city of the client's questions #}
        customers.bikeshop_id,
        order_lines.quantity,
        bikes.price as unit_price,
        cast(order_lines.quantity * bikes.price as decimal(18, 2)) as total_amount
    from order_lines
    left join bikes
        on order_lines.bike_id = bikes.bike_id
    left join customers
        on order_lines.customer_id = customers.customer_id

)

select * from final
