{#
    The on-run-end hook: empty Spark's cache when the dbt command ends, so that nothing a
    command cached outlives it (velos_cache_for_tests says why).
#}
{% macro velos_clear_cache() -%}
    {%- if velos_caching() -%}
        clear cache
    {%- endif -%}
{%- endmacro %}
