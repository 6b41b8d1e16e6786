{#
    One pass over `relation` that counts several conditions and returns them as rows
    (label columns..., count columns...). measures: a list of dicts {labels: [SQL literals],
    counts: [SQL boolean conditions]}, counted with count_if. Used by audit_defect_counts and
    audit_quality_scorecard so that each input is scanned once, whatever the number of checks.
#}
{% macro count_if_stacked(relation, measures, label_names, count_names) -%}
    {%- set stacked = [] -%}
    {%- set counted = [] -%}
    {%- for measure in measures -%}
        {%- do stacked.extend(measure.labels) -%}
        {%- for condition in measure.counts -%}
            {%- set name = 'count_' ~ (counted | length + 1) -%}
            {%- do counted.append('count_if(' ~ condition ~ ') as ' ~ name) -%}
            {%- do stacked.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    select
        stack(
            {{ measures | length }},
            {{ stacked | join(',\n            ') }}
        ) as ({{ (label_names + count_names) | join(', ') }})
    from (
        select
            {{ counted | join(',\n            ') }}
        from {{ relation }}
    ) as totals
{%- endmacro %}
