with

model_city_sales as (

    select * from {{ ref('purchases_by_city') }}

),

final as (

    select
        model,
        city,
        state,
        units,
        {{ share_in_group('units', ['model']) }} as share_of_model_units,
        {# distinct ranks: ties on units are ordered by city, then state, alphabetically #}
        row_number() over (
            partition by model
            order by units desc, city asc, state asc
        ) as rank_in_model
    from model_city_sales

)

select * from final
