{#-
    The clean stores: one row per bikeshop_id, every row passed every rule. Read by the marts
    (interface fixed in the brief: names and types must not change).
-#}
{{ config(materialized='table') }}

with

validated as (
    select * from {{ ref('int_bikeshops_validated') }}
),

final as (
    select
        bikeshop_id,
        bikeshop_name,
        city,
        state,
        latitude,
        longitude,
        is_coordinates_outlier
    from validated
    where outcome = 'clean'
)

select * from final
