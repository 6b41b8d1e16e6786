{#
    A 64-bit hash of a row's values, for finding the rows that changed: xxhash64 of the
    columns plus which of them are null (xxhash64 skips nulls, so without the mask
    (1, null) and (null, 1) would hash alike). Two different rows of one key hash alike with
    a probability of 2^-64. columns: column names; relation: the alias that qualifies them.
#}
{% macro row_hash(columns, relation) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append(relation ~ '.' ~ adapter.quote(column)) -%}
    {%- endfor -%}
    xxhash64(
        {{ qualified | join(', ') }},
        array({% for column in qualified %}{{ column }} is null{{ ', ' if not loop.last }}{% endfor %})
    )
{%- endmacro %}
