{#
    Seeds at Spark's native CSV speed.

    dbt-spark's stock seed loader parses the file with agate in Python and sends the rows
    back as INSERT ... VALUES statements, re-inferring every column's type inside the row loop:
    it is quadratic (2,000 order lines: 38 s; 15,644: unfinished after 15 min). This override
    lets Spark read the file itself, twice: a cheap pass that checks it and counts the lines of
    each partition (profile_file), then one CREATE OR REPLACE that numbers, parses and
    writes them, which is atomic on Delta: a seed is either fully replaced or left as it was.
    In `velos run` the first pass is the check step's, kept for the seed (file_findings).

    Contract of a raw table: every value is text (nothing can fail here; typing is staging's
    job), plus three lineage columns that the audit needs:
      _line_number  physical line in the file (the header is line 1)
      _raw_line     the line exactly as in the file
      _field_count  number of fields on the line, counted outside quotes

    The expected header is the seed's `meta.header` in seeds/_seeds.yml. A file that cannot be
    loaded as a whole (empty, header only, a header that differs from the contract, bytes that
    are not UTF-8, NUL bytes) stops the seed before its table is written, with a message naming the file,
    the line and what to do. With the environment variable VELOS_CHECK_ONLY=1 (or the var
    velos_check_only) the seed runs these checks and writes nothing: `velos run` checks all
    four files that way before it loads any of them. velos sets the environment variable, not
    the var: a var on the command line changes dbt's parse key, so the check and the seed after
    it would each parse the whole project again instead of reusing the saved manifest.
#}
{% materialization seed, adapter='spark' %}

    {%- set header = model.config.get('meta', {}).get('header') or model.get('meta', {}).get('header') -%}
    {%- if header is none -%}
        {{ exceptions.raise_compiler_error(
            "seed " ~ model.name ~ " has no meta.header in seeds/_seeds.yml: declare the exact "
            ~ "header line the export must start with") }}
    {%- endif -%}

    {%- set path = seed_path(model) -%}
    {%- set file_name = path.split('/')[-1] -%}
    {%- set columns = raw_column_names(header) -%}
    {%- set target_relation = this.incorporate(type='table') -%}

    {{ run_hooks(pre_hooks) }}

    {#- one cheap pass checks the whole file (header, size, UTF-8) before anything is written,
        unless this run's check step made it on the same file (file_findings) #}
    {%- set fingerprint = export_fingerprint(file_name) -%}
    {%- set findings = recall_file_findings(model.name, fingerprint) -%}
    {%- if findings is none -%}
        {%- set profile = profile_file(path) -%}
        {%- do check_file(file_name, header, profile) -%}
        {%- set multiline = {'records': {}, 'continuations': []} -%}
        {%- if profile.odd_quote_lines > 0 -%}
            {%- set multiline = multiline_records(path, profile.lines_before, columns | length) -%}
        {%- endif -%}
        {%- do remember_file_findings(model.name, fingerprint,
            {'profile': profile, 'multiline': multiline}) -%}
    {%- else -%}
        {%- do log(file_name ~ ": the check's profile of the unchanged file is reused") -%}
        {%- set profile = findings.profile -%}
        {%- set multiline = findings.multiline -%}
    {%- endif -%}
    {%- set data_lines = profile.data_lines - multiline.continuations | length -%}

    {%- if var('velos_check_only', false) or env_var('VELOS_CHECK_ONLY', '') == '1' -%}
        {% call noop_statement('main', 'CHECKED ' ~ data_lines, 'CHECKED', data_lines) -%}
            -- {{ file_name }} checked, nothing written
        {%- endcall %}
        {% do store_result('agate_table', response='CHECKED ' ~ data_lines) %}
        {{ return({'relations': []}) }}
    {%- endif -%}

    {% call statement('main') -%}
        create or replace table {{ target_relation }}
        using delta
        {#- the seed run this table comes from: a build refuses raw tables of two runs #}
        tblproperties ('velos.seed_invocation' = '{{ invocation_id }}')
        as
        {{ raw_select_sql(path, columns, profile.lines_before, profile.last_line, multiline) }}
    {%- endcall %}

    {% do store_result('agate_table', response='CREATE ' ~ data_lines) %}
    {#- the rows written, in the node's result: `velos run` reports them without a count query #}
    {% do store_raw_result('main', message='CREATE ' ~ data_lines, code='CREATE', rows_affected=data_lines) %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
