{#
    Values of column_name must lie between min_value and max_value (inclusive unless
    inclusive=false); null values pass (test them with not_null / not_null_proportion).
    Fails with the out-of-range rows, once their share exceeds max_failing_pct (default 0).
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true,
    max_failing_pct=0) %}
    {{ failing_rows(model, accepted_range_failure(column_name, min_value, max_value, inclusive),
        max_failing_pct) }}
{% endtest %}
