{#-
    accepted_range finds exactly the out-of-range rows: nulls pass, the bounds are inclusive
    unless inclusive=false, and max_failing_pct hides the rows while their share is under it.
-#}
with

fixture as (
    select * from values (1, 0), (2, 1), (3, 10), (4, 11), (5, null) as fixture (id, quantity)
),

inclusive as (
    {{ test_accepted_range('fixture', 'quantity', min_value=1, max_value=10) }}
),

exclusive as (
    {{ test_accepted_range('fixture', 'quantity', min_value=1, max_value=10, inclusive=false) }}
),

lower_only as (
    {{ test_accepted_range('fixture', 'quantity', min_value=1) }}
),

under_threshold as (
    {#- 2 failing rows of 5 = 40 %: not over 50 % -#}
    {{ test_accepted_range('fixture', 'quantity', min_value=1, max_value=10, max_failing_pct=50) }}
),

over_threshold as (
    {{ test_accepted_range('fixture', 'quantity', min_value=1, max_value=10, max_failing_pct=30) }}
)

{{ expect_ids([
    ('inclusive', [1, 4]),
    ('exclusive', [1, 2, 3, 4]),
    ('lower_only', [1]),
    ('under_threshold', []),
    ('over_threshold', [1, 4]),
]) }}
