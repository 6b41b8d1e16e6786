{#
    True when a non-blank gender value is one of gender_spellings() (so U from a value outside
    the list can be counted); null for a blank value.
#}
{% macro is_gender_recognised(expression) -%}
    {%- set spellings = [] -%}
    {%- for values in gender_spellings().values() -%}
        {%- do spellings.extend(values) -%}
    {%- endfor -%}
    case
        when {{ clean_text(expression) }} is not null
            then lower(trim({{ expression }})) in ('{{ spellings | join("', '") }}')
    end
{%- endmacro %}
