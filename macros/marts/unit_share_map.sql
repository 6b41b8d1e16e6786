{#
    A `select` giving, per entity, the map from each value of `dimension` to its share of the
    entity's sum of `quantity` (units): {'Road': 0.75, 'Mountain': 0.25}. The shares of an
    entity add up to 1. Entries are sorted by key, so the map is the same on every run. Values missing from an
    entity's purchases are absent from its map (a share of 0).
#}
{% macro unit_share_map(relation, entity, dimension, quantity) -%}
    select
        {{ entity }},
        map_from_entries(array_sort(collect_list(struct(mix_key, unit_share)))) as unit_shares
    from (
        select
            {{ entity }},
            {{ dimension }} as mix_key,
            {{ share_in_group('sum(' ~ quantity ~ ')', [entity]) }} as unit_share
        from {{ relation }}
        group by {{ entity }}, {{ dimension }}
    ) as dimension_units
    group by {{ entity }}
{%- endmacro %}
