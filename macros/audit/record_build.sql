{#
    on-run-end of `dbt build` / `dbt run`: one row in audit.audit_builds per invocation, so
    that a reader (`velos load`) can tell whether the marts come from a build that passed.
      passed         no node failed and every gate test (tag gate) of the project ran and passed
      marts_written  mart models this invocation wrote (0 when a gate skipped them)
      seed_invocation  the `dbt seed` run the raw tables came from
    The record is written whatever the outcome; other commands write nothing.
#}
{% macro record_build(results) -%}
    {%- if not execute or flags.WHICH not in ['build', 'run'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set gate_tests = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' and 'gate' in node.tags -%}
        {%- do gate_tests.append(node.unique_id) -%}
    {%- endfor -%}
    {%- set tally = namespace(gates_passed=0, marts_written=0) -%}
    {%- set failures = [] -%}
    {%- for result in results -%}
        {%- set status = result.status | string | lower -%}
        {%- if status in ['error', 'fail', 'runtime error'] -%}
            {%- do failures.append(result.node.name) -%}
        {%- endif -%}
        {%- if result.node.unique_id in gate_tests and status == 'pass' -%}
            {%- set tally.gates_passed = tally.gates_passed + 1 -%}
        {%- endif -%}
        {%- if result.node.resource_type == 'model' and result.node.config.schema == 'marts'
              and status == 'success' -%}
            {%- set tally.marts_written = tally.marts_written + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set passed = not failures and tally.gates_passed == gate_tests | length -%}
    {%- set seed_run = seed_generation(strict=false) -%}
    {%- set failure_text = failures | join(', ') | replace('\\', '\\\\') | replace("'", "\\'") -%}
    {%- do run_query(
        "create table if not exists audit.audit_builds ("
        ~ " invocation_id string, command string, as_of date, finished_at timestamp,"
        ~ " passed boolean, gates_passed int, gates_total int, marts_written int,"
        ~ " failures string, seed_invocation string) using delta") -%}
    {%- do run_query(
        "insert into audit.audit_builds values ('" ~ invocation_id ~ "', '" ~ flags.WHICH ~ "', "
        ~ as_of() ~ ", current_timestamp(), " ~ passed ~ ", " ~ tally.gates_passed ~ ", "
        ~ (gate_tests | length) ~ ", " ~ tally.marts_written ~ ", '" ~ failure_text ~ "', "
        ~ (("'" ~ seed_run ~ "'") if seed_run else "null") ~ ")") -%}
    {{ return('') }}
{%- endmacro %}
