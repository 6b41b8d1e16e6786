{#
    A decimal number from text, or null unless the text is a plain number: optional minus,
    digits, optionally a dot and digits ("12.5"; not "12,5", "1e3" or "$12").
#}
{% macro parse_decimal(expression, data_type='decimal(12,2)') -%}
    case
        when {{ expression }} rlike '^-?[0-9]+([.][0-9]+)?$'
            then try_cast({{ expression }} as {{ data_type }})
    end
{%- endmacro %}
