{#
    The rejected lines of one file's *_validated model, in audit_rejected_rows' columns.
#}
{% macro audit_rejected_lines(relation, source_file) -%}
    select
        '{{ source_file }}' as source_file,
        line_number,
        raw_line,
        rule,
        reason
    from {{ relation }}
    where outcome = 'rejected'
{%- endmacro %}
