{#
    The physical line number of each row of a text scan (the header is line 1), from the
    per-partition counts of profile_file. Valid only in a query that scans the same file
    with the same split settings, as the profile did.
#}
{% macro line_number_sql(lines_before) -%}
    cast(
        monotonically_increasing_id() - shiftleft(cast(spark_partition_id() as bigint), 33) + 1
        + case spark_partition_id()
        {%- for partition_index, before in lines_before.items() %}
            when {{ partition_index }} then {{ before }}
        {%- endfor %}
        end
        as int
    )
{%- endmacro %}
