{#
    The on-run-end hook: empty Spark's cache when the dbt command ends, so that nothing a
    command cached outlives it (cache_for_tests says why).
#}
{% macro clear_cache() -%}
    {%- if cache_enabled() -%}
        clear cache
    {%- endif -%}
{%- endmacro %}
