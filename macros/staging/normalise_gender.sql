{#
    Gender as F, M or U (unknown) from the spellings in gender_spellings(), ignoring case and
    surrounding spaces. Blank and unrecognised values give U.
#}
{% macro normalise_gender(expression) -%}
    case
        {%- for code, spellings in gender_spellings().items() if code != 'U' %}
        when lower(trim({{ expression }})) in ('{{ spellings | join("', '") }}') then '{{ code }}'
        {%- endfor %}
        else 'U'
    end
{%- endmacro %}
