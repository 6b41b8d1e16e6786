{#-
    The client's four quality dimensions, per table ('*') and per column, as the share of
    checked values that pass, with the counts behind it and the threshold (var
    scorecard_thresholds). Checks: macros/audit/column_checks.sql and table_checks.sql.
    status: pass | fail (under the threshold: the YAML test fails the build) | info (measured,
    not gated: optional descriptive columns, which become 'Unknown' or null when blank).
    Checks run over the records of a file: its lines minus removed duplicates and conflicts.
-#}
{%- set thresholds = var('scorecard_thresholds') -%}

-- the loop below writes CTEs at the top level: its tags do not indent them
-- sqlfluff:indentation:template_blocks_indent:False
with

{% for export in export_files() %}
{{ export.table }} as (
    select * from {{ ref('int_' ~ export.table ~ '_validated') }}
),
{% endfor %}

reconciliation as (
    select * from {{ ref('audit_row_reconciliation') }}
),

bikes_checks as (
    {{ scorecard_rows('bikes', 'bikes', 1,
        table_checks()
        + column_checks('bike_id', valid='bike_id is not null')
        + column_checks('model')
        + column_checks('category1')
        + column_checks('category2', required=false)
        + column_checks('frame', required=false)
        + column_checks('price', valid='price is not null', in_range='is_price_in_range')
    ) }}
),

bikeshops_checks as (
    {{ scorecard_rows('bikeshops', 'bikeshops', 2,
        table_checks('is_coordinates_outlier')
        + column_checks('bikeshop_id', valid='bikeshop_id is not null')
        + column_checks('bikeshop_name', required=false)
        + column_checks('city')
        + column_checks('state', required=false)
        + column_checks('latitude', required=false,
            in_range='not is_coordinates_outlier', range_checked='true')
        + column_checks('longitude', required=false,
            in_range='not is_coordinates_outlier', range_checked='true')
    ) }}
),

customers_checks as (
    {{ scorecard_rows('customers', 'customers', 3,
        table_checks('is_birth_date_outlier')
        + column_checks('customer_id', valid='customer_id is not null')
        + column_checks('first_name', required=false)
        + column_checks('last_name', required=false)
        + column_checks('gender', required=false, valid='not is_gender_unrecognised')
        + column_checks('birth_date', required=false, valid='not is_birth_date_invalid',
            in_range='not is_birth_date_outlier', range_checked='not is_birth_date_invalid')
        + column_checks('city', required=false)
        + column_checks('state', required=false)
        + column_checks('signup_date', required=false, valid='not is_signup_date_invalid')
        + column_checks('bikeshop_id', valid='bikeshop_id is not null',
            has_known='has_known_bikeshop')
    ) }}
),

order_lines_checks as (
    {{ scorecard_rows('order_lines', 'order_lines', 4,
        table_checks()
        + column_checks('order_id', valid='order_id is not null')
        + column_checks('order_line', valid='order_line is not null')
        + column_checks('order_date', valid='order_date is not null',
            in_range='is_order_date_in_range')
        + column_checks('customer_id', valid='customer_id is not null',
            has_known='has_known_customer')
        + column_checks('bike_id', valid='bike_id is not null', has_known='has_known_bike')
        + column_checks('quantity', valid='quantity is not null',
            in_range='is_quantity_in_range')
    ) }}
),

{# totals agree: every line read is accounted for (threshold 100 %) #}
reconciliation_checks as (
    select
        case source_file
            {%- for export in export_files() %}
            when '{{ export.file }}' then '{{ export.table }}'
            {%- endfor %}
        end as table_name,  -- noqa: RF04
        case source_file
            {%- for export in export_files() %}
            when '{{ export.file }}' then {{ export.order }}
            {%- endfor %}
        end as table_order,
        'row_reconciliation' as column_name,  -- noqa: RF04
        'consistency' as dimension,
        true as is_gated,
        rows_read as checked,  -- noqa: RF04
        rows_read - abs(
            rows_read - (rows_clean + duplicates_removed + conflicts_resolved + rows_rejected)
        ) as passed
    from reconciliation
),

all_checks as (
    select * from bikes_checks
    union all
    select * from bikeshops_checks
    union all
    select * from customers_checks
    union all
    select * from order_lines_checks
    union all
    select * from reconciliation_checks
),

scored as (
    select
        table_name,
        table_order,
        column_name,
        dimension,
        checked,
        passed,
        case when checked > 0 then round(100.0 * passed / checked, 2) end as pct,
        case
            when column_name = 'row_reconciliation' then 100.0
            when is_gated then
                case dimension
                    when 'completeness' then {{ thresholds.completeness }}
                    when 'validity' then {{ thresholds.validity }}
                    when 'consistency' then {{ thresholds.consistency }}
                    when 'accuracy' then {{ thresholds.accuracy }}
                end
        end as threshold
    from all_checks
),

final as (
    select
        table_name,
        table_order,
        column_name,
        dimension,
        checked,
        passed,
        pct,
        threshold,
        case
            when threshold is null then 'info'
            when checked = 0 or pct >= threshold then 'pass'
            else 'fail'
        end as status
    from scored
)

select * from final
