{#
    Use the configured schema name as-is (raw, staging, audit, marts) instead of dbt's
    default "<target schema>_<custom schema>", so that readers (PowerBI, the loader) find
    the tables under stable names on every target.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
