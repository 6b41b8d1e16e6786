-- write-audit-publish: built only when every gate passed
-- depends_on: {{ ref('audit_gate') }}
with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

date_range as (

    select
        min(order_date) as first_date,
        max(order_date) as last_date
    from order_lines

),

calendar as (

    {# one row per day from the first to the last order date, gaps included #}
    select explode(sequence(first_date, last_date, interval 1 day)) as calendar_date
    from date_range
    where first_date is not null

),

final as (

    select
        {{ date_id('calendar_date') }} as date_id,
        calendar_date as date,  -- noqa: RF04
        year(calendar_date) as year,  -- noqa: RF04
        quarter(calendar_date) as quarter,  -- noqa: RF04
        month(calendar_date) as month,  -- noqa: RF04
        date_format(calendar_date, 'MMMM') as month_name,
        day(calendar_date) as day,  -- noqa: RF04
        {# ISO day of week: 1 = Monday ... 7 = Sunday (Spark's weekday() is 0 = Monday) #}
        weekday(calendar_date) + 1 as day_of_week,
        {{ season('month(calendar_date)') }} as season
    from calendar

)

select * from final
