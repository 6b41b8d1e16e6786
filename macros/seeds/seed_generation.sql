{#
    The `dbt seed` run the raw tables come from. The seed materialization marks each raw table
    with its run's invocation_id (table property velos.seed_invocation); a seed that stopped
    part-way (a file failing after the check pass) leaves some tables of the new run and some of
    an older one. This macro refuses such a mix, naming the tables of each run and what to do,
    so that nothing is built on two generations of data: it runs as the project's on-run-start
    hook of `dbt build` / `dbt run`. Returns the common invocation_id ('' when the raw tables do
    not exist yet or predate the marking; '(mixed)' instead of stopping when strict is false).
#}
{% macro seed_generation(strict=true) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set runs = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'seed' -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema,
                                                identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- set marked = namespace(run='(not marked)') -%}
            {%- for row in run_query('show tblproperties ' ~ relation).rows
                  if row[0] == 'velos.seed_invocation' -%}
                {%- set marked.run = row[1] -%}
            {%- endfor -%}
            {%- do runs.setdefault(marked.run, []).append(relation | string) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if runs | length > 1 and not strict -%}
        {{ return('(mixed)') }}
    {%- elif runs | length > 1 -%}
        {%- set parts = [] -%}
        {%- for run, tables in runs.items() | sort -%}
            {%- do parts.append((tables | sort | join(', ')) ~ ' from seed run ' ~ run) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "the raw tables come from different `dbt seed` runs (" ~ (parts | join('; '))
            ~ "): the last seed stopped part-way. Fix the file it stopped on and run `dbt seed`"
            ~ " (or `velos run`) again, so that the four files load together; nothing was built.") }}
    {%- endif -%}
    {%- set only = runs.keys() | list -%}
    {{ return(only[0] if only and only[0] != '(not marked)' else '') }}
{%- endmacro %}
