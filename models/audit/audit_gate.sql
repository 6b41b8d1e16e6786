{#-
    The write-audit-publish barrier. Every mart depends on this view, and the view on the audit
    tables whose tests are the gates (tag gate: the reconciliation, the rejected share per file,
    the scorecard thresholds). When a gate fails, `dbt build` skips this view and so every mart:
    readers keep the marts of the last build that passed, while the audit tables show the
    failing input. One row per file: its rejected share against the bound and the as_of date.
-#}

with

reconciliation as (
    select * from {{ ref('audit_row_reconciliation') }}
),

scorecard as (
    select * from {{ ref('audit_quality_scorecard') }}
),

failing_dimensions as (
    select count_if(status = 'fail') as failing_checks
    from scorecard
),

final as (
    select
        reconciliation.source_file,
        reconciliation.rejected_pct,
        reconciliation.max_rejected_pct,
        failing_dimensions.failing_checks as scorecard_failing_checks,
        reconciliation.as_of
    from reconciliation
    cross join failing_dimensions
)

select * from final
