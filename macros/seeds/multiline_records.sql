{#
    Records whose quoted field holds a line break ("Trek\nMadone",...): such a record spans
    physical lines N..M, and both N and M have an odd number of double quotes. Only run when
    the profile found such lines (rare), so the fast path of a normal file is untouched.

    Consecutive odd lines N < M (at most max_span lines apart) are joined with the line breaks
    they had; when the joined text has exactly expected_fields fields (counted outside quotes),
    it is one record, numbered N, and lines N+1..M are its continuation. An odd line that does
    not pair up this way is a stray quote: it stays a line of its own, which staging
    quarantines as malformed_line.

    Returns {records: {N: joined text}, continuations: [N+1, ..., M, ...]}.
#}
{% macro multiline_records(path, lines_before, expected_fields, max_span=50) -%}
    {%- set numbered = "(select " ~ line_number_sql(lines_before) ~ " as line_number, value,"
        ~ " (length(value) - length(replace(value, char(34), ''))) % 2 = 1 as is_odd"
        ~ " from text.`" ~ path_identifier(path) ~ "`)" -%}
    {%- set odd_lines = run_query("select line_number from " ~ numbered
        ~ " where is_odd order by line_number").columns[0].values() | list -%}
    {%- set ranges = [] -%}
    {%- for index in range(odd_lines | length - 1)
          if odd_lines[index + 1] - odd_lines[index] <= max_span -%}
        {%- do ranges.append(
            'line_number between ' ~ odd_lines[index] ~ ' and ' ~ odd_lines[index + 1]) -%}
    {%- endfor -%}
    {%- set result = {'records': {}, 'continuations': []} -%}
    {%- if not ranges -%}{{ return(result) }}{%- endif -%}
    {%- set text = {} -%}
    {%- for row in run_query("select line_number, value from " ~ numbered
          ~ " where " ~ ranges | join(' or ')).rows -%}
        {%- do text.update({row[0] | int: row[1]}) -%}
    {%- endfor -%}
    {%- set walk = namespace(index=0) -%}
    {%- for _ in odd_lines if walk.index < odd_lines | length - 1 -%}
        {%- set first = odd_lines[walk.index] | int -%}
        {%- set last = odd_lines[walk.index + 1] | int -%}
        {%- set joined = [] -%}
        {%- for number in range(first, last + 1) if number in text -%}
            {%- do joined.append(text[number]) -%}
        {%- endfor -%}
        {%- set record = joined | join('\n') -%}
        {%- set fields = modules.re.split(',(?=(?:[^"]*"[^"]*")*[^"]*$)', record) | length -%}
        {%- if last - first <= max_span and joined | length == last - first + 1
              and fields == expected_fields -%}
            {%- do result.records.update({first: record}) -%}
            {%- do result.continuations.extend(range(first + 1, last + 1)) -%}
            {%- set walk.index = walk.index + 2 -%}
        {%- else -%}
            {%- set walk.index = walk.index + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}
