{#
    Absolute path of a seed's CSV file. The data_dir var (set by `velos run --data DIR`
    through VELOS_DATA_DIR) points at a client's export folder holding the same four file
    names; without it the file in seeds/ is read.
#}
{% macro seed_path(seed_node) -%}
    {%- set file_name = seed_node.original_file_path.split('/')[-1] -%}
    {%- set data_dir = var('data_dir', '') | trim -%}
    {%- if data_dir -%}
        {{ return(data_dir.rstrip('/') ~ '/' ~ file_name) }}
    {%- else -%}
        {{ return(seed_node.root_path ~ '/' ~ seed_node.original_file_path) }}
    {%- endif -%}
{%- endmacro %}
