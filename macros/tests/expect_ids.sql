{#
    For the tests of the generic tests: compares, per case, the ids that a generic test's SQL
    returned (a CTE named after the case, with an `id` column) with the ids expected, and
    returns one row per difference. An empty result means every case found exactly the known
    bad rows. cases: a list of (cte name, [expected ids]).
#}
{% macro expect_ids(cases) -%}
    {%- for case_name, expected in cases %}
    select
        '{{ case_name }}' as case_name,
        coalesce(found.id, expected.id) as id,
        case when found.id is null then 'missing' else 'unexpected' end as problem
    from (select distinct cast(id as bigint) as id from {{ case_name }}) as found
    full outer join (
        {%- if expected | length > 0 %}
        select cast(id as bigint) as id
        from values ({{ expected | join('), (') }}) as expected_ids (id)
        {%- else %}
        select cast(null as bigint) as id where false
        {%- endif %}
    ) as expected
        on found.id = expected.id
    where found.id is null or expected.id is null
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
