"""`velos run`: the whole pipeline in one process, on one SparkSession.

check -> seed -> build -> segment -> report -> load. Each step prints one line with its counts and
seconds. Later stages (ML, serving) slot in as further steps. The plain `dbt seed` /
`dbt build` commands keep working on their own: this module only sequences them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from velos import console
from velos.dbt import run_dbt, status_of
from velos.errors import VelosError
from velos.settings import Settings
from velos.spark import get_session, warm_catalog

EXPORT_FILES = ("bikes.csv", "bikeshops.csv", "orders.csv", "customers.csv")
RAW_TABLES = tuple(f"raw.{name.removesuffix('.csv')}" for name in EXPORT_FILES)
MART_TABLES = (
    "marts.dim_customers",
    "marts.dim_bikes",
    "marts.dim_bikeshops",
    "marts.dim_date",
    "marts.fct_order_lines",
    "marts.purchases_by_gender",
    "marts.purchases_by_city",
    "marts.model_city_histogram",
    "marts.top_model_by_store",
)
STEPS = ("check", "seed", "build", "segment", "report", "load")
# what decides how Spark splits a file into partitions, hence the profile's per-partition counts
SPLIT_SETTINGS = (
    "spark.sql.files.maxPartitionBytes",
    "spark.sql.files.openCostInBytes",
    "spark.sql.files.minPartitionNum",
)


def export_fingerprints(settings: Settings) -> str:
    """Each export file's identity now, as JSON for the seed macros (file_findings.sql).

    The check step's profile of a file is reused by the seed step only when the two
    fingerprints are equal: same path, size, modification and change times and inode, read
    with the same split settings. Starts the session with ``settings`` if none runs yet
    (`velos check` on its own), as dbt's would be.
    """
    folder = settings.data_dir
    spark = get_session(settings)
    splits = [str(spark.conf.get(key, None)) for key in SPLIT_SETTINGS]
    splits.append(str(spark.sparkContext.defaultParallelism))
    prints = {}
    for name in EXPORT_FILES:
        path = folder / name
        try:
            stat = path.stat()
        except OSError:  # no fingerprint, no reuse: the seed reports what is wrong
            continue
        identity = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_dev, stat.st_ino)
        prints[name] = "|".join([str(path), *map(str, identity), *map(str, splits)])
    return json.dumps(prints)


def check_export(settings: Settings) -> Path:
    """Stop before anything is written when a file of the export is missing or unusable.

    Presence is checked here; the per-file checks (empty, header, encoding) are the seed
    loader's own, run in check-only mode over all four files before any is loaded. Returns
    the folder checked.
    """
    data_dir = settings.data_dir
    if not data_dir.is_dir():
        raise VelosError(f"{data_dir}: no such folder. Point --data at the folder of the export.")
    missing = [name for name in EXPORT_FILES if not (data_dir / name).exists()]
    missing = [name for name in missing if not (data_dir / name).is_symlink()]
    if missing:
        raise VelosError(
            f"{data_dir}: missing {', '.join(missing)}. The export is four files: "
            f"{', '.join(EXPORT_FILES)} (see seeds/README.md)."
        )
    for name in EXPORT_FILES:
        problem = _file_problem(data_dir / name)
        if problem:
            raise VelosError(f"{data_dir / name}: {problem}")
    # the metastore boots while dbt parses (in velos run, the spark step has started it)
    warm_catalog(get_session(settings))
    # environment variables, not vars: the seed after this reuses dbt's parse of the project
    check_only = {
        "VELOS_CHECK_ONLY": "1",
        "VELOS_EXPORT_FINGERPRINTS": export_fingerprints(settings),
    }
    run_dbt(["seed", "--quiet"], settings=settings, environment=check_only)
    return data_dir


def seed_export(settings: Settings) -> dict[str, int]:
    """Write the four raw tables from the export; return the rows each holds.

    The files' fingerprints let each seed reuse the profile the check step took of its file
    in this session, when the file has not changed since.
    """
    fingerprints = {"VELOS_EXPORT_FINGERPRINTS": export_fingerprints(settings)}
    return _seeded_rows(run_dbt(["seed", "--quiet"], settings=settings, environment=fingerprints))


def _file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an export file (with what to do), or None."""
    if path.is_symlink() and not path.exists():
        return (
            f"a broken symbolic link (to {os.readlink(path)}, which does not exist). "
            "Point it at the export file, or copy the file in its place."
        )
    if path.is_dir():
        return "a folder, not a file. Put the export file itself at this path."
    if not path.is_file():
        return "not a regular file (a device or a pipe). Copy the export file to this path."
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        return (
            f"cannot be read ({error.strerror}). Give the user running velos read access, "
            f"e.g. `chmod a+r '{path}'`, and run again."
        )
    return None


def _row_counts(tables: Iterable[str]) -> dict[str, int]:
    spark = get_session()
    return {
        table: spark.table(table).count() for table in tables if spark.catalog.tableExists(table)
    }


def _seeded_rows(results: Any) -> dict[str, int]:
    """The rows each seed wrote, from its node's result (the seed materialization puts them
    there): counting the fresh tables again cost seconds of every run."""
    written = {
        f"raw.{node_result.node.name}": int(node_result.adapter_response["rows_affected"])
        for node_result in results.results
        if node_result.node.resource_type == "seed"  # not the project's hooks
    }
    return {table: written[table] for table in RAW_TABLES if table in written}


def _describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table.split('.')[-1]} {rows:,}" for table, rows in counts.items())


def _build_summary(results: Any) -> str:
    statuses = Counter(
        (str(node_result.node.resource_type.value), status_of(node_result))
        for node_result in results.results
    )
    models = sum(n for (kind, _), n in statuses.items() if kind == "model")
    tests: Counter[str] = Counter()
    for (kind, status), n in statuses.items():
        if kind in ("test", "unit_test"):
            tests[status] += n
    counted = ", ".join(f"{n} {s}" for s, n in sorted(tests.items())) or "none"
    return f"{models} model{'' if models == 1 else 's'}, tests: {counted}"


def print_audit() -> None:
    """Print the row reconciliation and the quality scorecard built by the audit models.

    The scorecard is shortened to one line per table and dimension, plus every column check
    that is not a pass: the full table is audit.audit_quality_scorecard (and the report).
    """
    spark = get_session()
    for table, title, condition in (
        ("audit.audit_row_reconciliation", "Row reconciliation (every input line accounted for)",
         "true"),
        ("audit.audit_quality_scorecard", "Quality scorecard (per table; failing columns)",
         "column_name = '*' or status not in ('pass', 'info')"),
    ):  # fmt: skip
        if not spark.catalog.tableExists(table):
            continue
        frame = spark.table(table).where(condition)
        rows = frame.collect()
        console.say(f"{title}: {table}")
        console.table(frame.columns, [tuple(row) for row in rows])


def segment(settings: Settings) -> None:
    """The MLlib step: segments, profiles, classifier and forecast from the built marts."""
    from velos.ml import run_segment

    with console.step("segment") as info:
        info["counts"] = str(run_segment(get_session(settings), settings, say=console.say))


def require_passed_build(settings: Settings | None = None) -> str:
    """Refuse to publish marts that do not come from a build whose gates all passed.

    audit.audit_builds (written by every `dbt build`, see macros/audit/record_build.sql)
    names the last build that wrote the marts; each mart must be no newer than that record,
    so a mart written by anything unrecorded is refused too. Returns a line naming the build.
    """
    spark = get_session(settings)
    fix = (
        "Fix the input (audit.audit_rejected_rows, audit.audit_quality_scorecard) and build again."
    )
    if not spark.catalog.tableExists("audit.audit_builds"):
        raise VelosError(
            "no build is recorded (audit.audit_builds is missing), so the marts cannot be "
            "trusted: run `velos run` (or `dbt build`) first. Nothing was loaded."
        )
    build = spark.sql(
        "select * from audit.audit_builds where marts_written > 0 order by finished_at desc limit 1"
    ).first()
    if build is None:
        raise VelosError(f"no recorded build wrote the marts. Nothing was loaded. {fix}")
    when = f"{build.finished_at:%Y-%m-%d %H:%M:%S} UTC"
    if not build.passed:
        why = (
            f"failed: {build.failures}"
            if build.failures
            else f"only {build.gates_passed} of its {build.gates_total} gate tests ran and passed"
        )
        raise VelosError(
            f"the marts come from the `dbt {build.command}` of {when} (as_of {build.as_of}), "
            f"which did not pass ({why}). Nothing was loaded into Cassandra. {fix}"
        )
    for table in MART_TABLES:
        if not spark.catalog.tableExists(table):
            raise VelosError(f"{table} does not exist: run `velos run` first. Nothing was loaded.")
        written = spark.sql(f"describe history {table} limit 1").collect()[0]["timestamp"]
        if written > build.finished_at:
            raise VelosError(
                f"{table} was written at {written:%Y-%m-%d %H:%M:%S} UTC, after the last "
                f"recorded build ({when}): it was not built by a build that passed its gates. "
                "Nothing was loaded. Run `velos run` (or `dbt build`) again."
            )
    return f"marts of the build of {when} (as_of {build.as_of}; every gate passed)"


def run(settings: Settings, *, skip: Iterable[str] = ()) -> None:
    """Run the pipeline's steps in order, skipping those named in ``skip``.

    The export read is ``settings.data_dir`` (``--data``, else VELOS_DATA_DIR, else seeds/).
    """
    skip = set(skip)
    unknown = skip - set(STEPS)
    if unknown:
        raise VelosError(f"unknown step(s) to skip: {', '.join(sorted(unknown))}; steps: {STEPS}")
    folder = settings.data_dir

    with console.step("spark") as info:
        spark = get_session(settings)
        warm_catalog(spark)  # boots the metastore while dbt parses the project
        info["counts"] = f"Spark {spark.version}, master {spark.sparkContext.master}"

    if "check" not in skip:
        with console.step("check") as info:
            check_export(settings)
            info["counts"] = f"4 files in {folder} match the contract"

    if "seed" not in skip:
        with console.step("seed") as info:
            info["counts"] = _describe_counts(seed_export(settings)) + " raw rows"

    if "build" not in skip:
        with console.step("build") as info:
            try:
                results = run_dbt(["build", "--exclude", "resource_type:seed"], settings=settings)
            except VelosError:
                # the audit tables are written before the threshold tests fail: show them
                print_audit()
                raise
            info["counts"] = _build_summary(results)
        print_audit()
        console.say("marts: " + _describe_counts(_row_counts(MART_TABLES)))

    if "segment" not in skip:
        segment(settings)

    if "report" not in skip:
        with console.step("report") as info:
            from velos.report import write_report

            path = write_report(spark, settings)
            info["counts"] = f"written to {path}"

    if "load" not in skip:
        from loaders import load_marts
        from loaders.node import ensure_running

        config = settings.cassandra_config()
        with console.step("gates") as info:
            info["counts"] = require_passed_build(settings)
        with console.step("cassandra") as info:
            started = ensure_running(config, settings.cassandra_nodes())
            info["counts"] = (
                f"nothing answered at {config.where}: started the local node (velos cassandra stop)"
                if started
                else f"using the node that answers at {config.where}"
            )
        with console.step("load") as info:
            report = load_marts(spark, config)
            info["counts"] = str(report)

    console.say(f"done. Warehouse: {settings.warehouse_dir}")
