{#
    The final verdict of a line once the cross-table rules (orphans) have run on the lines
    staging found valid. Arguments: the staging verdict (row_status, rejection_rule,
    rejection_reason of staging_outcome) and the first failing orphan rule and its reason
    (first_failing_rule(..., 'orphan')). Every line gets exactly one outcome:
      clean | duplicate | conflict | rejected
    with the rule and reason of a rejection (null otherwise).
#}
{% macro cross_table_outcome(
    row_status, rejection_rule, rejection_reason, orphan_rule, orphan_reason
) -%}
    case
        when {{ row_status }} = 'valid' and {{ orphan_rule }} is null then 'clean'
        when {{ row_status }} = 'valid' then 'rejected'
        else {{ row_status }}
    end as outcome,
    coalesce({{ rejection_rule }}, {{ orphan_rule }}) as rule,
    coalesce({{ rejection_reason }}, {{ orphan_reason }}) as reason
{%- endmacro %}
