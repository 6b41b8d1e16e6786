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
from velos.settings import find_project

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
def restore_raw_orders(spark) -> Iterator[None]:
    """Put raw.orders back as it was (or drop it): other tests' cached builds read it."""
    version = None
    if spark.catalog.tableExists("raw.orders"):
        version = spark.sql("describe history raw.orders limit 1").first()["version"]
    try:
        yield
    finally:
        if version is None:
            spark.sql("drop table if exists raw.orders")
        else:
            spark.sql(f"restore table raw.orders to version as of {version}")


def test_line_numbers_across_partitions(
    tmp_path: Path, spark, small_splits, restore_raw_orders
) -> None:
    source = PROJECT_DIR / "seeds" / "orders.csv"
    shutil.copy(source, tmp_path / "orders.csv")
    partitions = spark.read.text(str(tmp_path / "orders.csv")).rdd.getNumPartitions()
    assert partitions >= 5, "the file must span several partitions for this test to mean much"

    run_dbt(["seed", "--quiet", "--select", "orders"], vars={"data_dir": str(tmp_path)})

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
            vars={"data_dir": str(tmp_path), "velos_check_only": True},
        )
    assert "orders.csv, line 9001: bytes that are not UTF-8 (2 line(s) in all)" in str(error.value)
