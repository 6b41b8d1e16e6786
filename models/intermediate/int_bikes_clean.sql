{#-
    The clean bike catalogue: one row per bike_id, every row passed every rule. Read by the
    marts (interface fixed in the brief: names and types must not change).
-#}
{{ config(materialized='table') }}

with

validated as (
    select * from {{ ref('int_bikes_validated') }}
),

final as (
    select
        bike_id,
        model,
        category1,
        category2,
        frame,
        price,
        is_category2_missing,
        is_frame_missing
    from validated
    where outcome = 'clean'
)

select * from final
