{#-
    Every line of bikeshops.csv with its final outcome (clean, duplicate, conflict, rejected) and
    the rule and reason of a rejection. Bikeshops have no foreign key: staging's verdict is final.
-#}
with

bikeshops as (
    select * from {{ ref('stg_bikeshops') }}
),

checked as (
    select
        *,
        {{ first_failing_rule([], 'orphan') }}
    from bikeshops
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
