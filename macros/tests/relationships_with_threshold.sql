{#
    Every non-null column_name should match field in `to`. Fails with the orphan rows once
    their share of all rows exceeds max_orphan_pct (default 0: any orphan).
#}
{% test relationships_with_threshold(model, column_name, to, field, max_orphan_pct=0) %}
    {%- set joined -%}
        (
            select
                child.*,
                parent.parent_key as _parent_key
            from (select * from {{ model }}) as child
            left join (select distinct {{ field }} as parent_key from {{ to }}) as parent
                on child.{{ column_name }} = parent.parent_key
        )
    {%- endset -%}
    {{ failing_rows(
        joined,
        column_name ~ ' is not null and _parent_key is null',
        max_orphan_pct,
    ) }}
{% endtest %}
