{#-
    value_rules counts each rule's failing rows in one scan, as its one-rule test would find
    them: accepted_range with inclusive and exclusive bounds (a null passes), accepted_values
    quoted and unquoted (a null passes), expression_is_true on a column (a null result fails)
    and on the whole row, a rule named by its own name, and a label holding a quote. A rule
    no row breaks returns nothing.
-#}
with

fixture as (
    select *
    from
        values
        (1, 0, 'A', 1),
        (2, 1, 'B', 5),
        (3, 10, 'Z', 4),
        (4, 11, null, 9),
        (5, null, 'A', 2)
            as fixture (id, quantity, tier, quarter)
),

every_kind as (
    {{ failure_counts('fixture', value_rule_checks('fixture', [
        {'column': 'quantity', 'accepted_range': {'min_value': 1, 'max_value': 10}},
        {'column': 'tier', 'accepted_values': {'values': ['A', 'B']}},
        {'column': 'quarter', 'accepted_values': {'values': [1, 2, 3, 4], 'quote': false}},
        {'column': 'quantity', 'name': 'quantity under 11',
            'expression_is_true': {'expression': '< 11'}},
        {'expression_is_true': {'expression': "tier <> 'Z'"}},
        {'column': 'id', 'expression_is_true': {'expression': 'is not null'}},
    ]), 'rule') }}
),

exclusive as (
    {{ failure_counts('fixture', value_rule_checks('fixture', [
        {'column': 'quantity',
            'accepted_range': {'min_value': 1, 'max_value': 10, 'inclusive': false}},
    ]), 'rule') }}
),

found as (
    select
        'every_kind' as case_name,
        rule,
        failing_rows
    from every_kind
    union all
    select
        'exclusive' as case_name,
        rule,
        failing_rows
    from exclusive
),

expected as (
    select *
    from
        values
        ('every_kind', 'quantity accepted_range', 2),
        ('every_kind', 'tier accepted_values', 1),
        ('every_kind', 'quarter accepted_values', 2),
        ('every_kind', 'quantity under 11', 2),
        ('every_kind', "tier <> 'Z'", 2),
        ('exclusive', 'quantity accepted_range', 4)
            as expected (case_name, rule, failing_rows)
)

select
    coalesce(found.case_name, expected.case_name) as case_name,
    coalesce(found.rule, expected.rule) as rule,  -- noqa: RF04
    case when found.case_name is null then 'missing' else 'unexpected' end as problem
from found
full outer join expected
    on
        found.case_name = expected.case_name
        and found.rule = expected.rule
        and found.failing_rows = expected.failing_rows
where found.case_name is null or expected.case_name is null
