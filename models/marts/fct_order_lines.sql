-- write-audit-publish: built only when every gate passed
-- depends_on: {{ ref('audit_gate') }}
{#-
    Incremental: the first build, or --full-refresh, writes the whole table; later builds
    MERGE on (order_id, order_line) only the lines that are new or whose values changed
    (`changed` below), so Delta rewrites no file for the lines an export repeats unchanged.
    Lines a later export no longer holds are deleted, or kept with
    --vars '{keep_missing_order_lines: true}' (fct_order_lines.yml says why).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['order_id', 'order_line'],
    on_schema_change='fail',
    post_hook="{{ '' if var('keep_missing_order_lines') else delete_missing_rows(
        this, ref('int_order_lines_clean'), ['order_id', 'order_line']) }}",
) }}

with

order_lines as (

    select * from {{ ref('int_order_lines_clean') }}

),

bikes as (

    select * from {{ ref('int_bikes_clean') }}

),

customers as (

    select * from {{ ref('int_customers_clean') }}

),

final as (

    {#
        Left joins: every clean order line stays even if a key failed to resolve; the
        not_null tests on unit_price and bikeshop_id and the row-count test would then fail
        loudly instead of the line vanishing.
    #}
    select
        order_lines.order_id,
        order_lines.order_line,
        order_lines.order_date,
        {{ date_id('order_lines.order_date') }} as date_id,
        order_lines.customer_id,
        order_lines.bike_id,
        {# the customer's home store: the store and city of the client's questions #}
        customers.bikeshop_id,
        order_lines.quantity,
        bikes.price as unit_price,
        cast(order_lines.quantity * bikes.price as decimal(18, 2)) as total_amount
    from order_lines
    left join bikes
        on order_lines.bike_id = bikes.bike_id
    left join customers
        on order_lines.customer_id = customers.customer_id

),

{% if is_incremental() %}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}

    current_lines as (

        {# the table's side of the comparison: three numbers a row #}
        select
            current_rows.order_id,
            current_rows.order_line,
            {{ row_hash(columns, 'current_rows') }} as row_hash
        from {{ this }} as current_rows

    ),
{% endif %}

changed as (

    {#
        On an incremental build, only the lines that are new or have any value changed
        (quantity, a new catalogue price, another home store...): an anti-join on the key
        and a hash of every column (row_hash), so the table's side of the join is the
        key and the hash, not the whole row as an EXCEPT would shuffle. The table was created
        by this same select, so the columns line up; a change of columns stops the build
        (on_schema_change: fail) until a --full-refresh.
    #}
    {% if is_incremental() %}
        select final.*
        from final
        left anti join current_lines
            on
                final.order_id = current_lines.order_id
                and final.order_line = current_lines.order_line
                and {{ row_hash(columns, 'final') }} = current_lines.row_hash
    {% else %}
        select * from final
    {% endif %}

)

select * from changed
