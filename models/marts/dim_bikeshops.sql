-- write-audit-publish: built only when every gate passed
-- depends_on: {{ ref('audit_gate') }}
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
