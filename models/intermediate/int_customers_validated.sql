{#-
    Every line of customers.csv with its final outcome (clean, duplicate, conflict, rejected).
    A customer whose home store is not a clean store is rejected as unknown_bikeshop. This runs
    before the order-line check, so the order lines of a rejected customer become orphans.
-#}
with

customers as (
    select * from {{ ref('stg_customers') }}
),

bikeshops as (
    select bikeshop_id from {{ ref('int_bikeshops_clean') }}
),

joined as (
    select
        customers.*,
        case
            when customers.row_status = 'valid' then bikeshops.bikeshop_id is not null
        end as has_known_bikeshop
    from customers
    left join bikeshops
        on customers.bikeshop_id = bikeshops.bikeshop_id
),

checked as (
    select
        *,
        {{ first_failing_rule([
            orphan_rule(
                'unknown_bikeshop', 'bikeshop_id', 'bikeshop.id', 'has_known_bikeshop',
                'bike shop',
            ),
        ], 'orphan') }}
    from joined
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
