{#
    Share of a row's measure in its group, as a double in [0, 1]:
    measure / sum(measure) over the group. A group totalling 0 gives null rather than a
    division error (the marts only hold rows with sales, so it does not happen there).
#}
{% macro share_in_group(measure, partition_by) -%}
    cast({{ measure }} as double)
    / nullif(sum(cast({{ measure }} as double)) over (partition by {{ partition_by | join(', ') }}), 0)
{%- endmacro %}
