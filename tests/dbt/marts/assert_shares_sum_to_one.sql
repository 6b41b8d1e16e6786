{#
    Shares add up to 1 within rounding (1e-9): per city in purchases_by_city, per model in
    model_city_histogram, per store in store_model_mix, and per customer in each purchase-mix
    map of customer_features. Returns each group whose shares do not.
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

store_shares as (

    select
        'store_model_mix' as mart,
        cast(bikeshop_id as string) as share_group,
        sum(share_of_store_units) as share_total
    from {{ ref('store_model_mix') }}
    group by bikeshop_id

),

customer_mix_shares as (

    {% for mix in ['category1_shares', 'category2_shares', 'frame_shares', 'price_tier_shares'] %}
        select
            'customer_features.{{ mix }}' as mart,
            cast(customer_id as string) as share_group,
            aggregate(map_values({{ mix }}), cast(0 as double), (total, share) -> total + share)
                as share_total
        from {{ ref('customer_features') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

all_shares as (

    select * from city_shares
    union all
    select * from model_shares
    union all
    select * from store_shares
    union all
    select * from customer_mix_shares

)

select *
from all_shares
where abs(share_total - 1) > 1e-9
