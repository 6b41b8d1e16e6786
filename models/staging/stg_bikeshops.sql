{#-
    One row per line of bikeshops.csv, nothing filtered: typed values, corrections, flags and
    the line's verdict (row_status, rejection_rule). Rules and their precedence are documented
    in _staging__models.yml.
-#}
{%- set fields = ['bikeshop_id', 'bikeshop_name', 'city', 'state', 'latitude', 'longitude'] -%}
{%- set box = var('us_bounding_box') -%}

with

source as (
    select * from {{ source('raw', 'bikeshops') }}
),

renamed as (
    select
        {{ lineage_columns(6) }},
        {{ clean_text('bikeshop_id') }} as bikeshop_id_text,
        {{ clean_text('bikeshop_name') }} as bikeshop_name_text,
        {{ clean_text('bikeshop_city') }} as city_text,
        {{ clean_text('bikeshop_state') }} as state_text,
        {{ clean_text('latitude') }} as latitude_text,
        {{ clean_text('longitude') }} as longitude_text,
        {{ clean_code('bikeshop_state', 'upper') }} as state_code,
        {{ is_any_text_corrected({
            'bikeshop_name': 'text', 'bikeshop_city': 'text', 'bikeshop_state': 'upper',
        }) }} as is_text_corrected
    from source
),

typed as (
    select
        *,
        {{ parse_integer('bikeshop_id_text') }} as bikeshop_id,
        {{ parse_decimal('latitude_text', 'double') }} as parsed_latitude,
        {{ parse_decimal('longitude_text', 'double') }} as parsed_longitude
    from renamed
),

ranged as (
    select
        *,
        coalesce(
            parsed_latitude between {{ box.min_latitude }} and {{ box.max_latitude }}
            and parsed_longitude between {{ box.min_longitude }} and {{ box.max_longitude }},
            false
        ) as is_coordinates_in_box,
        {#- coordinates given but unusable (unparseable, half missing or outside the box) #}
        (latitude_text is not null or longitude_text is not null) as has_coordinates
    from typed
),

keyed as (
    select
        *,
        {{ first_failing_rule([
            malformed_line_rule(6),
            missing_value_rule('missing_key', {'bikeshop_id': 'bikeshop.id'}),
            invalid_value_rule('invalid_number', 'bikeshop_id', 'bikeshop.id', 'a whole number'),
        ], 'key') }}
    from ranged
),

deduplicated as (
    select
        *,
        {{ dedup_outcome(
            ['bikeshop_id'],
            ['bikeshop_name_text', 'city_text', 'state_text', 'latitude_text', 'longitude_text'],
            'key_rule is null',
        ) }} as dedup_outcome
    from keyed
),

validated as (
    select
        *,
        {{ first_failing_rule([
            missing_value_rule('missing_required', {'city': 'bikeshop.city'}),
            text_too_long_rule({
                'bikeshop_name': 'bikeshop.name', 'city': 'bikeshop.city',
                'state': 'bikeshop.state',
            }),
        ], 'value') }}
    from deduplicated
),

final as (
    select
        line_number,
        bikeshop_id,
        raw_line,
        coalesce(bikeshop_name_text, 'Unknown') as bikeshop_name,
        city_text as city,
        coalesce(state_code, 'Unknown') as state,
        {{ staging_outcome(
            'key_rule', 'key_reason', 'dedup_outcome', 'value_rule', 'value_reason'
        ) }},
        dedup_outcome,
        field_count,
        case when is_coordinates_in_box then parsed_latitude end as latitude,
        case when is_coordinates_in_box then parsed_longitude end as longitude,
        is_malformed_line,
        is_text_corrected,
        has_coordinates and not is_coordinates_in_box as is_coordinates_outlier,
        not has_coordinates as is_coordinates_missing,
        bikeshop_name_text is null or state_text is null as is_descriptive_missing,
        {{ field_map(fields) }} as source_fields
    from validated
)

select * from final
