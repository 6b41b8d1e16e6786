{#
    A cached view of a text file, one row per physical line, numbered in file order.
    monotonically_increasing_id() grows with the file offset across partitions, so ordering
    by it gives the file order; caching lets the header probe and the load share one read.
#}
{% macro velos_number_lines_sql(view_name, path) -%}
    cache table {{ view_name }} as
    select
        cast(row_number() over (order by monotonically_increasing_id()) as int) as _line_number,
        value as _raw_line
    from text.`{{ path }}`
{%- endmacro %}
