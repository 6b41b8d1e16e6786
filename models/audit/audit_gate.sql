{#-
    The write-audit-publish barrier. Every mart depends on this view, and the view on the audit
    tables whose tests are the gates (tag gate: the reconciliation, the rejected share per file
    in audit_rejected_share, the scorecard thresholds). When a gate fails, `dbt build` skips
    this view and so every mart: readers keep the marts of the last build that passed, while
    the audit tables show the failing input. One row per file: its rejected share against the bound and the as_of date.
-#}

with

rejected_share as (
    select * from {{ ref('audit_rejected_share') }}
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
        rejected_share.source_file,
        rejected_share.rejected_pct,
        rejected_share.max_rejected_pct,
        failing_dimensions.failing_checks as scorecard_failing_checks,
        rejected_share.as_of
    from rejected_share
    cross join failing_dimensions
)

select * from final
