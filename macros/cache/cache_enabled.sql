{#
    Whether this dbt command caches its tables for the tests (cache_for_tests): on the
    embedded session only, unless VELOS_CACHE_TABLES=0 or the var velos_cache_tables is false.
#}
{% macro cache_enabled() -%}
    {#- velos sets VELOS_CACHE_TABLES for its dbt commands; a var, when given, wins -#}
    {%- set default = env_var('VELOS_CACHE_TABLES', '1') -%}
    {%- set value = var('velos_cache_tables', default) | string | lower -%}
    {{ return(value not in ('0', 'false') and target.name == 'local') }}
{%- endmacro %}
