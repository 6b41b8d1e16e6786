{#-
    relationships_with_threshold returns the orphan rows (a null key is not an orphan) once
    their share exceeds max_orphan_pct: 1 orphan in 5 rows is 20 %.
-#}
with

parent as (
    select * from values (1), (2), (3) as parent (bike_id)
),

child as (
    select * from values (1, 1), (2, 2), (3, 3), (4, null), (5, 9) as child (id, bike_id)
),

any_orphan as (
    {{ test_relationships_with_threshold('child', 'bike_id', to='parent', field='bike_id') }}
),

at_threshold as (
    {{ test_relationships_with_threshold(
        'child', 'bike_id', to='parent', field='bike_id', max_orphan_pct=20,
    ) }}
),

over_threshold as (
    {{ test_relationships_with_threshold(
        'child', 'bike_id', to='parent', field='bike_id', max_orphan_pct=10,
    ) }}
)

{{ expect_ids([
    ('any_orphan', [5]),
    ('at_threshold', []),
    ('over_threshold', [5]),
]) }}
