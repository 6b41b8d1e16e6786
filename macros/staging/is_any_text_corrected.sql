{#
    True when cleaning changed a present value of any of the given raw columns (stray spaces
    trimmed, or a code's case fixed): counted as a certain correction (whitespace_or_case).
    columns: {raw column: 'text' (clean_text) | 'initcap' | 'upper' (clean_code)}.
#}
{% macro is_any_text_corrected(columns) -%}
    {%- set changed = [] -%}
    {%- for column, kind in columns.items() -%}
        {%- set cleaned = clean_text(column) if kind == 'text' else clean_code(column, kind) -%}
        {%- do changed.append('coalesce(' ~ column ~ ' <> ' ~ cleaned ~ ', false)') -%}
    {%- endfor -%}
    ({{ changed | join('\n        or ') }})
{%- endmacro %}
