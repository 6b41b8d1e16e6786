{#
    One cheap pass over a text file, before anything is written: its header line, its number
    of data lines, its lines that are not UTF-8 or hold NUL bytes, its lines with an odd number
    of double quotes (a quoted field that goes on over a line break), and how many lines each
    Spark partition holds.

    monotonically_increasing_id() is (partition index << 33) + row number within the partition,
    and the partitions of one file follow its byte order. So a line's number is its row number
    in its partition plus the lines of the partitions before it. This pass collects those
    per-partition counts; the write then numbers the lines with them as literals
    (line_number_sql): no global sort, no join, and the file is read in parallel.

    Blank lines after the last line with content (what editors and exports leave at the end)
    are not data: last_line is the last line with content, and data_lines counts up to it.

    Returns {header_line, data_lines, last_line, bad_lines, first_bad_line, nul_lines,
    first_nul_line, odd_quote_lines, lines_before}, where lines_before maps a partition index
    to the lines of the partitions before it.
#}
{% macro profile_file(path) -%}
    {%- set odd_quotes = "(length(value) - length(replace(value, char(34), ''))) % 2 = 1" -%}
    {%- set partitions = run_query(
        "select partition_index, count(*) as lines,"
        ~ " count_if(not is_valid_utf8(value)) as bad_lines,"
        ~ " min(case when not is_valid_utf8(value) then row_in_partition end)"
        ~ " as first_bad_row,"
        ~ " max(case when row_in_partition = 0 and partition_index = 0 then value end)"
        ~ " as first_line,"
        ~ " count_if(instr(value, char(0)) > 0) as nul_lines,"
        ~ " min(case when instr(value, char(0)) > 0 then row_in_partition end)"
        ~ " as first_nul_row,"
        ~ " max(case when trim(value) <> '' then row_in_partition end) as last_content_row,"
        ~ " count_if(" ~ odd_quotes ~ ") as odd_quote_lines"
        ~ " from (select value, spark_partition_id() as partition_index,"
        ~ " monotonically_increasing_id() - shiftleft(cast(spark_partition_id() as bigint), 33)"
        ~ " as row_in_partition from text.`" ~ path_identifier(path) ~ "`)"
        ~ " group by partition_index order by partition_index") -%}
    {%- set profile = {
        'header_line': none, 'data_lines': 0, 'last_line': 1, 'bad_lines': 0,
        'first_bad_line': none, 'nul_lines': 0, 'first_nul_line': none,
        'odd_quote_lines': 0, 'lines_before': {},
    } -%}
    {%- set seen = namespace(lines=0) -%}
    {%- for row in partitions.rows -%}
        {%- do profile.lines_before.update({row[0] | int: seen.lines}) -%}
        {%- if row[4] is not none -%}{%- do profile.update({'header_line': row[4]}) -%}{%- endif -%}
        {%- if row[3] is not none and profile.first_bad_line is none -%}
            {%- do profile.update({'first_bad_line': seen.lines + (row[3] | int) + 1}) -%}
        {%- endif -%}
        {%- if row[6] is not none and profile.first_nul_line is none -%}
            {%- do profile.update({'first_nul_line': seen.lines + (row[6] | int) + 1}) -%}
        {%- endif -%}
        {%- if row[7] is not none -%}
            {%- do profile.update({'last_line': seen.lines + (row[7] | int) + 1}) -%}
        {%- endif -%}
        {%- do profile.update({'bad_lines': profile.bad_lines + (row[2] | int),
                               'nul_lines': profile.nul_lines + (row[5] | int),
                               'odd_quote_lines': profile.odd_quote_lines + (row[8] | int)}) -%}
        {%- set seen.lines = seen.lines + (row[1] | int) -%}
    {%- endfor -%}
    {%- do profile.update({'data_lines': [profile.last_line - 1, 0] | max}) -%}
    {{ return(profile) }}
{%- endmacro %}
