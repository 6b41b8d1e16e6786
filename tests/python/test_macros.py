"""Macros that build SQL text: what they produce reads back as written."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.spark
@pytest.mark.parametrize(
    "value", ["O'Brien's", "back\\slash", "ends with \\", "{{ x }} $5 <b> ¿Qué?", 'say "hi"']
)
def test_sql_string_quotes_any_label(spark: Any, value: str) -> None:
    from velos.dbt import run_dbt

    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    sql = '{{ sql_string("' + escaped + '") }}'
    results = run_dbt(["compile", "--quiet", "--inline", sql])
    compiled = results.results[0].node.compiled_code.strip()
    assert spark.sql(f"select {compiled} as value").first()["value"] == value
