{#
    A date from text in the export's M/D/YYYY (1/7/2011, zero padding allowed) or ISO
    YYYY-MM-DD; null for anything else, including impossible dates (2/30/2012, 2013-13-45).
    The shape is checked by regex first so that the pattern parser never sees other forms;
    try_to_date returns null on impossible dates whether or not ANSI mode is on.
#}
{% macro parse_date(expression) -%}
    case
        when {{ expression }} rlike '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'
            then try_to_date({{ expression }}, 'M/d/yyyy')
        when {{ is_iso_date(expression) }}
            then try_to_date({{ expression }}, 'yyyy-MM-dd')
    end
{%- endmacro %}
