{#
    One file's removed and kept defects, as (file, kind, outcome, count) rows, in one pass over
    its *_validated model: exact duplicates, resolved conflicts, and each correction or flag
    counted on the clean lines. kept_defects: a list of (kind, outcome, condition on a line).
    Rejected lines are counted from the quarantine (audit_defect_counts).
#}
{% macro defect_kind_counts(relation, source_file, kept_defects) -%}
    {%- set measures = [
        {'labels': ["'exact_duplicate'", "'removed_duplicate'"], 'counts': ["outcome = 'duplicate'"]},
        {'labels': ["'key_conflict'", "'resolved_conflict'"], 'counts': ["outcome = 'conflict'"]},
    ] -%}
    {%- for kind, outcome, condition in kept_defects -%}
        {%- if outcome not in ['corrected', 'flagged'] -%}
            {{ exceptions.raise_compiler_error(
                "defect_kind_counts: " ~ kind ~ " must be 'corrected' or 'flagged', got " ~ outcome) }}
        {%- endif -%}
        {%- do measures.append({
            'labels': ["'" ~ kind ~ "'", "'" ~ outcome ~ "'"],
            'counts': ["outcome = 'clean' and (" ~ condition ~ ")"],
        }) -%}
    {%- endfor -%}
    select
        '{{ source_file }}' as file,
        kind,
        outcome,
        count
    from (
        {{ count_if_stacked(relation, measures, ['kind', 'outcome'], ['count']) }}
    ) as counted
{%- endmacro %}
