"""Contracts where readers read: every mart's columns are declared and enforced, and the
Cassandra schema (loaders/schema.cql, loaders/marts.py) agrees with them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from loaders import TABLES, schema
from loaders.marts import SPARK_TYPES
from velos.settings import find_project

PROJECT_DIR = find_project(Path(__file__).parent)
MARTS_DIR = PROJECT_DIR / "models" / "marts"


def mart_contracts() -> dict[str, dict[str, Any]]:
    """Each mart's YAML entry, by model name, and each table velos segment writes (declared
    as a source with its column types, tests/python/test_segment.py checks them)."""
    models: dict[str, dict[str, Any]] = {}
    for path in sorted(MARTS_DIR.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for model in document.get("models", []):
            models[model["name"]] = model
        for source in document.get("sources", []):
            for table in source.get("tables", []):
                models.setdefault(table["name"], table)
    return models


def contract_types(model: dict[str, Any]) -> dict[str, str]:
    return {column["name"]: column["data_type"] for column in model["columns"]}


def test_every_mart_has_an_enforced_contract_with_a_type_per_column() -> None:
    sql_models = {path.stem for path in MARTS_DIR.glob("*.sql")}
    contracts = mart_contracts()
    assert sql_models <= set(contracts), sql_models - set(contracts)
    for name in sql_models:
        model = contracts[name]
        assert model.get("config", {}).get("contract", {}).get("enforced") is True, name
        assert all(column.get("data_type") for column in model["columns"]), name


def _cql_tables() -> dict[str, dict[str, str]]:
    """Columns and types of each CREATE TABLE in schema.cql."""
    tables: dict[str, dict[str, str]] = {}
    for statement in schema.statements("ks", schema.replication_map("SimpleStrategy:1")):
        match = re.match(r"CREATE TABLE IF NOT EXISTS ks\.(\w+) \((.*)\)", statement, re.S)
        if not match:
            continue
        columns = {}
        for line in match.group(2).splitlines():
            parts = line.strip().rstrip(",").split()
            if len(parts) == 2 and parts[0] != "PRIMARY":
                columns[parts[0]] = parts[1]
        tables[match.group(1)] = columns
    return tables


def test_schema_cql_and_the_table_specs_agree() -> None:
    tables = _cql_tables()
    for spec in TABLES:
        cql = tables[spec.table]
        assert cql.pop("load_id") == "timeuuid", spec.table
        assert cql == dict(spec.columns), spec.table


def test_every_loaded_column_is_in_the_mart_contract_with_a_compatible_type() -> None:
    contracts = mart_contracts()
    for spec in TABLES:
        types = contract_types(contracts[spec.mart])
        for column, cql_type in spec.columns:
            assert column in types, f"{spec.mart}.{column} is loaded but not in the contract"
            spark_type = types[column].split("(")[0].strip().lower()
            assert spark_type in SPARK_TYPES[cql_type], (spec.mart, column, types[column])


@pytest.mark.spark
@pytest.mark.after_readers(2)  # its failed run is recorded as the last build
def test_a_column_change_without_a_contract_change_fails_the_build(
    tmp_path: Path, spark: Any, build_export: Any, demo_export: Path
) -> None:
    """A copy of the project whose mart renames a column, its contract unchanged."""
    from velos.dbt import run_dbt
    from velos.errors import VelosError
    from velos.settings import load

    # the tables the mart reads, from any build (run last in its group, after test_gates, it
    # finds them; a run of this test alone builds them)
    upstream = ("marts.fct_order_lines", "marts.dim_bikes", "marts.dim_bikeshops")
    if not all(spark.catalog.tableExists(table) for table in upstream):
        build_export(demo_export)
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True
    ).stdout.split(b"\0")
    copy = tmp_path / "project"
    for name in filter(None, (f.decode() for f in files)):
        if (PROJECT_DIR / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PROJECT_DIR / name, copy / name)
    model = copy / "models" / "marts" / "top_model_by_store.sql"
    text = model.read_text(encoding="utf-8")
    assert "share_of_store_units" in text
    model.write_text(text.replace("share_of_store_units", "store_share"), encoding="utf-8")
    before = spark.table("marts.top_model_by_store").count()
    settings = load(copy)
    with pytest.raises(VelosError, match=r"(?s)top_model_by_store.*contract"):
        run_dbt(["run", "--select", "top_model_by_store"], settings=settings)
    assert spark.table("marts.top_model_by_store").count() == before  # nothing replaced
