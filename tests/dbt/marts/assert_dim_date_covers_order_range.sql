{#
    dim_date has exactly one row per day from the first to the last order date: its first and
    last days are those of fct_order_lines and it has no gap (rows = days in the range).
#}
with

orders_range as (

    select
        min(order_date) as first_date,
        max(order_date) as last_date
    from {{ ref('fct_order_lines') }}

),

calendar as (

    select
        min(dim_date.date) as first_date,
        max(dim_date.date) as last_date,
        count(*) as day_count
    from {{ ref('dim_date') }} as dim_date

)

select
    orders_range.first_date as first_order_date,
    orders_range.last_date as last_order_date,
    calendar.first_date as first_calendar_date,
    calendar.last_date as last_calendar_date,
    calendar.day_count as calendar_days
from orders_range
cross join calendar
where
    not (orders_range.first_date <=> calendar.first_date)
    or not (orders_range.last_date <=> calendar.last_date)
    or calendar.day_count != datediff(calendar.last_date, calendar.first_date) + 1
