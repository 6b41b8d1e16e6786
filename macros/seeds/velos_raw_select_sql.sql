{#
    The raw table's rows: every data line of the file at `path`, numbered, kept as it is, and
    its fields parsed as text by Spark's CSV parser. Empty fields become null. A line with too
    many or too few fields is kept too (its _field_count tells staging to quarantine it):
    nothing is dropped at this layer.
#}
{% macro velos_raw_select_sql(path, columns, lines_before) -%}
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
            from_csv(_raw_line, '{{ schema_ddl | join(", ") }}', map('mode', 'PERMISSIVE')) as parsed
        from (
            select
                {{ velos_line_number_sql(lines_before) }} as _line_number,
                value as _raw_line
            from text.`{{ path }}`
        )
        where _line_number > 1
    )
{%- endmacro %}
