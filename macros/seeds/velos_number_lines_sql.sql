{#
    A temporary view of a text file, one row per physical line, numbered in file order.

    monotonically_increasing_id() is (partition index << 33) + row number within the partition,
    and the partitions of one file follow its byte order. So a line's number is its row number
    in its partition plus the lines of the partitions before it: no global sort, and the file
    is still read in parallel. Not cached: re-reading the text is cheaper than caching a
    million lines. Run velos_drop_lines_view() before (a failed seed may have left one behind
    in a long-lived session) and after.
#}
{% macro velos_number_lines_sql(view_name, path) -%}
    create or replace temporary view {{ view_name }} as
    with lines as (
        select
            value,
            spark_partition_id() as partition_index,
            monotonically_increasing_id() as row_id
        from text.`{{ path }}`
    ),

    partition_offsets as (
        select
            partition_index,
            sum(count(*)) over (order by partition_index) - count(*) as lines_before
        from lines
        group by partition_index
    )

    select
        cast(
            lines.row_id - shiftleft(cast(lines.partition_index as bigint), 33)
            + partition_offsets.lines_before + 1
            as int
        ) as _line_number,
        lines.value as _raw_line
    from lines
    inner join partition_offsets on lines.partition_index = partition_offsets.partition_index
{%- endmacro %}


{% macro velos_drop_lines_view(view_name) -%}
    {% do adapter.execute("drop view if exists " ~ view_name) %}
{%- endmacro %}
