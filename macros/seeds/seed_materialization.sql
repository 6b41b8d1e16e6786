{#
    Seeds at Spark's native CSV speed.

    dbt-spark's stock seed loader parses the file with agate in Python and sends the rows
    back as INSERT ... VALUES statements, re-inferring every column's type inside the row loop:
    it is quadratic (2,000 order lines: 38 s; 15,644: unfinished after 15 min). This override
    lets Spark read the file itself and writes the raw table in one CREATE OR REPLACE, which is
    atomic on Delta: a seed is either fully replaced or left as it was.

    Contract of a raw table: every value is text (nothing can fail here; typing is staging's
    job), plus three lineage columns that the audit needs:
      _line_number  physical line in the file (the header is line 1)
      _raw_line     the line exactly as in the file
      _field_count  number of fields on the line, counted outside quotes

    The expected header is the seed's `meta.header` in seeds/_seeds.yml. A file that cannot be
    loaded as a whole (empty, header only, a header that differs from the contract, bytes that
    are not UTF-8) stops the seed before its table is written, with a message naming the file,
    the line and what to do. With the var velos_check_only the seed runs these checks and
    writes nothing: `velos run` checks all four files that way before it loads any of them.
#}
{% materialization seed, adapter='spark' %}

    {%- set header = model.config.get('meta', {}).get('header') or model.get('meta', {}).get('header') -%}
    {%- if header is none -%}
        {{ exceptions.raise_compiler_error(
            "seed " ~ model.name ~ " has no meta.header in seeds/_seeds.yml: declare the exact "
            ~ "header line the export must start with") }}
    {%- endif -%}

    {%- set path = velos_seed_path(model) -%}
    {%- set file_name = path.split('/')[-1] -%}
    {%- set columns = velos_raw_column_names(header) -%}
    {%- set lines_view = model.name ~ '__lines' -%}
    {%- set target_relation = this.incorporate(type='table') -%}

    {{ run_hooks(pre_hooks) }}

    {% do velos_drop_lines_view(lines_view) %}
    {% call statement('number_lines') -%}
        {{ velos_number_lines_sql(lines_view, path) }}
    {%- endcall %}

    {#- Spark's text reader keeps the bytes as they are: check that they are UTF-8. #}
    {%- set probe = run_query(
        "select max(case when _line_number = 1 then _raw_line end) as header_line,"
        ~ " count(*) - 1 as data_lines,"
        ~ " count_if(not is_valid_utf8(_raw_line)) as bad_lines,"
        ~ " min(case when not is_valid_utf8(_raw_line)"
        ~ " then _line_number end) as first_bad_line"
        ~ " from " ~ lines_view) -%}
    {%- set row = probe.rows[0] -%}
    {%- do velos_check_file(file_name, header, row[0], row[1] | int, row[2] | int, row[3]) -%}

    {%- if var('velos_check_only', false) -%}
        {% do velos_drop_lines_view(lines_view) %}
        {% call noop_statement('main', 'CHECKED ' ~ (row[1] | int), 'CHECKED', row[1] | int) -%}
            -- {{ file_name }} checked, nothing written
        {%- endcall %}
        {% do store_result('agate_table', response='CHECKED ' ~ (row[1] | int)) %}
        {{ return({'relations': []}) }}
    {%- endif -%}

    {% call statement('main') -%}
        create or replace table {{ target_relation }}
        using delta
        as
        {{ velos_raw_select_sql(lines_view, columns) }}
    {%- endcall %}

    {% do velos_drop_lines_view(lines_view) %}
    {% do store_result('agate_table', response='CREATE ' ~ (row[1] | int)) %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
