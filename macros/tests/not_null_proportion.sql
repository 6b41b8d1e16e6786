{#
    At least the proportion at_least (0..1) of column_name must be non-null. Fails with the
    null rows once the non-null share drops below at_least; at_least=1 is the plain not_null.
#}
{% test not_null_proportion(model, column_name, at_least) %}
    {%- set proportion = at_least | float -%}
    {%- if proportion < 0 or proportion > 1 -%}
        {{ exceptions.raise_compiler_error(
            "not_null_proportion on " ~ column_name ~ ": at_least must be between 0 and 1, got "
            ~ at_least) }}
    {%- endif -%}
    {{ failing_rows(model, column_name ~ ' is null', (1 - proportion) * 100) }}
{% endtest %}
