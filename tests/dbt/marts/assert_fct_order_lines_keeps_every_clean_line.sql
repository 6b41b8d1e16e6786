{#
    No clean order line is lost or duplicated by the fact table's joins: same number of lines
    and same total quantity as int_order_lines_clean.
#}
with

clean as (

    select
        count(*) as order_lines,
        sum(quantity) as units
    from {{ ref('int_order_lines_clean') }}

),

fct as (

    select
        count(*) as order_lines,
        sum(quantity) as units
    from {{ ref('fct_order_lines') }}

)

select
    clean.order_lines as clean_order_lines,
    fct.order_lines as fct_order_lines,
    clean.units as clean_units,
    fct.units as fct_units
from clean
cross join fct
where
    clean.order_lines != fct.order_lines
    or not (clean.units <=> fct.units)
