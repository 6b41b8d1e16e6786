{#-
    not_null_columns finds each column's nulls in one scan: with 2 nulls in name and 1 in
    note, it returns exactly (name, 2) and (note, 1); on columns without nulls, nothing; and
    a column name that needs quoting (with a space) is read, not misparsed.
-#}
with

fixture as (
    select *
    from
        values
        (1, 'a', 10, null, 'x'),
        (2, null, 20, 'n', 'y'),
        (3, null, 30, 'n', null),
        (4, 'd', 40, 'n', 'w')
            as fixture (id, name, amount, note, `odd column`)  -- noqa: RF05
),

some_nulls as (
    {{ null_counts_by_column('fixture', ['id', 'name', 'amount', 'note']) }}
),

no_nulls as (
    {{ null_counts_by_column('fixture', ['id', 'amount']) }}
),

quoted as (
    {{ null_counts_by_column('fixture', ['odd column']) }}
),

found as (
    select
        'some_nulls' as case_name,
        column_name,
        failing_rows
    from some_nulls
    union all
    select
        'no_nulls' as case_name,
        column_name,
        failing_rows
    from no_nulls
    union all
    select
        'quoted' as case_name,
        column_name,
        failing_rows
    from quoted
),

expected as (
    select *
    from
        values
        ('some_nulls', 'name', 2),
        ('some_nulls', 'note', 1),
        ('quoted', 'odd column', 1)
            as expected (case_name, column_name, failing_rows)
)

select
    coalesce(found.case_name, expected.case_name) as case_name,
    coalesce(found.column_name, expected.column_name) as column_name,  -- noqa: RF04
    case when found.case_name is null then 'missing' else 'unexpected' end as problem
from found
full outer join expected
    on
        found.case_name = expected.case_name
        and found.column_name = expected.column_name
        and found.failing_rows = expected.failing_rows
where found.case_name is null or expected.case_name is null
