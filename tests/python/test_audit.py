"""The cleaning and the audit, proven end to end on Spark.

Three inputs, each seeded and built once through dbt in this process:
- ``velos generate --dirty`` output: for every defect kind, audit_defect_counts equals the
  manifest's count, the quarantined lines are exactly the manifest's lines, every line is
  reconciled, the clean tables equal the clean export of the same seed, and the build fails on
  the scorecard threshold only (data defects under threshold only warn, with their counts);
- the generated demo data in seeds/: nothing rejected, everything reconciled, scorecard 100 %;
- the real export (skipped when absent): all 15,644 order lines clean.
And a model's not-null rules, one test per model: nulls written into a mart fail the rule of
each column, named with its own count.

The tables are read right after each build, so the tests do not depend on their order.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from dbt_nodes import build_exclusions

from velos.settings import find_project
from velos.settings import load as load_settings

PROJECT_DIR = find_project(Path(__file__).parent)

pytestmark = pytest.mark.spark

DIRTY_SEED = 42
DIRTY_ORDER_LINES = 3_000
REAL_ORDER_LINES = 15_644
FILES = ("bikes.csv", "bikeshops.csv", "customers.csv", "orders.csv")
CLEAN_TABLES = {
    "bikes.csv": "intermediate.int_bikes_clean",
    "bikeshops.csv": "intermediate.int_bikeshops_clean",
    "customers.csv": "intermediate.int_customers_clean",
    "orders.csv": "intermediate.int_order_lines_clean",
}
AUDIT_TABLES = (
    "audit.audit_rejected_rows",
    "audit.audit_row_reconciliation",
    "audit.audit_defect_counts",
    "audit.audit_quality_scorecard",
)
SCORECARD_TEST = "audit_quality_scorecard_no_dimension_under_threshold"
REJECTED_SHARE_TEST = "audit_rejected_share_within_bound"


# -- helpers ---------------------------------------------------------------------------------
def snapshot(spark: Any) -> dict[str, list[dict[str, Any]]]:
    """Every audit and clean table, as lists of dicts (read right after a build)."""
    return {
        table: [row.asDict() for row in spark.table(table).collect()]
        for table in (*AUDIT_TABLES, *CLEAN_TABLES.values())
    }


def data_lines(path: Path) -> int:
    """Data lines of an export file (no trailing newline, header excluded)."""
    return path.read_bytes().count(b"\n")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def us_date(text: str) -> date:
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def expected_clean_rows(folder: Path) -> dict[str, dict[int | tuple[int, int], tuple]]:
    """The clean tables of a clean export, recomputed in plain Python, by key."""
    bikes = {
        int(r["bike.id"]): (r["model"], r["category1"], r["category2"], r["frame"],
                            Decimal(r["price"]).quantize(Decimal("0.01")), False, False)
        for r in read_csv(folder / "bikes.csv")
    }  # fmt: skip
    shops = {
        int(r["bikeshop.id"]): (r["bikeshop.name"], r["bikeshop.city"], r["bikeshop.state"],
                                float(r["latitude"]), float(r["longitude"]), False)
        for r in read_csv(folder / "bikeshops.csv")
    }  # fmt: skip
    customers = {
        int(r["customer.id"]): (r["first.name"], r["last.name"], r["gender"],
                                us_date(r["birth.date"]), r["city"], r["state"],
                                us_date(r["signup.date"]), int(r["bikeshop.id"]), False, False)
        for r in read_csv(folder / "customers.csv")
    }  # fmt: skip
    orders = {
        (int(r["order.id"]), int(r["order.line"])): (us_date(r["order.date"]),
                                                    int(r["customer.id"]), int(r["product.id"]),
                                                    int(r["quantity"]))
        for r in read_csv(folder / "orders.csv")
    }  # fmt: skip
    return {"bikes.csv": bikes, "bikeshops.csv": shops, "customers.csv": customers,
            "orders.csv": orders}  # fmt: skip


def actual_clean_rows(tables: dict[str, list[dict[str, Any]]]) -> dict[str, dict[Any, tuple]]:
    """The clean tables built by dbt, in expected_clean_rows' shape."""
    out: dict[str, dict[Any, tuple]] = {}
    for file, table in CLEAN_TABLES.items():
        rows: dict[Any, tuple] = {}
        for row in tables[table]:
            values = list(row.values())
            key: Any = (values[0], values[1]) if file == "orders.csv" else values[0]
            rest = values[2:] if file == "orders.csv" else values[1:]
            assert key not in rows, f"{table}: duplicate key {key}"
            rows[key] = tuple(rest)
        out[file] = rows
    return out


def invoke_dbt(args: list[str], data_dir: Path, **extra_vars: Any) -> Any:
    """Run dbt in this process on ``data_dir`` and return the dbtRunnerResult (never raises).

    The export comes as a plain `dbt` command takes it, VELOS_DATA_DIR."""
    import yaml
    from dbt.cli.main import dbtRunner

    from velos.dbt import dbt_environment

    command = [*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if extra_vars:
        command += ["--vars", yaml.safe_dump(extra_vars, default_flow_style=True)]
    with dbt_environment({"VELOS_DATA_DIR": str(data_dir)}):
        return dbtRunner().invoke(command)


def mart_versions(spark: Any) -> dict[str, Any]:
    """The Delta version of each mart (None when it does not exist)."""
    from velos.pipeline import MART_TABLES

    return {
        table: spark.sql(f"describe history {table} limit 1").first()["version"]
        if spark.catalog.tableExists(table)
        else None
        for table in MART_TABLES
    }


def collect_outcomes(result: Any) -> dict[str, tuple[str, int | None, Any]]:
    """Test node name -> (status, failures, node)."""
    return {
        r.node.name: (str(r.status).lower().split(".")[-1], r.failures, r.node)
        for r in result.result.results
        if r.node.resource_type == "test"
    }


def generic_test(
    outcomes: dict[str, tuple[str, int | None, Any]], test: str, model: str, column: str
) -> tuple[str, int | None]:
    """(status, failures) of the generic `test` on `model`.`column`."""
    found = [
        (status, failures)
        for status, failures, node in outcomes.values()
        if getattr(node, "test_metadata", None) is not None
        and node.test_metadata.name == test
        and node.attached_node == f"model.velos.{model}"
        and node.column_name == column
    ]
    assert len(found) == 1, f"expected one {test} test on {model}.{column}, found {found}"
    return found[0]


# -- the dirty export -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dirty(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generate dirty + clean exports (same seed), seed and build the dirty one, snapshot it."""
    from velos.generate import generate

    folder = tmp_path_factory.mktemp("dirty-export")
    clean = tmp_path_factory.mktemp("clean-export")
    generate(folder, order_lines=DIRTY_ORDER_LINES, seed=DIRTY_SEED, dirty=True, progress=False)
    generate(clean, order_lines=DIRTY_ORDER_LINES, seed=DIRTY_SEED, progress=False)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    marts_before = mart_versions(spark)
    started = time.perf_counter()
    seeded = invoke_dbt(["seed", "--quiet"], folder)
    assert seeded.success, f"dbt seed failed on the dirty export: {seeded.exception}"
    # the build `velos run` makes, less the data-independent checks (conftest's build_export
    # sees it in audit_builds)
    built = invoke_dbt(["build", *build_exclusions(every_node=False)], folder)
    seconds = time.perf_counter() - started
    return {
        "marts_before": marts_before,
        "marts_after": mart_versions(spark),
        "build_record": spark.sql(
            "select * from audit.audit_builds order by finished_at desc limit 1"
        ).first(),
        "folder": folder,
        "clean": clean,
        "manifest": manifest,
        "result": built,
        "outcomes": collect_outcomes(built),
        "tables": snapshot(spark),
        "seconds": seconds,
    }


def test_dirty_defect_counts_equal_the_manifest(dirty: dict[str, Any]) -> None:
    counts = {
        (row["file"], row["kind"], row["outcome"]): row["count"]
        for row in dirty["tables"]["audit.audit_defect_counts"]
    }
    expected = {
        (defect["file"], defect["kind"], defect["outcome"]): defect["count"]
        for defect in dirty["manifest"]["defects"]
    }
    assert counts == expected


def test_dirty_quarantine_holds_exactly_the_manifest_lines(dirty: dict[str, Any]) -> None:
    rejected: dict[tuple[str, str], set[int]] = {}
    for row in dirty["tables"]["audit.audit_rejected_rows"]:
        rejected.setdefault((row["source_file"], row["rule"]), set()).add(row["line_number"])
        assert row["reason"] and row["raw_line"]
    expected = {
        (defect["file"], defect["kind"]): set(defect["lines"])
        for defect in dirty["manifest"]["defects"]
        if defect["outcome"] == "quarantined"
    }
    assert rejected == expected
    # and each raw line is the file's line, byte for byte
    for row in dirty["tables"]["audit.audit_rejected_rows"][:50]:
        lines = (dirty["folder"] / row["source_file"]).read_text(encoding="utf-8").split("\n")
        assert row["raw_line"] == lines[row["line_number"] - 1]


def test_dirty_reasons_name_the_offending_value(dirty: dict[str, Any]) -> None:
    reasons = {
        row["reason"]
        for row in dirty["tables"]["audit.audit_rejected_rows"]
        if row["rule"] == "quantity_out_of_range"
    }
    assert "quantity 0 is outside 1..100" in reasons or "quantity 101 is outside 1..100" in reasons
    assert all(reason.startswith("quantity ") for reason in reasons)


def test_dirty_every_line_is_reconciled(dirty: dict[str, Any]) -> None:
    by_kind = Counter()
    for defect in dirty["manifest"]["defects"]:
        by_kind[(defect["file"], defect["outcome"])] += defect["count"]
    rows = {row["source_file"]: row for row in dirty["tables"]["audit.audit_row_reconciliation"]}
    assert set(rows) == set(FILES)
    for file in FILES:
        row = rows[file]
        assert row["rows_read"] == dirty["manifest"]["files"][file]["lines"]
        assert row["rows_read"] == data_lines(dirty["folder"] / file)
        assert row["rows_read"] == (
            row["rows_clean"] + row["duplicates_removed"] + row["conflicts_resolved"]
            + row["rows_rejected"]
        )  # fmt: skip
        assert row["rows_clean"] == data_lines(dirty["clean"] / file)
        assert row["duplicates_removed"] == by_kind[(file, "removed_duplicate")]
        assert row["conflicts_resolved"] == by_kind[(file, "resolved_conflict")]
        assert row["rows_rejected"] == by_kind[(file, "quarantined")]


def test_dirty_clean_tables_equal_the_clean_export(dirty: dict[str, Any]) -> None:
    """Corrected values come back exactly; flagged rows differ only by the flag's effect."""
    expected = expected_clean_rows(dirty["clean"])
    actual = actual_clean_rows(dirty["tables"])
    flagged_keys: dict[str, set[int]] = {file: set() for file in FILES}
    for defect in dirty["manifest"]["defects"]:
        if defect["outcome"] == "flagged":
            lines = (dirty["folder"] / defect["file"]).read_text(encoding="utf-8").split("\n")
            for number in defect["lines"]:
                flagged_keys[defect["file"]].add(int(lines[number - 1].split(",")[0]))

    assert actual["orders.csv"] == expected["orders.csv"]  # no flag can touch an order line
    for file in ("bikes.csv", "bikeshops.csv", "customers.csv"):
        assert set(actual[file]) == set(expected[file]), file
        for key, row in expected[file].items():
            if key not in flagged_keys[file]:
                assert actual[file][key] == row, (file, key)
    # the flagged rows carry their flag
    bikes = {row["bike_id"]: row for row in dirty["tables"]["intermediate.int_bikes_clean"]}
    for key in flagged_keys["bikes.csv"]:
        assert bikes[key]["is_category2_missing"] or bikes[key]["is_frame_missing"]
    shops = {row["bikeshop_id"]: row for row in dirty["tables"]["intermediate.int_bikeshops_clean"]}
    for key in flagged_keys["bikeshops.csv"]:
        assert shops[key]["is_coordinates_outlier"]
        assert shops[key]["latitude"] is None and shops[key]["longitude"] is None
    clean_customers = dirty["tables"]["intermediate.int_customers_clean"]
    customers = {row["customer_id"]: row for row in clean_customers}
    for key in flagged_keys["customers.csv"]:
        row = customers[key]
        assert (
            row["is_gender_missing"]
            or row["is_birth_date_outlier"]
            or "Unknown" in (row["first_name"], row["last_name"], row["city"])
        ), row


def test_dirty_build_warns_with_counts_and_fails_only_over_threshold(dirty: dict[str, Any]) -> None:
    outcomes = dirty["outcomes"]
    failed = {name for name, (status, _, _) in outcomes.items() if status in ("fail", "error")}
    assert failed == {SCORECARD_TEST, REJECTED_SHARE_TEST}, failed
    # the rejected share is over max_rejected_pct (10 %) in bikes.csv and bikeshops.csv only
    assert outcomes[REJECTED_SHARE_TEST][1] == 2
    reconciliation = {
        row["source_file"]: row for row in dirty["tables"]["audit.audit_row_reconciliation"]
    }
    over = {file for file, row in reconciliation.items() if row["rejected_pct"] > 10.0}
    assert over == {"bikes.csv", "bikeshops.csv"}
    # the failure is the scorecard rows under their threshold, and only those
    scorecard = dirty["tables"]["audit.audit_quality_scorecard"]
    failing = [row for row in scorecard if row["status"] == "fail"]
    assert outcomes[SCORECARD_TEST][1] == 1  # accepted_values: one failing value, 'fail'
    assert failing and all(row["pct"] < row["threshold"] for row in failing)
    assert all(row["pct"] >= row["threshold"] for row in scorecard if row["status"] == "pass")
    # the shop file's completeness, recomputed from the manifest: 30 shops + extra lines
    count = {(d["file"], d["kind"]): d["count"] for d in dirty["manifest"]["defects"]}
    shops = next(
        row for row in scorecard
        if (row["table_name"], row["column_name"], row["dimension"])
        == ("bikeshops", "*", "completeness")
    )  # fmt: skip
    records = (
        dirty["manifest"]["files"]["bikeshops.csv"]["lines"]
        - count[("bikeshops.csv", "exact_duplicate")]
        - count[("bikeshops.csv", "key_conflict")]
    )
    missing = count[("bikeshops.csv", "missing_key")] + count[("bikeshops.csv", "missing_required")]
    assert (shops["checked"], shops["passed"]) == (records, records - missing)
    # data defects under threshold only warn, each with its count of lines
    expected_warnings = {
        ("accepted_range", "stg_order_lines", "quantity"): count[
            ("orders.csv", "quantity_out_of_range")
        ],
        ("accepted_range", "stg_order_lines", "order_date"): count[
            ("orders.csv", "order_date_out_of_range")
        ],
        ("relationships_with_threshold", "stg_order_lines", "bike_id"): count[
            ("orders.csv", "unknown_bike")
        ],
        ("relationships_with_threshold", "stg_order_lines", "customer_id"): count[
            ("orders.csv", "unknown_customer")
        ],
        ("relationships_with_threshold", "stg_customers", "bikeshop_id"): count[
            ("customers.csv", "unknown_bikeshop")
        ],
    }
    for (test, model, column), failures in expected_warnings.items():
        assert generic_test(outcomes, test, model, column) == ("warn", failures)
    rejected = Counter(row["source_file"] for row in dirty["tables"]["audit.audit_rejected_rows"])
    for model, file in (("stg_order_lines", "orders.csv"), ("stg_bikes", "bikes.csv")):
        status, failures, _ = outcomes[f"{model}_rejected_lines"]
        # staging rejections only: orphans are rejected later, in intermediate
        orphans = sum(
            count.get((file, kind), 0)
            for kind in ("unknown_bike", "unknown_customer", "unknown_bikeshop")
        )
        assert (status, failures) == ("warn", rejected[file] - orphans)


def test_dirty_failing_gates_keep_the_last_good_marts(dirty: dict[str, Any]) -> None:
    """Write-audit-publish: the gates failed, so no mart was replaced (none was written)."""
    assert dirty["marts_after"] == dirty["marts_before"]
    record = dirty["build_record"]
    assert (record["command"], record["passed"], record["marts_written"]) == ("build", False, 0)
    assert set(record["failures"].split(", ")) == {SCORECARD_TEST, REJECTED_SHARE_TEST}
    assert record["gates_total"] == 3 and record["gates_passed"] == 1  # the reconciliation


def test_rejected_share_gate_per_file_just_under_and_just_over(dirty: dict[str, Any]) -> None:
    """Each file's exact rejected share, with the bound 0.0001 % under and at it."""
    reconciliation = dirty["tables"]["audit.audit_row_reconciliation"]
    shares = sorted(
        (100 * Fraction(row["rows_rejected"], row["rows_read"]), row["source_file"])
        for row in reconciliation
    )
    assert len({share for share, _ in shares}) == 4  # distinct, so failures name the files
    for share, file in shares:
        for bound, expected in (
            (float(share) - 0.0001, sum(1 for other, _ in shares if other >= share)),
            (float(share) + 0.0000001, sum(1 for other, _ in shares if other > share)),
        ):
            result = invoke_dbt(
                ["test", "--select", REJECTED_SHARE_TEST], dirty["folder"], max_rejected_pct=bound
            )
            (outcome,) = [r for r in result.result.results if r.node.resource_type == "test"]
            failures = outcome.failures or 0
            assert failures == expected, (file, float(share), bound, failures)
            assert outcome.status == ("fail" if expected else "pass")


# -- the generated demo data (seeds/) ---------------------------------------------------------
@pytest.fixture(scope="module")
def demo(spark: Any, demo_export: Path, build_export: Any) -> dict[str, Any]:
    seconds = build_export(demo_export)
    return {"tables": snapshot(spark), "seconds": seconds}


def test_demo_nothing_rejected_and_everything_reconciled(
    demo: dict[str, Any], demo_export: Path
) -> None:
    tables = demo["tables"]
    assert tables["audit.audit_rejected_rows"] == []
    assert tables["audit.audit_defect_counts"] == []
    for row in tables["audit.audit_row_reconciliation"]:
        lines = data_lines(demo_export / row["source_file"])
        assert (row["rows_read"], row["rows_clean"]) == (lines, lines), row
        assert row["duplicates_removed"] == row["conflicts_resolved"] == row["rows_rejected"] == 0


def test_demo_scorecard_is_100_percent(demo: dict[str, Any]) -> None:
    scorecard = demo["tables"]["audit.audit_quality_scorecard"]
    dimensions = {(row["table_name"], row["dimension"]) for row in scorecard}
    tables = ("bikes", "bikeshops", "customers", "order_lines")
    dims = ("completeness", "validity", "consistency", "accuracy")
    assert dimensions == {(table, dimension) for table in tables for dimension in dims}
    not_full = [row for row in scorecard if row["checked"] and row["pct"] != 100]
    assert not_full == []
    assert {row["status"] for row in scorecard} == {"pass", "info"}


# -- the real export ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(spark: Any, real_export: Path, build_export: Any) -> dict[str, Any]:
    seconds = build_export(real_export)
    return {"tables": snapshot(spark), "seconds": seconds}


def test_real_export_every_order_line_is_clean(real: dict[str, Any]) -> None:
    tables = real["tables"]
    assert len(tables["intermediate.int_order_lines_clean"]) == REAL_ORDER_LINES
    assert tables["audit.audit_rejected_rows"] == []
    for row in tables["audit.audit_row_reconciliation"]:
        assert row["rows_read"] == row["rows_clean"], row
    orders = next(
        row for row in tables["audit.audit_row_reconciliation"]
        if row["source_file"] == "orders.csv"
    )  # fmt: skip
    assert orders["rows_read"] == REAL_ORDER_LINES
    # the one-customer-per-shop file has no gender nor last name: flagged, never rejected
    counts = {
        (row["file"], row["kind"], row["outcome"]): row["count"]
        for row in tables["audit.audit_defect_counts"]
    }
    assert counts == {
        ("customers.csv", "gender_missing", "flagged"): 30,
        ("customers.csv", "missing_descriptive", "flagged"): 30,
    }
    assert "fail" not in {row["status"] for row in tables["audit.audit_quality_scorecard"]}


# -- the not-null rules, one query per model -----------------------------------------------------
@pytest.mark.after_readers(3)  # it writes nulls into a mart (and restores it) behind dbt's back
def test_each_not_null_rule_fails_on_its_own_column_with_its_count(
    spark: Any, demo_export: Path, build_export: Any
) -> None:
    """A model's not-null rules run as one test (not_null_columns); a null still fails the
    rule of its column, and the error names each failing column with its own count."""
    from velos.dbt import run_dbt
    from velos.errors import VelosError

    exported = load_settings(VELOS_DATA_DIR=demo_export)
    table = "marts.dim_bikes"
    if not spark.catalog.tableExists(table):  # alone: after the other tests it exists
        build_export(demo_export)
    version = spark.sql(f"describe history {table} limit 1").first()["version"]
    ids = [row["bike_id"] for row in spark.sql(f"select bike_id from {table} order by 1").take(3)]
    try:
        spark.sql(f"update {table} set frame = null where bike_id in ({ids[0]}, {ids[1]})")
        spark.sql(f"update {table} set price_tier = null where bike_id = {ids[2]}")
        with pytest.raises(VelosError) as raised:
            run_dbt(["test", "--select", "not_null_dim_bikes"], settings=exported)
        assert str(raised.value) == (
            "dbt test failed: not_null_dim_bikes: Got 3 results, configured to fail if != 0"
            " (nulls per column: frame 2, price_tier 1)"
        )
    finally:
        spark.sql(f"restore table {table} to version as of {version}")
    # restored: the same rule passes again
    results = run_dbt(["test", "--select", "not_null_dim_bikes"], settings=exported)
    tests = [(r.node.name, r.failures) for r in results.results if r.node.resource_type == "test"]
    assert tests == [("not_null_dim_bikes", 0)]
