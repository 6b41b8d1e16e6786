{#
    1-based position of a row in its group under a total order: row_number(), so every row
    of a group gets a distinct rank. order_by must end with enough tie-breakers to make the
    order total (e.g. ['units desc', 'revenue desc', 'model asc']), otherwise the result
    would depend on Spark's partitioning.
#}
{% macro velos_rank_in_group(partition_by, order_by) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by {{ order_by | join(', ') }}
    )
{%- endmacro %}
