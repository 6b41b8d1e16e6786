{#-
    One row per input file: every line read is clean, a removed duplicate, a resolved conflict
    or rejected. Each count comes from a different model (staging, the clean table, the
    quarantine), so a line lost or doubled anywhere in between breaks the equation that the
    YAML test enforces (severity error). rejected_pct is judged against var max_rejected_pct by
    audit_rejected_share's gate (write-audit-publish, see audit_gate). as_of: the date the rules were judged at.
-#}

with

{% for export in export_files() %}
    {{ export.table }}_staged as (
        select * from {{ ref('stg_' ~ export.table) }}
    ),

    {{ export.table }}_clean as (
        select * from {{ ref('int_' ~ export.table ~ '_clean') }}
    ),
{% endfor %}

rejected as (
    select * from {{ ref('audit_rejected_rows') }}
),

reconciliation as (
    {%- for export in export_files() %}
    {{ reconciliation_counts(
        export.file, export.table ~ '_staged', export.table ~ '_clean', 'rejected',
    ) }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
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
        {{ as_of() }} as as_of
    from reconciliation
)

select * from final
