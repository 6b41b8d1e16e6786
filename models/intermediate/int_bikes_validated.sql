{#-
    Every line of bikes.csv with its final outcome (clean, duplicate, conflict, rejected) and
    the rule and reason of a rejection. Bikes have no foreign key: staging's verdict is final.
-#}
with

bikes as (
    select * from {{ ref('stg_bikes') }}
),

checked as (
    select
        *,
        {{ first_failing_rule([], 'orphan') }}
    from bikes
),

final as (
    select
        *,
        {{ cross_table_outcome(
            'row_status', 'rejection_rule', 'rejection_reason', 'orphan_rule', 'orphan_reason'
        ) }}
    from checked
)

select * from final
