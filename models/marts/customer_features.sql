{#
    One row per customer with at least one clean order line: what the clustering and the
    classifier read. Recency and tenure are counted to the last order date in the data, never
    today, so a rerun on the same data gives the same features.
#}
{% set mix_dimensions = ['category1', 'category2', 'frame', 'price_tier'] %}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

bikes as (

    select * from {{ ref('dim_bikes') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

lines as (

    {# fct_order_lines.bike_id is not null and in dim_bikes (tested), so no line is lost #}
    select
        order_lines.customer_id,
        order_lines.order_id,
        order_lines.order_line,
        order_lines.order_date,
        order_lines.quantity,
        order_lines.total_amount,
        bikes.bike_id,
        bikes.category1,
        bikes.category2,
        bikes.frame,
        bikes.price_tier,
        bikes.price
    from order_lines
    inner join bikes
        on order_lines.bike_id = bikes.bike_id

),

reference_date as (

    select max(order_date) as last_order_date
    from lines

),

customer_totals as (

    select
        customer_id,
        count(distinct order_id) as order_count,
        count(*) as order_lines,
        sum(quantity) as units,
        {{ revenue('total_amount') }} as total_spend,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from lines
    group by customer_id

),

first_bikes as (

    {# the first line of the customer's first order: what is known at the first purchase #}
    select
        customer_id,
        bike_id as first_bike_id,
        category1 as first_category1,
        category2 as first_category2,
        frame as first_frame,
        price as first_price
    from (
        select
            *,
            row_number() over (
                partition by customer_id
                order by order_date, order_id, order_line
            ) as line_rank
        from lines
    ) as ranked_lines
    where line_rank = 1

),
{% for dimension in mix_dimensions %}

    {{ dimension }}_mix as (

        {{ unit_share_map('lines', 'customer_id', dimension, 'quantity') }}

    ),
{% endfor %}

final as (

    select
        customer_totals.customer_id,
        customers.gender,
        customers.age_band,
        customers.bikeshop_id,
        first_bikes.first_bike_id,
        first_bikes.first_category1,
        first_bikes.first_category2,
        first_bikes.first_frame,
        customers.age,
        customer_totals.order_count,
        customer_totals.order_lines,
        customer_totals.units,
        customer_totals.total_spend,
        first_bikes.first_price,
        cast(customer_totals.total_spend / customer_totals.units as double) as mean_price_paid,
        datediff(reference_date.last_order_date, customer_totals.last_order_date)
            as recency_days,
        datediff(reference_date.last_order_date, customer_totals.first_order_date)
            as tenure_days,
        {% for dimension in mix_dimensions %}
            {{ dimension }}_mix.unit_shares as {{ dimension }}_shares,
        {% endfor %}
        customer_totals.first_order_date,
        customer_totals.last_order_date
    from customer_totals
    cross join reference_date
    left join customers
        on customer_totals.customer_id = customers.customer_id
    left join first_bikes
        on customer_totals.customer_id = first_bikes.customer_id
    {% for dimension in mix_dimensions %}
        left join {{ dimension }}_mix
            on customer_totals.customer_id = {{ dimension }}_mix.customer_id
    {% endfor %}

)

select * from final
