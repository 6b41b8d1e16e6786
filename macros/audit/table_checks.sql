{#
    The table-level scorecard checks (column '*'): the share of records not rejected for a rule
    of each dimension (missing -> completeness, unparseable or malformed -> validity, out of
    range or flagged outlier -> accuracy, orphan -> consistency).
#}
{% macro table_checks(outlier='false') -%}
    {%- set records = scorecard_records() -%}
    {{ return([
        scorecard_check('*', 'completeness', records,
            "coalesce(rule not in ('missing_key', 'missing_required'), true)"),
        scorecard_check('*', 'validity', records,
            "coalesce(rule not in ('malformed_line', 'invalid_number', 'invalid_date'), true)"),
        scorecard_check('*', 'accuracy', records,
            "coalesce(rule not like '%_out_of_range', true) and not coalesce(" ~ outlier ~ ", false)"),
        scorecard_check('*', 'consistency', records, "coalesce(rule not like 'unknown_%', true)"),
    ]) }}
{%- endmacro %}
