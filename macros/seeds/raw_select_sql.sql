{#
    The raw table's rows: every data line of the file at `path`, numbered, kept as it is, and
    its fields parsed as text by Spark's CSV parser (RFC 4180 quoting: "" is a quote inside a
    quoted field, a backslash is an ordinary character). Empty fields become null. A line with
    too many or too few fields is kept too (its _field_count tells staging to quarantine it).
    Nothing is dropped at this layer but the blank lines after last_line (the last line with
    content); a record whose quoted field holds a line break (multiline, from
    multiline_records) is one row at its first line, its text joined with the breaks.
#}
{% macro raw_select_sql(path, columns, lines_before, last_line, multiline) -%}
    {%- set schema_ddl = [] -%}
    {%- for column in columns -%}
        {%- do schema_ddl.append('`' ~ column ~ '` string') -%}
    {%- endfor -%}
    select
        _line_number,
        _raw_line,
        {#- a comma separates fields only when an even number of quotes follows it; lines
            without quotes (nearly all) just count their commas #}
        case
            when instr(_raw_line, '"') = 0
                then length(_raw_line) - length(replace(_raw_line, ',', '')) + 1
            else size(split(_raw_line, ',(?=(?:[^"]*"[^"]*")*[^"]*$)', -1))
        end as _field_count,
        {%- for column in columns %}
        parsed.`{{ column }}`{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            _line_number,
            _raw_line,
            from_csv(
                _raw_line, '{{ schema_ddl | join(", ") }}',
                map('mode', 'PERMISSIVE', 'escape', '"')
            ) as parsed
        from (
            select
                {{ line_number_sql(lines_before) }} as _line_number,
                {%- if multiline.records %}
                case {{ line_number_sql(lines_before) }}
                    {%- for line, text in multiline.records.items() %}
                    when {{ line }} then '{{ text | replace("\\", "\\\\") | replace("'", "\\'")
                        | replace("\n", "\\n") | replace("\r", "\\r") }}'
                    {%- endfor %}
                    else value
                end as _raw_line
                {%- else %}
                value as _raw_line
                {%- endif %}
            from text.`{{ path_identifier(path) }}`
        )
        where
            _line_number between 2 and {{ last_line }}
            {%- if multiline.continuations %}
            and _line_number not in ({{ multiline.continuations | join(', ') }})
            {%- endif %}
    )
{%- endmacro %}
