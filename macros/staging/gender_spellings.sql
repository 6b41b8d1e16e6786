{#
    The spellings of gender that staging understands, lower case, by normalised code. 'h' is
    French "homme". Anything else (non-blank) becomes U and is counted as unrecognised.
#}
{% macro gender_spellings() -%}
    {{ return({
        'F': ['f', 'female', 'femme'],
        'M': ['m', 'male', 'homme', 'h'],
        'U': ['u', 'unknown'],
    }) }}
{%- endmacro %}
