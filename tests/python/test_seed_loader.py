"""The seed loader numbers lines right when Spark splits a file into several partitions.

Lines are numbered per partition from the counts of a first, cheap pass (no global sort), so
these tests shrink Spark's split size until the demo orders.csv (about 480 KB) spans several
partitions, and compare the raw table with the file read line by line in Python.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from velos.dbt import run_dbt
from velos.errors import VelosError
from velos.pipeline import EXPORT_FILES, RAW_TABLES, check_export, seed_export
from velos.settings import find_project, load

PROJECT_DIR = find_project(Path(__file__).parent)

pytestmark = pytest.mark.spark

SPLIT_BYTES = 64 * 1024


@pytest.fixture
def small_splits(spark) -> Iterator[None]:
    """Split files into 64 KiB partitions for the test, then restore the session's settings."""
    keys = ("spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes")
    before = {key: spark.conf.get(key) for key in keys}
    for key in keys:
        spark.conf.set(key, str(SPLIT_BYTES))
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


@pytest.fixture
def restore_raw_tables(spark) -> Iterator[None]:
    """Put the raw tables back as they were (or drop them): other tests' cached builds read them."""
    versions = {
        table: spark.sql(f"describe history {table} limit 1").first()["version"]
        for table in RAW_TABLES
        if spark.catalog.tableExists(table)
    }
    try:
        yield
    finally:
        for table in RAW_TABLES:
            if table not in versions:
                spark.sql(f"drop table if exists {table}")
            else:
                spark.sql(f"restore table {table} to version as of {versions[table]}")


def test_line_numbers_across_partitions(
    tmp_path: Path, spark, small_splits, restore_raw_tables
) -> None:
    source = PROJECT_DIR / "seeds" / "orders.csv"
    shutil.copy(source, tmp_path / "orders.csv")
    partitions = spark.read.text(str(tmp_path / "orders.csv")).rdd.getNumPartitions()
    assert partitions >= 5, "the file must span several partitions for this test to mean much"

    run_dbt(["seed", "--quiet", "--select", "orders"], settings=load(VELOS_DATA_DIR=tmp_path))

    lines = source.read_text(encoding="utf-8").split("\n")
    expected = {(number, line) for number, line in enumerate(lines, start=1) if number > 1}
    loaded = {
        (row["_line_number"], row["_raw_line"])
        for row in spark.table("raw.orders").select("_line_number", "_raw_line").collect()
    }
    assert len(loaded) == len(lines) - 1 == 15_000
    assert loaded == expected
    # the parsed fields belong to their own line
    row = spark.table("raw.orders").where("_line_number = 12345").first()
    assert ",".join(row[name] for name in ("row_index", "order_id", "order_line")) == ",".join(
        lines[12344].split(",")[:3]
    )


def test_first_bad_line_is_found_in_a_later_partition(tmp_path: Path, spark, small_splits) -> None:
    data = (PROJECT_DIR / "seeds" / "orders.csv").read_bytes().split(b"\n")
    for number in (14_000, 9_001):  # physical line numbers; the header is line 1
        data[number - 1] = data[number - 1] + "é".encode("latin-1")
    (tmp_path / "orders.csv").write_bytes(b"\n".join(data))

    with pytest.raises(VelosError) as error:
        run_dbt(
            ["seed", "--quiet", "--select", "orders"],
            vars={"velos_check_only": True},
            settings=load(VELOS_DATA_DIR=tmp_path),
        )
    assert "orders.csv, line 9001: bytes that are not UTF-8 (2 line(s) in all)" in str(error.value)


def test_the_seed_reuses_the_checks_profile_of_an_unchanged_file_only(
    tmp_path: Path, spark, restore_raw_tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`velos run`'s seed writes each file with the profile its check step took, unless the
    file changed in between: then it profiles the file again (stale per-partition counts
    would misnumber the lines, and a stale last line would drop the lines added)."""
    export = tmp_path / "export"
    export.mkdir()
    for name in EXPORT_FILES:
        shutil.copy(PROJECT_DIR / "seeds" / name, export / name)
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))  # this test's dbt log only
    settings = load(VELOS_DATA_DIR=str(export))

    check_export(settings)
    orders = export / "orders.csv"
    lines = orders.read_text(encoding="utf-8").rstrip("\n").split("\n")
    added = lines[-3:]  # three more data lines after the check: the file is longer
    orders.write_text("\n".join([*lines, *added]) + "\n", encoding="utf-8")
    seeded = seed_export(settings)

    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    reused = {name for name in EXPORT_FILES if f"{name}: the check's profile" in log}
    assert reused == {"bikes.csv", "bikeshops.csv", "customers.csv"}
    for name in ("bikes", "bikeshops", "customers"):
        source = (export / f"{name}.csv").read_text(encoding="utf-8").rstrip("\n").split("\n")
        loaded = {
            (row[0], row[1])
            for row in spark.table(f"raw.{name}").select("_line_number", "_raw_line").collect()
        }
        assert loaded == set(enumerate(source, start=1)) - {(1, source[0])}
    loaded_orders = spark.sql(
        "select count(*), min(_line_number), max(_line_number) from raw.orders"
    ).first()
    assert tuple(loaded_orders) == (15_003, 2, 15_004)
    assert seeded == {
        "raw.bikes": 100, "raw.bikeshops": 30, "raw.orders": 15_003, "raw.customers": 3_000
    }  # fmt: skip
    tail = spark.sql("select _raw_line from raw.orders where _line_number > 15001 order by 1")
    assert sorted(row[0] for row in tail.collect()) == sorted(added)
