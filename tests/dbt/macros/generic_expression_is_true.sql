{#-
    expression_is_true returns the rows where the expression is false or null, as a model-level
    and as a column-level test, and honours max_failing_pct.
-#}
with

fixture as (
    select * from values (1, 1, 2), (2, 3, 2), (3, null, 2), (4, 5, 9) as fixture (id, low, high)
),

model_level as (
    {{ test_expression_is_true('fixture', 'low < high') }}
),

column_level as (
    {{ test_expression_is_true('fixture', '< high', column_name='low') }}
),

under_threshold as (
    {{ test_expression_is_true('fixture', 'low < high', max_failing_pct=50) }}
),

over_threshold as (
    {{ test_expression_is_true('fixture', 'low < high', max_failing_pct=49.9) }}
)

{{ expect_ids([
    ('model_level', [2, 3]),
    ('column_level', [2, 3]),
    ('under_threshold', []),
    ('over_threshold', [2, 3]),
]) }}
