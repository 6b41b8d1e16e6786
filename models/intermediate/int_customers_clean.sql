{#-
    The clean customers: one row per customer_id, every row passed every rule and its home
    store exists in int_bikeshops_clean. Read by the marts (interface fixed in the brief).
-#}
{{ config(materialized='table') }}

with

validated as (
    select * from {{ ref('int_customers_validated') }}
),

final as (
    select
        customer_id,
        first_name,
        last_name,
        gender,
        birth_date,
        city,
        state,
        signup_date,
        bikeshop_id,
        is_gender_missing,
        is_birth_date_outlier
    from validated
    where outcome = 'clean'
)

select * from final
