{#-
    The quarantine: one row per rejected input line, with the file, the line number, the line
    exactly as in the file, the rule that rejected it and a readable reason. Duplicates and
    resolved conflicts are not rejections (see audit_row_reconciliation).
-#}

with

{% for export in export_files() %}
    {{ export.table }} as (
        select * from {{ ref('int_' ~ export.table ~ '_validated') }}
    ),
{% endfor %}

rejected as (
    {%- for export in export_files() %}
        {{ audit_rejected_lines(export.table, export.file) }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from rejected
