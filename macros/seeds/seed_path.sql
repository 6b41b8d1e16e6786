{#
    Absolute path of a seed's CSV file. VELOS_DATA_DIR (set by `velos run --data DIR`), or
    the data_dir var, points at a client's export folder holding the same four file names;
    without either the file in seeds/ is read. Read here, when the seed runs, not in
    dbt_project.yml: dbt's saved parse then holds for any export.
#}
{% macro seed_path(seed_node) -%}
    {%- set file_name = seed_node.original_file_path.split('/')[-1] -%}
    {%- set data_dir = var('data_dir', env_var('VELOS_DATA_DIR', '')) | trim -%}
    {%- if data_dir -%}
        {{ return(data_dir.rstrip('/') ~ '/' ~ file_name) }}
    {%- else -%}
        {{ return(seed_node.root_path ~ '/' ~ seed_node.original_file_path) }}
    {%- endif -%}
{%- endmacro %}
