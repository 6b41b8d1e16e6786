{#-
    unique_combination_of_columns returns one row per repeated combination (nulls compare
    equal, as a key would), and nothing for a unique one.
-#}
with

fixture as (
    select *
    from
        values
        (1, 1, 10), (1, 2, 11), (1, 1, 12), (2, null, 13), (2, null, 14), (3, 1, 15)
            as fixture (order_id, order_line, line_number)
),

repeated as (
    {{ test_unique_combination_of_columns('fixture', ['order_id', 'order_line']) }}
),

repeated_ids as (
    {#- one id per repeated combination: order_id * 10 + coalesce(order_line, 0) #}
    select order_id * 10 + coalesce(order_line, 0) as id
    from repeated
    where n_rows = 2
),

unique_key as (
    {{ test_unique_combination_of_columns('fixture', ['line_number']) }}
),

unique_ids as (
    select line_number as id from unique_key
)

{{ expect_ids([
    ('repeated_ids', [11, 20]),
    ('unique_ids', []),
]) }}
