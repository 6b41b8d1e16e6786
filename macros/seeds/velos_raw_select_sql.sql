{#
    The raw table's rows: every data line, its fields parsed as text by Spark's CSV parser.
    Empty fields become null. A line with too many or too few fields is kept as it is (its
    _field_count tells staging to quarantine it): nothing is dropped at this layer.
#}
{% macro velos_raw_select_sql(view_name, columns) -%}
    {%- set schema_ddl = [] -%}
    {%- for column in columns -%}
        {%- do schema_ddl.append('`' ~ column ~ '` string') -%}
    {%- endfor -%}
    select
        _line_number,
        _raw_line,
        {#- a comma separates fields only when an even number of quotes follows it; lines
            without quotes (nearly all) take the cheap split #}
        case
            when instr(_raw_line, '"') = 0 then size(split(_raw_line, ',', -1))
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
        from {{ view_name }}
        where _line_number > 1
    )
{%- endmacro %}
