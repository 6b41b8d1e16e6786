-- write-audit-publish: built only when every gate passed
-- depends_on: {{ ref('audit_gate') }}
with

customers as (

    select * from {{ ref('int_customers_clean') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_clean') }}

),

reference_date as (

    {# age at the last order date in the data, not today, so a rerun gives the same ages #}
    select max(order_date) as last_order_date
    from order_lines

),

aged as (

    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customers.gender,
        customers.birth_date,
        {{ age_in_years('customers.birth_date', 'reference_date.last_order_date') }}
            as age,
        customers.city,
        customers.state,
        customers.signup_date,
        customers.bikeshop_id
    from customers
    cross join reference_date

),

final as (

    select
        customer_id,
        first_name,
        last_name,
        gender,
        birth_date,
        age,
        {{ bucket('age', var('age_band_boundaries'), var('age_band_labels')) }}
            as age_band,
        city,
        state,
        signup_date,
        bikeshop_id
    from aged

)

select * from final
