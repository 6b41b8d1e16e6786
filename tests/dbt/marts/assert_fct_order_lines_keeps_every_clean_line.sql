{#
    No clean order line is lost or changed by the fact table's joins or its incremental merge:
    every clean line is in fct_order_lines with its quantity, and no other line is, so the
    merged table holds the lines a full rebuild would. With keep_missing_order_lines, lines of
    earlier exports that this one no longer holds are kept on purpose: only the first half holds.
    Duplicates are the unique test's.
#}
with

clean as (

    select
        order_id,
        order_line,
        quantity
    from {{ ref('int_order_lines_clean') }}

),

fct as (

    select
        order_id,
        order_line,
        quantity
    from {{ ref('fct_order_lines') }}

),

clean_not_in_fct as (

    select * from clean
    except
    select * from fct

),

fct_not_in_clean as (

    select * from fct
    except
    select * from clean

),

missing as (

    select
        *,
        'clean line missing from fct_order_lines, or with another quantity' as problem
    from clean_not_in_fct

),

extra as (

    select
        *,
        'line in fct_order_lines that is not a clean line of this export' as problem
    from fct_not_in_clean
    {% if var('keep_missing_order_lines') %}
        where false
    {% endif %}

)

select * from missing
union all
select * from extra
