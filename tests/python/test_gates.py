"""Gates that hold: write-audit-publish, the load's refusal, a seed that stops part-way, as_of.

- a build whose gates fail leaves the marts of the last good build in place, and records
  itself as failed in audit.audit_builds (test_audit.py proves it on the dirty export too,
  with the rejected-share gate per file just under and just over its bound);
- `velos load` (velos.pipeline.require_passed_build, which it calls before the loader) refuses
  marts written by a build that did not pass, saying why, and accepts those of one that did;
- a seed that fails on one file after the check pass leaves raw tables of two seed runs: the
  build refuses them with a message naming the tables, and builds nothing;
- the audit records the as_of date the rules were judged at.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from velos import settings
from velos.dbt import run_dbt
from velos.errors import VelosError
from velos.pipeline import MART_TABLES, RAW_TABLES, check_export, require_passed_build

pytestmark = pytest.mark.spark


def _mart_versions(spark: Any) -> dict[str, int]:
    return {
        table: spark.sql(f"describe history {table} limit 1").first()["version"]
        for table in MART_TABLES
    }


def _last_build(spark: Any) -> Any:
    return spark.sql("select * from audit.audit_builds order by finished_at desc limit 1").first()


@pytest.mark.after_readers(1)  # it fails a gate and rewrites marts behind dbt's back
def test_failing_gates_keep_the_marts_and_the_load_refuses_unproven_marts(
    spark: Any, demo_export: Path, build_export: Callable[[Path], float]
) -> None:
    seconds = build_export(demo_export)
    exported = settings.load(VELOS_DATA_DIR=demo_export)
    # the passing build: recorded with its as_of (the UTC date the build started), and the load
    # accepts it. A build that straddles midnight started the day before it finished.
    passed = _last_build(spark)
    # the dates in Spark's session time zone (UTC), not in this machine's local one
    days = spark.sql(
        f"select to_date(finished_at) as finished_on, to_date(finished_at - "
        f"make_dt_interval(0, 0, 0, {seconds:.3f})) as started_on from audit.audit_builds "
        f"where invocation_id = '{passed['invocation_id']}'"
    ).first()
    assert passed["as_of"] in {days["started_on"], days["finished_on"]}
    assert (passed["passed"], passed["gates_passed"], passed["gates_total"]) == (True, 3, 3)
    # every model of models/marts: the answer tables and the ML feature tables
    mart_models = list((Path(__file__).resolve().parents[2] / "models" / "marts").glob("*.sql"))
    assert passed["marts_written"] == len(mart_models) > len(MART_TABLES)
    as_of = spark.sql("select distinct as_of from audit.audit_row_reconciliation").collect()
    assert [row["as_of"] for row in as_of] == [passed["as_of"]]
    assert "every gate passed" in require_passed_build()

    # a gate fails (scorecard thresholds above 100 %): the marts are not replaced
    before = _mart_versions(spark)
    strict = {"scorecard_thresholds": dict.fromkeys(
        ("completeness", "validity", "consistency", "accuracy"), 100.01)}  # fmt: skip
    with pytest.raises(VelosError, match="audit_quality_scorecard_no_dimension_under_threshold"):
        run_dbt(["build", "--select", "audit_quality_scorecard+"], vars=strict, settings=exported)
    assert _mart_versions(spark) == before
    failed = _last_build(spark)
    assert (failed["passed"], failed["marts_written"]) == (False, 0)
    # the marts in place are still those of the build that passed: the load takes them
    assert "every gate passed" in require_passed_build()

    # a mart changed behind dbt's back (after the last recorded build): refused
    spark.sql("insert into marts.top_model_by_store select * from marts.top_model_by_store limit 1")
    with pytest.raises(
        VelosError, match=r"marts\.top_model_by_store was written at .* after the last"
    ):
        require_passed_build()

    # a mart written by a run that skipped the gates: the load refuses it, saying why
    run_dbt(["run", "--select", "purchases_by_city"], settings=exported)
    with pytest.raises(VelosError) as refused:
        require_passed_build()
    message = str(refused.value)
    assert "did not pass (only 0 of its 3 gate tests ran and passed)" in message
    assert "`dbt run`" in message and "Nothing was loaded into Cassandra" in message


def _seed_runs(spark: Any) -> dict[str, str]:
    runs = {}
    for table in RAW_TABLES:
        properties = {
            row["key"]: row["value"] for row in spark.sql(f"show tblproperties {table}").collect()
        }
        runs[table] = properties.get("velos.seed_invocation", "")
    return runs


def test_a_seed_that_stops_part_way_is_refused_by_the_build(
    spark: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from velos.generate import generate

    first = tmp_path_factory.mktemp("seed-first")
    generate(first, order_lines=200, seed=3, progress=False)
    run_dbt(["seed", "--quiet"], settings=settings.load(VELOS_DATA_DIR=first))
    one_run = _seed_runs(spark)
    assert len(set(one_run.values())) == 1 and "" not in one_run.values()

    second = tmp_path / "second"
    shutil.copytree(first, second)
    check_export(settings.load(VELOS_DATA_DIR=second))  # the four files pass the check...
    (second / "orders.csv").unlink()  # ...then one fails while they are loaded
    with pytest.raises(VelosError, match="orders"):
        run_dbt(["seed", "--quiet"], settings=settings.load(VELOS_DATA_DIR=second))
    mixed = _seed_runs(spark)
    assert mixed["raw.orders"] == one_run["raw.orders"]
    assert len({mixed[t] for t in RAW_TABLES if t != "raw.orders"}) == 1
    assert mixed["raw.bikes"] != one_run["raw.bikes"]

    def staged_version() -> Any:
        if not spark.catalog.tableExists("staging.stg_bikes"):
            return None
        return spark.sql("describe history staging.stg_bikes limit 1").first()["version"]

    before = staged_version()
    with pytest.raises(VelosError) as refused:
        run_dbt(["build", "--select", "stg_bikes"], settings=settings.load(VELOS_DATA_DIR=second))
    message = str(refused.value)
    assert "the raw tables come from different `dbt seed` runs" in message
    assert f"raw.orders from seed run {one_run['raw.orders']}" in message
    assert "run `dbt seed` (or `velos run`) again" in message
    assert staged_version() == before  # nothing was built
