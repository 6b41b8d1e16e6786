"""The cache dbt commands use for their data tests (macros/cache/cache_for_tests.sql).

Every table model is marked `cache lazy table` when built, so its tests read memory instead of
planning a Delta scan each; the command clears the cache when it ends. These tests prove the
two properties that make it safe: Spark never serves a replaced or dropped Delta table from
its cache, and no cached table outlives the dbt command that built it. A third shows the size
rule: a table larger than velos_cache_max_mb (VELOS_CACHE_MAX_MB) is left to Delta.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from velos.dbt import run_dbt
from velos.settings import load as load_settings

pytestmark = pytest.mark.spark


def test_a_replaced_or_dropped_delta_table_is_never_read_from_the_cache(spark: Any) -> None:
    spark.sql("create database if not exists velos_cache_test")
    table = "velos_cache_test.t"
    try:
        spark.sql(f"create or replace table {table} using delta as select id from range(10)")
        spark.sql(f"cache lazy table {table}")
        assert spark.sql(f"select count(*), max(id) from {table}").first() == (10, 9)
        assert spark.catalog.isCached(table)
        # what dbt-spark's table materialization runs on a rebuild
        spark.sql(f"create or replace table {table} using delta as select id from range(3)")
        assert spark.sql(f"select count(*), max(id) from {table}").first() == (3, 2)
        spark.sql(f"cache lazy table {table}")
        spark.sql(f"drop table {table}")
        spark.sql(f"create table {table} using delta as select 42 as id")
        assert spark.sql(f"select count(*), max(id) from {table}").first() == (1, 42)
    finally:
        spark.sql("drop database if exists velos_cache_test cascade")


def test_no_table_stays_cached_after_the_build(
    spark: Any, demo_export: Path, build_export: Callable[[Path], float]
) -> None:
    build_export(demo_export)
    for schema in ("staging", "audit", "marts"):
        # temporary views (dbt-spark's incremental `__dbt_tmp`) are listed too, in no schema
        for table in spark.catalog.listTables(schema):
            if table.isTemporary:
                continue
            assert not spark.catalog.isCached(f"{schema}.{table.name}"), (schema, table.name)


@pytest.mark.after_readers(4)  # its `dbt run` is recorded as the last build: after every reader
def test_only_tables_up_to_the_size_limit_are_cached(
    spark: Any, demo_export: Path, build_export: Callable[[Path], float], monkeypatch: Any
) -> None:
    import dbt.cli.main

    if not spark.catalog.tableExists("marts.dim_bikes"):  # any build of the demo data will do
        build_export(demo_export)
    statements: list[str] = []

    def record(event: Any) -> None:
        if event.info.name == "SQLQuery":
            # without dbt's query comment (/* {...} */) and quotes
            sql = event.data.sql.rsplit("*/", 1)[-1].replace("`", "")
            statements.append(" ".join(sql.split()))

    class Recording(dbt.cli.main.dbtRunner):  # type: ignore[misc]
        def __init__(self, callbacks: list[Any] | None = None) -> None:
            super().__init__(callbacks=[*(callbacks or []), record])

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Recording)
    size_mb = spark.sql("describe detail marts.dim_bikes").first()["sizeInBytes"] / 2**20
    # the setting as velos passes it (VELOS_CACHE_MAX_MB), then the var a plain `dbt` may
    # give, which wins over the setting
    for setting_mb, var_mb, cached in (
        (size_mb * 2, None, True),
        (size_mb / 2, None, False),
        (size_mb * 2, size_mb / 2, False),
    ):
        statements.clear()
        run_dbt(
            ["run", "--select", "dim_bikes"],
            vars=None if var_mb is None else {"velos_cache_max_mb": var_mb},
            settings=load_settings(VELOS_DATA_DIR=demo_export, VELOS_CACHE_MAX_MB=setting_mb),
        )
        caches = [sql for sql in statements if sql.startswith("cache")]
        assert caches == (["cache lazy table marts.dim_bikes"] if cached else []), (
            setting_mb,
            var_mb,
        )
        assert "describe detail marts.dim_bikes" in statements
