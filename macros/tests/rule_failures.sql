{#
    The failing condition of each kind of value rule: a SQL boolean, true on a row that breaks
    the rule. Shared by the one-rule generic tests (accepted_range, expression_is_true) and by
    value_rules, which checks several rules of a model in one scan, so a rule fails on the same
    rows however it is declared. Callers treat a null condition as passing (coalesce or
    count_if): a null value passes accepted_range and accepted_values; expression_failure
    already counts a null expression as failing.
#}
{% macro accepted_range_failure(column_name, min_value=none, max_value=none, inclusive=true) -%}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error(
            "accepted_range on " ~ column_name ~ ": give min_value, max_value or both") }}
    {%- endif -%}
    {%- set bounds = [] -%}
    {%- if min_value is not none -%}
        {%- do bounds.append(column_name ~ (' >= ' if inclusive else ' > ') ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do bounds.append(column_name ~ (' <= ' if inclusive else ' < ') ~ max_value) -%}
    {%- endif -%}
    {{ return('not (' ~ bounds | join(' and ') ~ ')') }}
{%- endmacro %}

{# With column_name the expression is appended to the column, e.g. expression: ">= 0". #}
{% macro expression_failure(expression, column_name=none) -%}
    {%- set condition = (column_name ~ ' ' ~ expression) if column_name else expression -%}
    {{ return('not coalesce(' ~ condition ~ ', false)') }}
{%- endmacro %}

{# As dbt's accepted_values: values quoted as strings unless quote=false. #}
{% macro accepted_values_failure(column_name, values, quote=true) -%}
    {%- if values | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "accepted_values on " ~ column_name ~ ": values is empty") }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append(sql_string(value) if quote else value | string) -%}
    {%- endfor -%}
    {{ return(column_name ~ ' not in (' ~ literals | join(', ') ~ ')') }}
{%- endmacro %}
