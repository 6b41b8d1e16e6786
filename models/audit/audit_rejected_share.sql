{#-
    The rejected share of each file against its bound (var max_rejected_pct), apart from
    audit_row_reconciliation so that its gate test blocks only audit_gate (and so the marts):
    the scorecard, which reads the reconciliation, is still built and judged on the same run,
    and a failing build names every failing gate at once.
-#}

with

reconciliation as (
    select * from {{ ref('audit_row_reconciliation') }}
),

final as (
    select
        source_file,
        rows_read,
        rows_rejected,
        rejected_pct,
        max_rejected_pct,
        as_of
    from reconciliation
)

select * from final
