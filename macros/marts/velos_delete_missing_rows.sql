{#
    Delete from an incremental table the rows whose key is no longer in the source of this
    build, e.g. the order lines a later export no longer holds. An anti-join of the key
    columns counts them first: when none is missing (the usual later export, which only
    adds), nothing runs, and Delta commits nothing. Otherwise one Delta MERGE whose only
    clause is WHEN NOT MATCHED BY SOURCE THEN DELETE (operationMetrics.numTargetRowsDeleted
    counts them): a MERGE rewrites every file it scans, even when it deletes no row, which is
    why it runs only when there is something to delete.
    target and source are relations, unique_key the list of key columns. fct_order_lines runs
    it as a post-hook unless var('keep_missing_order_lines') is true.
#}
{% macro velos_delete_missing_rows(target, source, unique_key) -%}
    {%- set keys = [] -%}
    {%- for key in unique_key -%}
        {%- do keys.append(adapter.quote(key)) -%}
    {%- endfor -%}
    {%- set source_keys -%}
        (select distinct {{ keys | join(', ') }} from {{ source }}) as source_keys
    {%- endset -%}
    {%- set matches -%}
        {%- for key in keys %}
            {{ 'and ' if not loop.first }}target_rows.{{ key }} = source_keys.{{ key }}
        {%- endfor %}
    {%- endset -%}
    {%- if execute -%}
        {%- set missing = run_query(
            'select count(*) from ' ~ target ~ ' as target_rows left anti join '
            ~ source_keys ~ ' on ' ~ matches
        ).columns[0].values()[0] -%}
        {%- do log(target ~ ': ' ~ missing ~ ' rows whose key the source no longer holds', info=true) -%}
    {%- endif -%}
    {%- if execute and missing > 0 -%}
        merge into {{ target }} as target_rows
        using {{ source_keys }}
        on {{ matches }}
        when not matched by source then delete
    {%- endif -%}
{%- endmacro %}
