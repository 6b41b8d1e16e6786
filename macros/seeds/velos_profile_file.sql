{#
    One cheap pass over a text file, before anything is written: its header line, its number
    of data lines, its lines that are not UTF-8, and how many lines each Spark partition holds.

    monotonically_increasing_id() is (partition index << 33) + row number within the partition,
    and the partitions of one file follow its byte order. So a line's number is its row number
    in its partition plus the lines of the partitions before it. This pass collects those
    per-partition counts; the write then numbers the lines with them as literals
    (velos_line_number_sql): no global sort, no join, and the file is read in parallel.

    Returns {header_line, data_lines, bad_lines, first_bad_line, lines_before}, where
    lines_before maps a partition index to the lines of the partitions before it.
#}
{% macro velos_profile_file(path) -%}
    {%- set partitions = run_query(
        "select partition_index, count(*) as lines,"
        ~ " count_if(not is_valid_utf8(value)) as bad_lines,"
        ~ " min(case when not is_valid_utf8(value) then row_in_partition end) as first_bad_row,"
        ~ " max(case when row_in_partition = 0 and partition_index = 0 then value end) as first_line"
        ~ " from (select value, spark_partition_id() as partition_index,"
        ~ " monotonically_increasing_id() - shiftleft(cast(spark_partition_id() as bigint), 33)"
        ~ " as row_in_partition from text.`" ~ path ~ "`)"
        ~ " group by partition_index order by partition_index") -%}
    {%- set profile = {
        'header_line': none, 'data_lines': 0, 'bad_lines': 0, 'first_bad_line': none,
        'lines_before': {},
    } -%}
    {%- set seen = namespace(lines=0) -%}
    {%- for row in partitions.rows -%}
        {%- do profile.lines_before.update({row[0] | int: seen.lines}) -%}
        {%- if row[4] is not none -%}{%- do profile.update({'header_line': row[4]}) -%}{%- endif -%}
        {%- if row[3] is not none and profile.first_bad_line is none -%}
            {%- do profile.update({'first_bad_line': seen.lines + (row[3] | int) + 1}) -%}
        {%- endif -%}
        {%- do profile.update({'bad_lines': profile.bad_lines + (row[2] | int)}) -%}
        {%- set seen.lines = seen.lines + (row[1] | int) -%}
    {%- endfor -%}
    {%- do profile.update({'data_lines': [seen.lines - 1, 0] | max}) -%}
    {{ return(profile) }}
{%- endmacro %}
