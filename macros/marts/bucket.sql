{#
    A `case` expression that puts a numeric expression into labelled bands.

    boundaries: ascending lower bounds of every band but the first, e.g. [25, 35] with
    labels ['Under 25', '25-34', '35+'] gives  x < 25 | 25 <= x < 35 | x >= 35.
    A null value gets null_label. Used for dim_customers.age_band and dim_bikes.price_tier,
    whose boundaries and labels are vars in dbt_project.yml.
#}
{% macro bucket(expression, boundaries, labels, null_label='Unknown') -%}
    {%- if labels | length != boundaries | length + 1 -%}
        {{ exceptions.raise_compiler_error(
            "bucket: " ~ (labels | length) ~ " labels for " ~ (boundaries | length)
            ~ " boundaries; give exactly one label more than boundaries (check the vars in"
            ~ " dbt_project.yml)") }}
    {%- endif -%}
    {%- for index in range(1, boundaries | length) -%}
        {%- if boundaries[index] <= boundaries[index - 1] -%}
            {{ exceptions.raise_compiler_error(
                "bucket: boundaries must be strictly ascending, got " ~ boundaries) }}
        {%- endif -%}
    {%- endfor -%}
    case
        when {{ expression }} is null then '{{ null_label }}'
        {%- for boundary in boundaries %}
        when {{ expression }} < {{ boundary }} then '{{ labels[loop.index0] }}'
        {%- endfor %}
        else '{{ labels[-1] }}'
    end
{%- endmacro %}
