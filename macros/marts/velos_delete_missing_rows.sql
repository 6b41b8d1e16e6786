{#
    Delete from an incremental table the rows whose key is no longer in the source of this
    build, e.g. the order lines a later export no longer holds: one Delta MERGE whose only
    clause is WHEN NOT MATCHED BY SOURCE THEN DELETE (operationMetrics.numTargetRowsDeleted
    counts them). target and source are relations, unique_key the list of key columns.
    fct_order_lines runs it as a post-hook unless var('keep_missing_order_lines') is true.
#}
{% macro velos_delete_missing_rows(target, source, unique_key) -%}
    {%- set keys = [] -%}
    {%- for key in unique_key -%}
        {%- do keys.append(adapter.quote(key)) -%}
    {%- endfor -%}
    merge into {{ target }} as target_rows
    using (select distinct {{ keys | join(', ') }} from {{ source }}) as source_keys
    on
    {%- for key in keys %}
        {{ 'and ' if not loop.first }}target_rows.{{ key }} = source_keys.{{ key }}
    {%- endfor %}
    when not matched by source then delete
{%- endmacro %}
