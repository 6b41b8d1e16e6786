{#
    The duplicate rule, among the rows that have a usable key (candidate = a boolean column):
    - rows with the same key and the same field values are versions of one record; the first
      line of a version is its occurrence, any later identical line is an exact_duplicate
      (removed);
    - when a key has several versions, the version written last in the file wins (its first
      line is 'kept'); the first lines of the other versions are key_conflict (resolved).
    Non-candidates get null. Fields are compared on their trimmed text, so lines that differ
    only in stray spaces are the same record.
#}
{% macro dedup_outcome(key_columns, compare_columns, candidate, line_number='line_number') -%}
    {%- set by_key = ([candidate] + key_columns) | join(', ') -%}
    {%- set by_version = ([candidate] + key_columns + compare_columns) | join(', ') -%}
    case
        when not {{ candidate }} then null
        when row_number() over (partition by {{ by_version }} order by {{ line_number }}) > 1
            then 'exact_duplicate'
        when max({{ line_number }}) over (partition by {{ by_version }})
            = max({{ line_number }}) over (partition by {{ by_key }})
            then 'kept'
        else 'key_conflict'
    end
{%- endmacro %}
