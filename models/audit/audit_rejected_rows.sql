{#-
    The quarantine: one row per rejected input line, with the file, the line number, the line
    exactly as in the file, the rule that rejected it and a readable reason. Duplicates and
    resolved conflicts are not rejections (see audit_row_reconciliation).
-#}

with

bikes as (
    select * from {{ ref('int_bikes_validated') }}
),

bikeshops as (
    select * from {{ ref('int_bikeshops_validated') }}
),

customers as (
    select * from {{ ref('int_customers_validated') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_validated') }}
),

rejected as (
    {{ audit_rejected_lines('bikes', 'bikes.csv') }}
    union all
    {{ audit_rejected_lines('bikeshops', 'bikeshops.csv') }}
    union all
    {{ audit_rejected_lines('customers', 'customers.csv') }}
    union all
    {{ audit_rejected_lines('order_lines', 'orders.csv') }}
)

select * from rejected
