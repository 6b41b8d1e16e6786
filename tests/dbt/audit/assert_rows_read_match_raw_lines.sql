{#-
    Structural: the reconciliation reads every line of every file. rows_read must equal both
    the raw table's row count and its last line number - 1 (the header is line 1), so no line
    was dropped between the file and the audit.
-#}
{%- set files = {
    'bikes.csv': 'bikes', 'bikeshops.csv': 'bikeshops',
    'customers.csv': 'customers', 'orders.csv': 'orders',
} -%}

with

reconciliation as (
    select * from {{ ref('audit_row_reconciliation') }}
),

raw_lines as (
    {%- for file, table in files.items() %}
        select
            '{{ file }}' as source_file,
            count(*) as raw_rows,
            max(_line_number) - 1 as last_data_line
        from {{ source('raw', table) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    raw_lines.source_file,
    raw_lines.raw_rows,
    raw_lines.last_data_line,
    reconciliation.rows_read
from raw_lines
left join reconciliation
    on raw_lines.source_file = reconciliation.source_file
where
    reconciliation.rows_read is null
    or reconciliation.rows_read <> raw_lines.raw_rows
    or reconciliation.rows_read <> raw_lines.last_data_line
