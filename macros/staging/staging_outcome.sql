{#
    The staging verdict of a line, from the key rules (before deduplication), the duplicate
    rule and the value rules (checked on the kept version only). Every line gets exactly one
    row_status, so the audit can reconcile:
      rejected   failed a key rule, or is the kept version of its key and failed a value rule
      duplicate  exact copy of an earlier line (removed)
      conflict   losing version of a key (resolved: last in file order wins)
      valid      passed every line rule (cross-table rules come in models/intermediate)
    Arguments: the columns (or expressions) holding the first failing key rule and its reason,
    the dedup outcome (dedup_outcome()), and the first failing value rule and its reason.
#}
{% macro staging_outcome(key_rule, key_reason, dedup_outcome, value_rule, value_reason) -%}
    coalesce(
        {{ key_rule }}, case when {{ dedup_outcome }} = 'kept' then {{ value_rule }} end
    ) as rejection_rule,
    coalesce(
        {{ key_reason }}, case when {{ dedup_outcome }} = 'kept' then {{ value_reason }} end
    ) as rejection_reason,
    case
        when {{ key_rule }} is not null then 'rejected'
        when {{ dedup_outcome }} = 'exact_duplicate' then 'duplicate'
        when {{ dedup_outcome }} = 'key_conflict' then 'conflict'
        when {{ value_rule }} is not null then 'rejected'
        else 'valid'
    end as row_status
{%- endmacro %}
