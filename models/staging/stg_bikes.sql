{#-
    One row per line of bikes.csv, nothing filtered: typed values, corrections, flags and the
    line's verdict (row_status, rejection_rule). Rules and their precedence are documented in
    _staging__models.yml.
-#}
{%- set fields = ['bike_id', 'model', 'category1', 'category2', 'frame', 'price'] -%}
{%- set max_price = var('max_bike_price') -%}

with

source as (
    select * from {{ source('raw', 'bikes') }}
),

renamed as (
    select
        {{ lineage_columns(6) }},
        {{ clean_text('bike_id') }} as bike_id_text,
        {{ clean_text('model') }} as model_text,
        {{ clean_text('category1') }} as category1_text,
        {{ clean_text('category2') }} as category2_text,
        {{ clean_text('frame') }} as frame_text,
        {{ clean_text('price') }} as price_text,
        {{ clean_code('category1', 'initcap') }} as category1_code,
        {{ clean_code('category2', 'initcap') }} as category2_code,
        {{ clean_code('frame', 'initcap') }} as frame_code,
        {{ is_any_text_corrected({
            'model': 'text', 'category1': 'initcap', 'category2': 'initcap', 'frame': 'initcap',
        }) }} as is_text_corrected
    from source
),

typed as (
    select
        *,
        {{ parse_integer('bike_id_text') }} as bike_id,
        {{ parse_decimal('price_text', 'decimal(12,2)') }} as price
    from renamed
),

ranged as (
    select
        *,
        price > 0 and price < {{ max_price }} as is_price_in_range
    from typed
),

keyed as (
    select
        *,
        {{ first_failing_rule([
            malformed_line_rule(6),
            missing_value_rule('missing_key', {'bike_id': 'bike.id'}),
            invalid_value_rule('invalid_number', 'bike_id', 'bike.id', 'a whole number'),
        ], 'key') }}
    from ranged
),

deduplicated as (
    select
        *,
        {{ dedup_outcome(
            ['bike_id'],
            ['model_text', 'category1_text', 'category2_text', 'frame_text', 'price_text'],
            'key_rule is null',
        ) }} as dedup_outcome
    from keyed
),

validated as (
    select
        *,
        {{ first_failing_rule([
            missing_value_rule('missing_required', {
                'model': 'model', 'category1': 'category1', 'price': 'price',
            }),
            text_too_long_rule({
                'model': 'model', 'category1': 'category1', 'category2': 'category2',
                'frame': 'frame',
            }),
            invalid_value_rule(
                'invalid_number', 'price', 'price', 'a plain number with at most 2 decimals'
            ),
            out_of_range_rule(
                'price_out_of_range', 'price', 'price', 'is_price_in_range',
                '0..' ~ max_price ~ ' (both excluded)',
            ),
        ], 'value') }}
    from deduplicated
),

final as (
    select
        line_number,
        bike_id,
        raw_line,
        model_text as model,
        coalesce(category1_code, 'Unknown') as category1,
        coalesce(category2_code, 'Unknown') as category2,
        coalesce(frame_code, 'Unknown') as frame,
        {{ staging_outcome(
            'key_rule', 'key_reason', 'dedup_outcome', 'value_rule', 'value_reason'
        ) }},
        dedup_outcome,
        field_count,
        price,
        is_malformed_line,
        is_text_corrected,
        category2_text is null as is_category2_missing,
        frame_text is null as is_frame_missing,
        is_price_in_range,
        {{ field_map(fields) }} as source_fields
    from validated
)

select * from final
