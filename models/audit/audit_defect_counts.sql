{#-
    How many lines of each kind of defect the cleaning met, per file and outcome: one row per
    kind that occurred. Kinds and outcomes are those of the defect catalogue (README), so a
    run on `velos generate --dirty` output can be compared with its manifest.json:
      quarantined        a rejected line, kind = its rule (audit_rejected_rows)
      removed_duplicate  kind exact_duplicate; resolved_conflict: kind key_conflict
      corrected          a clean line with a value corrected with certainty
      flagged            a clean line with a value nulled or set to 'Unknown', and a flag
    A line counts once for the outcome that removed or rejected it; a clean line counts once
    per kind of correction or flag it carries. Corrections on lines that were later removed
    or rejected are not counted: they did not reach a clean table.
-#}

with

rejected as (
    select * from {{ ref('audit_rejected_rows') }}
),

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

quarantined as (
    select
        source_file as file,
        rule as kind,
        'quarantined' as outcome,
        count(*) as count
    from rejected
    group by source_file, rule
),

bikes_defects as (
    {{ defect_kind_counts('bikes', 'bikes.csv', [
        ('whitespace_or_case', 'corrected', 'is_text_corrected'),
        ('missing_descriptive', 'flagged', 'is_category2_missing or is_frame_missing'),
    ]) }}
),

bikeshops_defects as (
    {{ defect_kind_counts('bikeshops', 'bikeshops.csv', [
        ('whitespace_or_case', 'corrected', 'is_text_corrected'),
        ('coordinates_out_of_range', 'flagged', 'is_coordinates_outlier'),
        ('missing_descriptive', 'flagged', 'is_descriptive_missing or is_coordinates_missing'),
    ]) }}
),

customers_defects as (
    {{ defect_kind_counts('customers', 'customers.csv', [
        ('whitespace_or_case', 'corrected', 'is_text_corrected'),
        ('gender_variant', 'corrected', 'is_gender_corrected'),
        ('iso_date', 'corrected', 'is_date_iso'),
        ('gender_missing', 'flagged', 'is_gender_missing'),
        ('gender_unrecognised', 'flagged', 'is_gender_unrecognised'),
        ('missing_descriptive', 'flagged', 'is_descriptive_missing'),
        ('birth_date_out_of_range', 'flagged', 'is_birth_date_outlier'),
        ('invalid_date', 'flagged', 'is_birth_date_invalid or is_signup_date_invalid'),
    ]) }}
),

order_lines_defects as (
    {{ defect_kind_counts('order_lines', 'orders.csv', [
        ('iso_date', 'corrected', 'is_order_date_iso'),
    ]) }}
),

all_defects as (
    select * from quarantined
    union all
    select * from bikes_defects
    union all
    select * from bikeshops_defects
    union all
    select * from customers_defects
    union all
    select * from order_lines_defects
),

final as (
    select
        file,
        kind,
        outcome,
        count
    from all_defects
    where count > 0
)

select * from final
