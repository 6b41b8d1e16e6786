-- write-audit-publish: built only when every gate passed
-- depends_on: {{ ref('audit_gate') }}
with

bikes as (

    select * from {{ ref('int_bikes_clean') }}

),

final as (

    select
        bike_id,
        model,
        category1,
        category2,
        frame,
        price,
        {{ bucket('price', var('price_tier_boundaries'), var('price_tier_labels')) }}
            as price_tier
    from bikes

)

select * from final
