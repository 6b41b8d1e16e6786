{#-
    Structural: the reconciliation reads every line of every file. rows_read must equal the
    raw table's row count, and the physical lines of those rows (a record whose quoted field
    holds a line break spans several) must equal its last line number - 1 (the header is
    line 1), so no line was dropped between the file and the audit.
-#}
{%- set files = {
    'bikes.csv': 'bikes', 'bikeshops.csv': 'bikeshops',
    'customers.csv': 'customers', 'orders.csv': 'orders',
} -%}
{%- set newlines = "(length(_raw_line) - length(replace(_raw_line, '\\n', '')))" -%}

with

reconciliation as (
    select * from {{ ref('audit_row_reconciliation') }}
),

raw_lines as (
    {%- for file, table in files.items() %}
        select
            '{{ file }}' as source_file,
            count(*) as raw_rows,
            sum(1 + {{ newlines }}) as physical_lines,
            max(_line_number + {{ newlines }}) - 1 as last_data_line
        from {{ source('raw', table) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    raw_lines.source_file,
    raw_lines.raw_rows,
    raw_lines.physical_lines,
    raw_lines.last_data_line,
    reconciliation.rows_read
from raw_lines
left join reconciliation
    on raw_lines.source_file = reconciliation.source_file
where
    reconciliation.rows_read is null
    or reconciliation.rows_read <> raw_lines.raw_rows
    or raw_lines.physical_lines <> raw_lines.last_data_line
