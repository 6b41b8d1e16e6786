{#
    Delete from an incremental table the rows whose key is no longer in the source of this
    build, e.g. the order lines a later export no longer holds. Run after the upsert, when
    every key of the source is in the target: with the source's keys unique (a unique test
    guards them), the target's extra rows are then exactly the missing ones, so two counts
    (from the Delta log's statistics, no scan) say whether there is anything to delete (fewer
    rows than the source breaks that premise: the build stops rather than guess). When
    nothing is missing (the usual later export, which only adds) no statement runs and Delta
    commits nothing: a MERGE rewrites every file it scans, even when it deletes no row.
    Otherwise one Delta MERGE whose only clause is WHEN NOT MATCHED BY SOURCE THEN DELETE
    (operationMetrics.numTargetRowsDeleted counts them).
    target and source are relations, unique_key the list of key columns. fct_order_lines runs
    it as a post-hook unless var('keep_missing_order_lines') is true.
#}
{% macro delete_missing_rows(target, source, unique_key) -%}
    {%- set keys = [] -%}
    {%- for key in unique_key -%}
        {%- do keys.append(adapter.quote(key)) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- set extra = run_query(
            'select (select count(*) from ' ~ target ~ ') - (select count(*) from ' ~ source ~ ')'
        ).columns[0].values()[0] -%}
        {%- if extra < 0 -%}
            {#- the counts' premise broken: never guess what to delete -#}
            {%- do exceptions.raise_compiler_error(
                target ~ ' holds ' ~ (-extra) ~ ' rows fewer than ' ~ source ~ ' after its merge: '
                ~ 'the source has duplicate keys; see its unique test, then run with --full-refresh'
            ) -%}
        {%- endif -%}
        {%- do log(
            target ~ ': ' ~ extra ~ ' rows whose key ' ~ source ~ ' no longer holds', info=true
        ) -%}
    {%- endif -%}
    {%- if execute and extra > 0 -%}
        merge into {{ target }} as target_rows
        using (select distinct {{ keys | join(', ') }} from {{ source }}) as source_keys
        on
        {%- for key in keys %}
            {{ 'and ' if not loop.first }}target_rows.{{ key }} = source_keys.{{ key }}
        {%- endfor %}
        when not matched by source then delete
    {%- endif -%}
{%- endmacro %}
