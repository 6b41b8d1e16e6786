{#
    Shared body of the generic tests: the rows of `relation` for which `failing_condition` is
    true, returned only when their share of all rows exceeds max_failing_pct (0 = any failing
    row fails the test). The test result is the failing rows themselves, so dbt reports their
    count; each row carries _failing_pct (the share of failing rows in %; 100.0 without a
    threshold).

    Threshold story, used across the project (see the severity policy in the README):
      max_failing_pct: 0 + severity: warn   a data defect, reported with its count
      max_failing_pct: N + severity: error  the defect fails the build once over N %
      severity: error, no threshold         structural breakage: any row fails the build
#}
{% macro failing_rows(relation, failing_condition, max_failing_pct=0) -%}
    {%- set max_pct = max_failing_pct | float -%}
    {%- if max_pct < 0 or max_pct > 100 -%}
        {{ exceptions.raise_compiler_error(
            "max_failing_pct must be between 0 and 100 (a percentage), got " ~ max_failing_pct) }}
    {%- endif -%}
    {%- if max_pct == 0 %}
    {#- no threshold: the failing rows, in one pass #}
    select
        *,
        100.0 as _failing_pct
    from (select * from {{ relation }}) as tested_relation
    where coalesce({{ failing_condition }}, false)
    {%- else %}
    with

    tested as (
        select
            *,
            coalesce({{ failing_condition }}, false) as _is_failing
        from (select * from {{ relation }}) as tested_relation
    ),

    failing_share as (
        select count_if(_is_failing) * 100.0 / greatest(count(*), 1) as _failing_pct
        from tested
    )

    select
        tested.*,
        failing_share._failing_pct
    from tested
    cross join failing_share
    where tested._is_failing and failing_share._failing_pct > {{ max_pct }}
    {%- endif %}
{%- endmacro %}
