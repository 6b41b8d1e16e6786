{#
    One file's terms of the reconciliation, each counted on another model: lines read and the
    duplicates and conflicts on staging, clean rows on the clean table, rejected lines on the
    quarantine (audit_rejected_rows). One aggregate per input, joined (one row each).
#}
{% macro reconciliation_counts(source_file, staged, clean, rejected) -%}
    select
        '{{ source_file }}' as source_file,
        staged_counts.rows_read,
        clean_counts.rows_clean,
        staged_counts.duplicates_removed,
        staged_counts.conflicts_resolved,
        rejected_counts.rows_rejected
    from (
        select
            count(*) as rows_read,
            count_if(row_status = 'duplicate') as duplicates_removed,
            count_if(row_status = 'conflict') as conflicts_resolved
        from {{ staged }}
    ) as staged_counts
    cross join (select count(*) as rows_clean from {{ clean }}) as clean_counts
    cross join (
        select count(*) as rows_rejected
        from {{ rejected }}
        where source_file = '{{ source_file }}'
    ) as rejected_counts
{%- endmacro %}
