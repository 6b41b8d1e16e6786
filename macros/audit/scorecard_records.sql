{#
    The lines a scorecard measures: every line of the file except the removed duplicates and
    the losing versions of a conflict (they are copies, not records of their own). With
    well_formed=true, also without the malformed lines, whose fields cannot be read.
#}
{% macro scorecard_records(well_formed=false) -%}
    (outcome not in ('duplicate', 'conflict'){{ ' and not is_malformed_line' if well_formed }})
{%- endmacro %}
