{#
    Meteorological season of the northern hemisphere from a month number (1-12): whole
    months, so the mapping is stable across years: Dec-Feb Winter, Mar-May Spring,
    Jun-Aug Summer, Sep-Nov Autumn.
#}
{% macro season(month_number) -%}
    case
        when {{ month_number }} in (12, 1, 2) then 'Winter'
        when {{ month_number }} in (3, 4, 5) then 'Spring'
        when {{ month_number }} in (6, 7, 8) then 'Summer'
        when {{ month_number }} in (9, 10, 11) then 'Autumn'
    end
{%- endmacro %}
