{#
    A rule that fails when any of the given fields is blank (its <column>_text is null).
    fields: {staging column: name in the export file}, in the order the reason lists them.
    rule: 'missing_key' or 'missing_required'.
#}
{% macro missing_value_rule(rule, fields) -%}
    {%- set conditions = [] -%}
    {%- set labels = [] -%}
    {%- for column, label in fields.items() -%}
        {%- do conditions.append(column ~ '_text is null') -%}
        {%- do labels.append(
            'case when ' ~ column ~ '_text is null then ' ~ sql_string(label) ~ ' end'
        ) -%}
    {%- endfor -%}
    {%- set noun = 'key' if rule == 'missing_key' else 'required value' -%}
    {{ return({
        'rule': rule,
        'when': '(' ~ conditions | join(' or ') ~ ')',
        'reason': 'concat(' ~ sql_string('blank ' ~ noun ~ ': ') ~ ", concat_ws(', ', "
            ~ labels | join(', ') ~ '))',
    }) }}
{%- endmacro %}
