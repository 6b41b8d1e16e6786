with

bikeshops as (

    select * from {{ ref('int_bikeshops_clean') }}

),

final as (

    select
        bikeshop_id,
        bikeshop_name,
        city,
        state,
        latitude,
        longitude
    from bikeshops

)

select * from final
