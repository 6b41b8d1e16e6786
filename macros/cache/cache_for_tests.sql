{#
    Spark's cache for the data tests of one dbt command (hooked in dbt_project.yml).

    A data test is one small query, and on Delta most of its time is planning, not data: the
    scan of a Delta table is planned by a Spark job that lists the table's files from its
    snapshot. cache_for_tests, the post-hook of every table model, marks the table just
    built as cached (LAZY: building the model costs nothing more; the first reader fills the
    cache); the tests and models that read it next read memory, without that planning job.
    Spark drops a table's cached data whenever the table is replaced or dropped in this
    session, so a rebuilt model is never read stale. clear_cache (on-run-end) empties the
    cache when the command ends: nothing outlives the command that built it, so a table that
    another Spark (a Thrift server) rewrites later is never read from a stale cache.

    Tables larger than VELOS_CACHE_MAX_MB (64 MB of Delta files by default) are not cached:
    at 10,000,000 order lines the line-level tables' tests read their Parquet columns faster
    than the first of them fills the cache (BENCHMARKS.md, "Scale").

    Only on the embedded session (the `local` target of profiles.yml: dbt-spark's session
    method; a Thrift server shares its cache between all its clients); off with
    `--vars '{velos_cache_tables: false}'` or VELOS_CACHE_TABLES=0.
#}
{% macro cache_for_tests(relation) -%}
    {%- if execute and cache_enabled() and config.get('materialized') == 'table' -%}
        {#- A large table is left to Delta: filling the cache costs a pass over every column
            (raw lines, maps), where a test reads one or two columns of the Parquet files, and
            the planning the cache saves is the same for any size. Delta's own file statistics
            give the size: no scan. -#}
        {%- set default_mb = env_var('VELOS_CACHE_MAX_MB', '64') -%}
        {%- set limit_mb = var('velos_cache_max_mb', default_mb) | float -%}
        {%- set detail = run_query('describe detail ' ~ relation) -%}
        {%- set size = detail.columns['sizeInBytes'].values()[0] -%}
        {%- if size is not none and size <= limit_mb * 1024 * 1024 -%}
            cache lazy table {{ relation }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
