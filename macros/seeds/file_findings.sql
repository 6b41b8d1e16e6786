{#
    What the check found in a seed's file (profile_file's profile and the multiline records),
    kept in the Spark session from `velos run`'s check step to its seed step, so the seed
    writes the file without reading it once more first (10M order lines: the orders profile
    is 12 to 16 s of a 56 s seed).

    Findings hold only for the same bytes read with the same split settings. velos passes one
    fingerprint per export file in VELOS_EXPORT_FINGERPRINTS (the file's path, size,
    modification and change times, inode, and the session's split settings), taken as each
    step starts; a seed uses the findings kept only when their fingerprint equals its file's.
    Without the variable (a plain `dbt seed`) nothing is kept and the file is profiled.
    Not seen: a rewrite to the same size, on the same inode, within one tick of the file
    system's clock (a few ms) of the check's snapshot. The profile and the write are separate
    reads in any case, so a file changed during the seed was never fully guarded against.
#}
{% macro export_fingerprint(file_name) -%}
    {{ return(fromjson(env_var('VELOS_EXPORT_FINGERPRINTS', '{}'), {}).get(file_name)) }}
{%- endmacro %}


{% macro _findings_key(model_name) -%}
    {{ return('`velos.seed_findings.' ~ model_name ~ '`') }}
{%- endmacro %}


{% macro remember_file_findings(model_name, fingerprint, findings) -%}
    {%- if fingerprint -%}
        {%- set record = tojson({'fingerprint': fingerprint, 'findings': findings}) -%}
        {#- a backquoted SET value may hold any text; a backquote in it is doubled -#}
        {%- do run_query("set " ~ _findings_key(model_name)
            ~ "=`" ~ record | replace('`', '``') ~ "`") -%}
    {%- endif -%}
{%- endmacro %}


{#- the findings kept for this fingerprint, or none -#}
{% macro recall_file_findings(model_name, fingerprint) -%}
    {%- if not fingerprint -%}
        {{ return(none) }}
    {%- endif -%}
    {#- an unset key reads as '<undefined>', which is not JSON -#}
    {%- set value = run_query("set " ~ _findings_key(model_name)).rows[0][1] -%}
    {%- set record = fromjson(value, {}) -%}
    {%- if record.get('fingerprint') != fingerprint -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(record['findings']) }}
{%- endmacro %}
