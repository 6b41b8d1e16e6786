{#
    Rule text_too_long: a text field longer than var max_text_length characters. Such a value
    is not a name but a broken export (a runaway quote, a pasted document); it would also pass
    the build and then break the Cassandra load, whose key values must fit in 64 KiB.
    fields: {staging column: name in the export file}, in the order the reason lists them.
#}
{% macro text_too_long_rule(fields) -%}
    {%- set limit = var('max_text_length') -%}
    {%- set conditions = [] -%}
    {%- set labels = [] -%}
    {%- for column, label in fields.items() -%}
        {%- do conditions.append('coalesce(length(' ~ column ~ '_text), 0) > ' ~ limit) -%}
        {%- do labels.append(
            'case when length(' ~ column ~ '_text) > ' ~ limit ~ ' then concat('
            ~ sql_string(label ~ ' (') ~ ', length(' ~ column ~ '_text), '
            ~ sql_string(' characters)') ~ ') end') -%}
    {%- endfor -%}
    {{ return({
        'rule': 'text_too_long',
        'when': '(' ~ conditions | join(' or ') ~ ')',
        'reason': 'concat(' ~ sql_string('longer than ' ~ limit ~ ' characters: ')
            ~ ', concat_ws(' ~ sql_string(', ') ~ ', ' ~ labels | join(', ') ~ '))',
    }) }}
{%- endmacro %}
