"""fct_order_lines is incremental: a Delta MERGE of only what an export changed.

Three exports of one order history, each seeded, then the fact table and its parents run and
their tests run (the whole `dbt build` on an incremental fact passes too: it is every other
test's build):
- export 1, built from scratch (--full-refresh; its tests are every other test's build's);
- export 2 = export 1 with ADDED new lines, CHANGED lines whose quantity differs, and every
  other line repeated unchanged: the merge inserts exactly ADDED rows and updates exactly
  CHANGED (Delta's operationMetrics) in the one commit of the build (no line is missing, so
  the delete step commits nothing), leaves no duplicate key, and the table equals a full
  rebuild of export 2 row for row (EXCEPT ALL both ways, read back with VERSION AS OF);
- export 3 = export 2 without DELETED lines: with keep_missing_order_lines they stay (nothing
  is committed, and the build's tests still pass: dim_date spans them); by default they are
  deleted (one MERGE, exactly DELETED rows) and the table again equals a full rebuild.
"""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from dbt_nodes import DATA_INDEPENDENT

from velos.dbt import run_dbt
from velos.errors import VelosError
from velos.generate import generate
from velos.settings import load as load_settings

pytestmark = pytest.mark.spark

FCT = "marts.fct_order_lines"
ORDER_LINES = 2_000
ADDED = 7  # new lines: two new orders, 4 + 3 lines
CHANGED = 5  # existing lines with another quantity
DELETED = 4  # lines export 3 no longer holds
KEY = ("order_id", "order_line")


def _read_orders(folder: Path) -> tuple[list[str], list[list[str]]]:
    with (folder / "orders.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _write_orders(folder: Path, header: list[str], rows: list[list[str]]) -> None:
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def _line_key(row: list[str]) -> tuple[int, int]:
    return int(row[1]), int(row[2])  # orders.csv: index, order.id, order.line, ...


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three exports of one history and the keys each step changed."""
    first = tmp_path_factory.mktemp("incremental-1")
    generate(first, order_lines=ORDER_LINES, seed=11, progress=False)
    header, rows = _read_orders(first)

    second = tmp_path_factory.mktemp("incremental-2")
    for name in ("bikes.csv", "bikeshops.csv", "customers.csv"):
        shutil.copyfile(first / name, second / name)
    changed_rows = [rows[index] for index in range(100, 100 + 300 * CHANGED, 300)]
    for row in changed_rows:
        row[6] = str(int(row[6]) % 9 + 1) if int(row[6]) < 100 else "1"  # another valid quantity
    last = rows[-1]
    new_order = int(last[1]) + 1
    added_rows = [
        [str(len(rows) + i + 1), str(new_order + order), str(line), last[3], last[4], last[5], "2"]
        for i, (order, line) in enumerate([(0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (1, 2), (1, 3)])
    ]
    assert len(added_rows) == ADDED
    second_rows = rows + added_rows
    _write_orders(second, header, second_rows)

    third = tmp_path_factory.mktemp("incremental-3")
    for name in ("bikes.csv", "bikeshops.csv", "customers.csv"):
        shutil.copyfile(first / name, third / name)
    deleted_rows = [second_rows[index] for index in range(50, 50 + 400 * DELETED, 400)]
    deleted = {_line_key(row) for row in deleted_rows}
    _write_orders(third, header, [row for row in second_rows if _line_key(row) not in deleted])
    return {
        "folders": (first, second, third),
        "changed": {_line_key(row) for row in changed_rows},
        "added": {_line_key(row) for row in added_rows},
        "deleted": deleted,
    }


def _build(
    folder: Path, *extra: str, seed: bool = True, test: bool = True, **variables: Any
) -> float:
    """Seed the export, then build the fact table and what it reads, and test them; seconds.

    `dbt run` of fct_order_lines, its parents and dim_date (which spans its dates), then the
    tests of the fact, the clean lines and dim_date (`cautious`: the tests of no other mart,
    which this run leaves as they were; not the data-independent ones, dbt_nodes.py). The
    whole `dbt build` runs them all, over minutes. ``test=False``: the run only (a build from
    scratch, which every other test's build tests already).
    """
    exported = load_settings(VELOS_DATA_DIR=folder)
    if seed:  # False: the raw tables already hold this export
        run_dbt(["seed", "--quiet"], settings=exported)
    started = time.perf_counter()
    run_dbt(
        ["run", "--select", "+fct_order_lines", "dim_date", *extra],
        vars=variables, settings=exported,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if not test:
        return seconds
    run_dbt(
        ["test", "--select", "int_order_lines_clean", "fct_order_lines", "dim_date",
         "--indirect-selection", "cautious", "--exclude", *DATA_INDEPENDENT],
        vars=variables, settings=exported,
    )  # fmt: skip
    return seconds


def _history(spark: Any, since: int) -> list[Any]:
    """The commits of the fact table after version ``since``, oldest first."""
    rows = spark.sql(f"describe history {FCT}").collect()
    return sorted((row for row in rows if row["version"] > since), key=lambda row: row["version"])


def _version(spark: Any) -> int:
    return int(spark.sql(f"describe history {FCT} limit 1").first()["version"])


def _metrics(commit: Any) -> dict[str, int]:
    return {name: int(value) for name, value in commit["operationMetrics"].items()}


def _keys(spark: Any, sql: str) -> set[tuple[int, int]]:
    return {(row["order_id"], row["order_line"]) for row in spark.sql(sql).collect()}


def _assert_equals_full_rebuild(spark: Any, folder: Path, merged_version: int) -> float:
    """Rebuild the fact table from scratch and compare it with the merged one; seconds."""
    started = time.perf_counter()
    run_dbt(
        ["run", "--select", "fct_order_lines", "--full-refresh"],
        settings=load_settings(VELOS_DATA_DIR=folder),
    )
    seconds = time.perf_counter() - started
    merged = f"(select * from {FCT} version as of {merged_version})"
    for left, right in ((merged, FCT), (FCT, merged)):
        extra = spark.sql(f"select * from {left} except all select * from {right}").count()
        assert extra == 0, f"{extra} rows of {left} are not in {right}"
    return seconds


def _duplicate_keys(spark: Any) -> int:
    return int(
        spark.sql(
            f"select count(*) as n from (select {', '.join(KEY)} from {FCT} "
            f"group by {', '.join(KEY)} having count(*) > 1)"
        ).first()["n"]
    )


def test_the_merge_touches_only_what_changed_and_equals_a_full_rebuild(
    spark: Any, exports: dict[str, Any]
) -> None:
    first, second, third = exports["folders"]
    full_seconds = _build(first, "--full-refresh", test=False)
    start = _version(spark)
    lines_1 = spark.table(FCT).count()
    assert lines_1 == ORDER_LINES

    # export 2: new lines, changed quantities, everything else repeated
    incremental_seconds = _build(second)
    commits = _history(spark, start)
    # one MERGE: no line is missing from export 2, so the delete step commits nothing
    assert [commit["operation"] for commit in commits] == ["MERGE"]
    upsert = _metrics(commits[0])
    assert upsert["numSourceRows"] == ADDED + CHANGED
    assert upsert["numTargetRowsInserted"] == ADDED
    assert upsert["numTargetRowsUpdated"] == CHANGED
    assert upsert["numTargetRowsDeleted"] == 0
    assert spark.table(FCT).count() == ORDER_LINES + ADDED
    assert _duplicate_keys(spark) == 0
    # the merge wrote the new quantities, and total_amount with them
    changed = [
        row
        for row in spark.sql(f"select * from {FCT} version as of {start}").collect()
        if (row["order_id"], row["order_line"]) in exports["changed"]
    ]
    now = {
        (row["order_id"], row["order_line"]): row
        for row in spark.table(FCT).select(*KEY, "quantity", "total_amount").collect()
    }
    assert len(changed) == CHANGED
    for before in changed:
        after = now[(before["order_id"], before["order_line"])]
        assert after["quantity"] != before["quantity"]
        assert after["total_amount"] == after["quantity"] * before["unit_price"]
    merged_2 = _version(spark)
    differ = f"select * from {FCT} except select * from {FCT} version as of {start}"
    assert _keys(spark, differ) == exports["added"] | exports["changed"]
    rebuild_seconds = _assert_equals_full_rebuild(spark, second, merged_2)

    # export 3 without some lines, kept on request: nothing new or changed, so the merge of
    # no source row commits nothing; the build's tests still pass (dim_date spans them)
    before_keep = _version(spark)
    _build(third, keep_missing_order_lines=True)
    assert _history(spark, before_keep) == []
    assert spark.table(FCT).count() == ORDER_LINES + ADDED
    kept = _keys(spark, f"select * from {FCT}") - _keys(
        spark, "select * from intermediate.int_order_lines_clean"
    )
    assert kept == exports["deleted"]

    # by default they go: exactly those lines, and the table equals a full rebuild again
    before_delete = _version(spark)
    _build(third, seed=False)
    (deletion_3,) = (_metrics(commit) for commit in _history(spark, before_delete))
    assert deletion_3["numTargetRowsDeleted"] == DELETED
    assert (deletion_3["numTargetRowsInserted"], deletion_3["numTargetRowsUpdated"]) == (0, 0)
    assert spark.table(FCT).count() == ORDER_LINES + ADDED - DELETED
    assert not _keys(spark, f"select * from {FCT}") & exports["deleted"]
    _assert_equals_full_rebuild(spark, third, _version(spark))
    print(
        f"\n{ORDER_LINES} lines, dbt run of fct_order_lines and its parents: first "
        f"{full_seconds:.1f} s, incremental {incremental_seconds:.1f} s; "
        f"fct_order_lines alone, full rebuild: {rebuild_seconds:.1f} s"
    )


def test_the_delete_step_stops_when_the_source_has_more_rows_than_the_merged_table(
    spark: Any,
) -> None:
    """delete_missing_rows decides from two counts, whose premise is unique source keys: a
    source with more rows than the merged table (a duplicate key) stops the build, naming both
    tables, instead of being read as nothing to delete. Equal counts pass."""
    spark.sql("create database if not exists delete_step_test")
    try:
        target, source = "delete_step_test.merged", "delete_step_test.source"
        for table in (target, source):
            spark.sql(
                f"create or replace table {table} using delta as select explode(array(1, 2)) as k"
            )

        def delete_step() -> None:
            arguments = f"{{target: {target}, source: {source}, unique_key: [k]}}"
            run_dbt(["run-operation", "delete_missing_rows", "--args", arguments])

        delete_step()  # same count: nothing to delete, no error
        spark.sql(f"insert into {source} values (2)")  # key 2 twice
        with pytest.raises(VelosError) as stopped:
            delete_step()
        message = str(stopped.value)  # one line, no traceback: the step and why
        assert message.startswith("dbt run-operation failed: delete_missing_rows: ")
        assert f"{target} holds 1 rows fewer than {source} after its merge" in message
        assert "duplicate keys" in message and "--full-refresh" in message
    finally:
        spark.sql("drop database if exists delete_step_test cascade")
