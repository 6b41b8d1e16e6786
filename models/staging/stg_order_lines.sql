{#-
    One row per line of orders.csv, nothing filtered: typed values, corrections, flags and the
    line's verdict (row_status, rejection_rule). Rules and their precedence are documented in
    _staging__models.yml.
-#}
{%- set fields = ['order_id', 'order_line', 'order_date', 'customer_id', 'bike_id', 'quantity'] -%}
{%- set start_date = var('business_start_date') -%}

with

source as (
    select * from {{ source('raw', 'orders') }}
),

renamed as (
    select
        {{ lineage_columns(7) }},
        {{ clean_text('row_index') }} as row_index_text,
        {{ clean_text('order_id') }} as order_id_text,
        {{ clean_text('order_line') }} as order_line_text,
        {{ clean_text('order_date') }} as order_date_text,
        {{ clean_text('customer_id') }} as customer_id_text,
        {{ clean_text('product_id') }} as bike_id_text,
        {{ clean_text('quantity') }} as quantity_text
    from source
),

typed as (
    select
        *,
        {{ parse_integer('row_index_text') }} as row_index,
        {{ parse_integer('order_id_text') }} as order_id,
        {{ parse_integer('order_line_text', 'int') }} as order_line,
        {{ parse_integer('customer_id_text') }} as customer_id,
        {{ parse_integer('bike_id_text') }} as bike_id,
        {{ parse_integer('quantity_text', 'int') }} as quantity,
        {{ parse_date('order_date_text') }} as order_date,
        {{ is_iso_date('order_date_text') }} as is_order_date_iso
    from renamed
),

ranged as (
    select
        *,
        quantity between {{ var('min_quantity') }} and {{ var('max_quantity') }}
            as is_quantity_in_range,
        order_date between date'{{ start_date }}' and {{ as_of() }} as is_order_date_in_range
    from typed
),

keyed as (
    select
        *,
        {{ first_failing_rule([
            malformed_line_rule(7),
            missing_value_rule('missing_key', {'order_id': 'order.id', 'order_line': 'order.line'}),
            invalid_value_rule('invalid_number', 'order_id', 'order.id', 'a whole number'),
            invalid_value_rule('invalid_number', 'order_line', 'order.line', 'a whole number'),
        ], 'key') }}
    from ranged
),

deduplicated as (
    select
        *,
        {{ dedup_outcome(
            ['order_id', 'order_line'],
            ['order_date_text', 'customer_id_text', 'bike_id_text', 'quantity_text'],
            'key_rule is null',
        ) }} as dedup_outcome
    from keyed
),

validated as (
    select
        *,
        {{ first_failing_rule([
            missing_value_rule('missing_required', {
                'order_date': 'order.date', 'customer_id': 'customer.id',
                'bike_id': 'product.id', 'quantity': 'quantity',
            }),
            invalid_value_rule('invalid_number', 'customer_id', 'customer.id', 'a whole number'),
            invalid_value_rule('invalid_number', 'bike_id', 'product.id', 'a whole number'),
            invalid_value_rule('invalid_number', 'quantity', 'quantity', 'a whole number'),
            invalid_value_rule(
                'invalid_date', 'order_date', 'order.date', 'a date (M/D/YYYY or YYYY-MM-DD)'
            ),
            out_of_range_rule(
                'quantity_out_of_range', 'quantity', 'quantity', 'is_quantity_in_range',
                var('min_quantity') ~ '..' ~ var('max_quantity'),
            ),
            out_of_range_rule(
                'order_date_out_of_range', 'order_date', 'order.date', 'is_order_date_in_range',
                start_date ~ '..' ~ as_of(as_literal=false) ~ ' (as_of)',
            ),
        ], 'value') }}
    from deduplicated
),

final as (
    select
        line_number,
        row_index,
        order_id,
        order_line,
        customer_id,
        bike_id,
        raw_line,
        {{ staging_outcome(
            'key_rule', 'key_reason', 'dedup_outcome', 'value_rule', 'value_reason'
        ) }},
        dedup_outcome,
        field_count,
        quantity,
        is_malformed_line,
        is_order_date_iso,
        is_quantity_in_range,
        is_order_date_in_range,
        order_date,
        {{ field_map(fields) }} as source_fields
    from validated
)

select * from final
