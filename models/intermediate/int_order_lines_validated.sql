{#-
    Every line of orders.csv with its final outcome (clean, duplicate, conflict, rejected).
    A line whose bike or customer is not a clean row is rejected as unknown_bike, else
    unknown_customer (customers are checked against their store first, so the lines of a
    rejected customer land here).
-#}
with

order_lines as (
    select * from {{ ref('stg_order_lines') }}
),

bikes as (
    select bike_id from {{ ref('int_bikes_clean') }}
),

customers as (
    select customer_id from {{ ref('int_customers_clean') }}
),

joined as (
    select
        order_lines.*,
        case
            when order_lines.row_status = 'valid' then bikes.bike_id is not null
        end as has_known_bike,
        case
            when order_lines.row_status = 'valid' then customers.customer_id is not null
        end as has_known_customer
    from order_lines
    left join bikes
        on order_lines.bike_id = bikes.bike_id
    left join customers
        on order_lines.customer_id = customers.customer_id
),

checked as (
    select
        *,
        {{ first_failing_rule([
            orphan_rule('unknown_bike', 'bike_id', 'product.id', 'has_known_bike', 'bike'),
            orphan_rule(
                'unknown_customer', 'customer_id', 'customer.id', 'has_known_customer',
                'customer',
            ),
        ], 'orphan') }}
    from joined
),

final as (
    select
        *,
        {{ cross_table_outcome(
            'row_status', 'rejection_rule', 'rejection_reason', 'orphan_rule', 'orphan_reason'
        ) }}
    from checked
)

select * from final
