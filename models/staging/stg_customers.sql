{#-
    One row per line of customers.csv, nothing filtered: typed values, corrections, flags and
    the line's verdict (row_status, rejection_rule). Rules and their precedence are documented
    in _staging__models.yml.
-#}
{%- set fields = [
    'customer_id', 'first_name', 'last_name', 'gender', 'birth_date', 'city', 'state',
    'signup_date', 'bikeshop_id',
] -%}

with

source as (
    select * from {{ source('raw', 'customers') }}
),

renamed as (
    select
        {{ lineage_columns(9) }},
        {{ clean_text('customer_id') }} as customer_id_text,
        {{ clean_text('first_name') }} as first_name_text,
        {{ clean_text('last_name') }} as last_name_text,
        {{ clean_text('gender') }} as gender_text,
        {{ clean_text('birth_date') }} as birth_date_text,
        {{ clean_text('city') }} as city_text,
        {{ clean_text('state') }} as state_text,
        {{ clean_text('signup_date') }} as signup_date_text,
        {{ clean_text('bikeshop_id') }} as bikeshop_id_text,
        {{ clean_code('state', 'upper') }} as state_code,
        {{ normalise_gender('gender') }} as gender_code,
        {{ is_gender_recognised('gender') }} as is_gender_recognised,
        {#- M/F written another recognised way (Homme, female, " M "...): corrected #}
        coalesce(
            {{ is_gender_recognised('gender') }}
            and {{ normalise_gender('gender') }} <> 'U'
            and gender <> {{ normalise_gender('gender') }},
            false
        ) as is_gender_corrected,
        {{ is_any_text_corrected({
            'first_name': 'text', 'last_name': 'text', 'city': 'text', 'state': 'upper',
        }) }} as is_text_corrected
    from source
),

typed as (
    select
        *,
        {{ parse_integer('customer_id_text') }} as customer_id,
        {{ parse_integer('bikeshop_id_text') }} as bikeshop_id,
        {{ parse_date('birth_date_text') }} as parsed_birth_date,
        {{ parse_date('signup_date_text') }} as signup_date
    from renamed
),

ranged as (
    select
        *,
        (
            {{ age_in_years('parsed_birth_date', as_of()) }}
            between {{ var('min_customer_age') }} and {{ var('max_customer_age') }}
        ) as is_age_in_range,
        {#- an ISO date that parsed: read with certainty, counted as corrected #}
        (
            ({{ is_iso_date('birth_date_text') }} and parsed_birth_date is not null)
            or ({{ is_iso_date('signup_date_text') }} and signup_date is not null)
        ) as is_date_iso
    from typed
),

keyed as (
    select
        *,
        {{ first_failing_rule([
            malformed_line_rule(9),
            missing_value_rule('missing_key', {'customer_id': 'customer.id'}),
            invalid_value_rule('invalid_number', 'customer_id', 'customer.id', 'a whole number'),
        ], 'key') }}
    from ranged
),

deduplicated as (
    select
        *,
        {{ dedup_outcome(
            ['customer_id'],
            [
                'first_name_text', 'last_name_text', 'gender_text', 'birth_date_text',
                'city_text', 'state_text', 'signup_date_text', 'bikeshop_id_text',
            ],
            'key_rule is null',
        ) }} as dedup_outcome
    from keyed
),

validated as (
    select
        *,
        {{ first_failing_rule([
            missing_value_rule('missing_required', {'bikeshop_id': 'bikeshop.id'}),
            invalid_value_rule('invalid_number', 'bikeshop_id', 'bikeshop.id', 'a whole number'),
            text_too_long_rule({
                'first_name': 'first.name', 'last_name': 'last.name', 'city': 'city',
                'state': 'state',
            }),
        ], 'value') }}
    from deduplicated
),

final as (
    select
        line_number,
        customer_id,
        bikeshop_id,
        raw_line,
        coalesce(first_name_text, 'Unknown') as first_name,
        coalesce(last_name_text, 'Unknown') as last_name,
        gender_code as gender,
        coalesce(city_text, 'Unknown') as city,
        coalesce(state_code, 'Unknown') as state,
        {{ staging_outcome(
            'key_rule', 'key_reason', 'dedup_outcome', 'value_rule', 'value_reason'
        ) }},
        dedup_outcome,
        field_count,
        is_malformed_line,
        is_text_corrected,
        is_gender_corrected,
        gender_code = 'U' and coalesce(is_gender_recognised, true) as is_gender_missing,
        coalesce(not is_gender_recognised, false) as is_gender_unrecognised,
        first_name_text is null or last_name_text is null or city_text is null
        or state_text is null as is_descriptive_missing,
        coalesce(not is_age_in_range, false) as is_birth_date_outlier,
        birth_date_text is not null and parsed_birth_date is null as is_birth_date_invalid,
        signup_date_text is not null and signup_date is null as is_signup_date_invalid,
        is_date_iso,
        case when is_age_in_range then parsed_birth_date end as birth_date,
        signup_date,
        {{ field_map(fields) }} as source_fields
    from validated
)

select * from final
