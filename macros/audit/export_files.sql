{#
    The four export files in their order, with the table each becomes: the one place the audit
    models (reconciliation, quarantine, scorecard) read the file -> table -> order mapping from.
#}
{% macro export_files() -%}
    {{ return([
        {'file': 'bikes.csv', 'table': 'bikes', 'order': 1},
        {'file': 'bikeshops.csv', 'table': 'bikeshops', 'order': 2},
        {'file': 'customers.csv', 'table': 'customers', 'order': 3},
        {'file': 'orders.csv', 'table': 'order_lines', 'order': 4},
    ]) }}
{%- endmacro %}
