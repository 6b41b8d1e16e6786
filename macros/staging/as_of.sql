{#
    The date every "not in the future" and age rule is judged against, as a SQL date literal
    (or, with as_literal=false, as YYYY-MM-DD text):
    the var as_of (YYYY-MM-DD) when set, else the date the dbt run started (UTC). Using it
    instead of current_date() makes a verdict reproducible: the same file with the same as_of
    gives the same audit on any day. The audit tables record the as_of they were judged at.
#}
{% macro as_of(as_literal=true) -%}
    {%- set as_of = var('as_of', '') | string | trim -%}
    {%- if not as_of or as_of == 'None' -%}
        {%- set as_of = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of) -%}
        {{ exceptions.raise_compiler_error(
            "var as_of is '" ~ as_of ~ "': give a date as YYYY-MM-DD, e.g. --vars '{as_of: 2015-12-31}'") }}
    {%- endif -%}
    {{ return("date'" ~ as_of ~ "'" if as_literal else as_of) }}
{%- endmacro %}
