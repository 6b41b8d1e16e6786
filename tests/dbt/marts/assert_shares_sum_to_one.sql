{#
    Shares add up to 1 within rounding (1e-9): per city in purchases_by_city and per model in
    model_city_histogram. Returns each group whose shares do not.
#}
with

city_shares as (

    select
        'purchases_by_city' as mart,
        concat(city, ', ', state) as share_group,
        sum(share_of_city_units) as share_total
    from {{ ref('purchases_by_city') }}
    group by
        city,
        state

),

model_shares as (

    select
        'model_city_histogram' as mart,
        model as share_group,
        sum(share_of_model_units) as share_total
    from {{ ref('model_city_histogram') }}
    group by model

),

all_shares as (

    select * from city_shares
    union all
    select * from model_shares

)

select *
from all_shares
where abs(share_total - 1) > 1e-9
