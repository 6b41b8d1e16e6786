{#
    Raw column names from an export header: dots become underscores and the unnamed row-index
    column of orders.csv becomes row_index ("order.id" -> "order_id"). Mechanical and
    lossless; business renames happen in staging.
#}
{% macro raw_column_names(header) -%}
    {%- set names = [] -%}
    {%- for field in header.split(',') -%}
        {%- do names.append(field.strip().replace('.', '_') or 'row_index') -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
