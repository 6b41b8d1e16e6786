{#-
    One row per input file: every line read is clean, a removed duplicate, a resolved conflict
    or rejected. Each count comes from a different model (staging, the clean table, the
    quarantine), so a line lost or doubled anywhere in between breaks the equation that the
    YAML test enforces (severity error). rejected_pct is the gate of var max_rejected_pct: a
    file over it fails the build and keeps the marts of the last good build (write-audit-publish:
    the marts depend on this model, see models/marts). as_of: the date the rules were judged at.
-#}

with

bikes_staged as (
    select * from {{ ref('stg_bikes') }}
),

bikes_clean as (
    select * from {{ ref('int_bikes_clean') }}
),

bikeshops_staged as (
    select * from {{ ref('stg_bikeshops') }}
),

bikeshops_clean as (
    select * from {{ ref('int_bikeshops_clean') }}
),

customers_staged as (
    select * from {{ ref('stg_customers') }}
),

customers_clean as (
    select * from {{ ref('int_customers_clean') }}
),

order_lines_staged as (
    select * from {{ ref('stg_order_lines') }}
),

order_lines_clean as (
    select * from {{ ref('int_order_lines_clean') }}
),

rejected as (
    select * from {{ ref('audit_rejected_rows') }}
),

reconciliation as (
    {{ reconciliation_counts('bikes.csv', 1, 'bikes_staged', 'bikes_clean', 'rejected') }}
    union all
    {{ reconciliation_counts(
        'bikeshops.csv', 2, 'bikeshops_staged', 'bikeshops_clean', 'rejected',
    ) }}
    union all
    {{ reconciliation_counts(
        'customers.csv', 3, 'customers_staged', 'customers_clean', 'rejected',
    ) }}
    union all
    {{ reconciliation_counts(
        'orders.csv', 4, 'order_lines_staged', 'order_lines_clean', 'rejected',
    ) }}
),

final as (
    select
        source_file,
        rows_read,
        rows_clean,
        duplicates_removed,
        conflicts_resolved,
        rows_rejected,
        cast(round(100.0 * rows_rejected / greatest(rows_read, 1), 4) as double) as rejected_pct,
        cast({{ var('max_rejected_pct') }} as double) as max_rejected_pct,
        {{ velos_as_of() }} as as_of
    from reconciliation
    order by file_order
)

select * from final
