{#
    A whole number from text, or null when the text is not a plain integer (optional minus,
    digits only: no sign +, no spaces, no thousands separators, no exponent) or overflows
    the type. try_cast keeps the model correct whether or not spark.sql.ansi.enabled is set.
#}
{% macro parse_integer(expression, data_type='bigint') -%}
    case
        when {{ expression }} rlike '^-?[0-9]+$' then try_cast({{ expression }} as {{ data_type }})
    end
{%- endmacro %}
