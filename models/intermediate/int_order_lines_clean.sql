{#-
    The clean order lines: one row per (order_id, order_line), every row passed every rule and
    its bike and customer exist in the clean tables. Read by the marts (interface fixed).
-#}
{{ config(materialized='table') }}

with

validated as (
    select * from {{ ref('int_order_lines_validated') }}
),

final as (
    select
        order_id,
        order_line,
        order_date,
        customer_id,
        bike_id,
        quantity
    from validated
    where outcome = 'clean'
)

select * from final
