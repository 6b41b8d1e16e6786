{#
    A decimal number from text, or null unless the text is a plain number: optional minus,
    digits, optionally a dot and digits ("12.5"; not "12,5", "1e3" or "$12"). With a
    decimal(p,s) type, more than s decimals is not a number of that type either (null, so
    flagged invalid) rather than silently rounded: "1299.995" is not a price in cents.
#}
{% macro parse_decimal(expression, data_type='decimal(12,2)') -%}
    {%- set scale = modules.re.match('^decimal[(][0-9]+, *([0-9]+)[)]$', data_type) -%}
    {%- set decimals = '{1,' ~ scale.group(1) ~ '}' if scale else '+' -%}
    case
        when {{ expression }} rlike '^-?[0-9]+([.][0-9]{{ decimals }})?$'
            then try_cast({{ expression }} as {{ data_type }})
    end
{%- endmacro %}
