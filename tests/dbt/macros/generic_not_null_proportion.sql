{#-
    not_null_proportion returns the null rows once the non-null share is below at_least: with
    2 nulls in 10 rows (80 % filled) it passes at 0.8 and fails at 0.9 and at 1.
-#}
with

fixture as (
    select *
    from
        values
        (1, 'a'), (2, null), (3, 'c'), (4, 'd'), (5, 'e'),
        (6, null), (7, 'g'), (8, 'h'), (9, 'i'), (10, 'j')
            as fixture (id, name)
),

at_threshold as (
    {{ test_not_null_proportion('fixture', 'name', at_least=0.8) }}
),

above_threshold as (
    {{ test_not_null_proportion('fixture', 'name', at_least=0.9) }}
),

like_not_null as (
    {{ test_not_null_proportion('fixture', 'name', at_least=1) }}
)

{{ expect_ids([
    ('at_threshold', []),
    ('above_threshold', [2, 6]),
    ('like_not_null', [2, 6]),
]) }}
