"""Benchmark of a whole `velos run`, stage by stage, against the physical floor of the same run.

Each variant runs in a child process of its own, from a cold start (new interpreter, new JVM,
a fresh VELOS_HOME), on the demo data (seeds/), the stages of `velos run` in order:

  check    the four files checked, nothing written           (velos.pipeline.check_export)
  seed     the four raw tables written                        (dbt seed)
  build    every model, data test and unit test               (dbt build, as `velos run`)
           split from dbt's run_results into models and tests: node count, the time at least
           one node of the kind was running (overlaps count once), the median node
  report   the HTML report and its PNG charts                 (velos.report.write_report)
  load     the marts into Cassandra, only with --load         (loaders.cassandra.load_marts)

For each stage: wall seconds, the SQL statements sent to Spark (every `SparkSession.sql` call:
all of dbt's queries) and the Spark jobs run. The floor is the median time of one trivial query,
`select count(*) from t where k is null` over a 15,000-row Delta table (and, for reference, the
same over Parquet), in the same session; the build is reported as a multiple of
statements x floor: what the build would cost if each statement cost one trivial Delta query.

Variants (same run, same machine, one after the other: each is a whole cold run):
  current  profiles.yml as committed
  no-archive  current without the class archive of `make setup` (velos/class_archive.py): the
           JVM reads and verifies Spark's classes from the jars, as before it
  small-codegen-cache  current with Spark's default of 100 compiled query classes kept, not
           10,000 (VELOS_CODEGEN_CACHE_ENTRIES): a query shape seen before is compiled again
  stock    the settings the project had before: dbt threads 1, Delta's default 50 snapshot
           partitions, no cache for the tests, no class archive, 100 compiled classes kept
           (the same code otherwise)
  no-cache current without the cache for the tests (macros/cache/cache_for_tests.sql)

Run: ``.venv/bin/python benchmarks/bench_build.py [--variants current stock ...] [--load]``
(default: current small-codegen-cache stock)
It prints the table and writes it into BENCHMARKS.md between the bench_build markers, with the
load average before and after (a busy machine shows there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks_md import write_section

PROJECT_DIR = Path(__file__).resolve().parent.parent
VARIANTS: dict[str, dict[str, str]] = {
    "current": {},
    "no-archive": {"VELOS_CLASS_ARCHIVE": "0"},
    "stock": {
        "VELOS_THREADS": "1",
        "VELOS_DELTA_SNAPSHOT_PARTITIONS": "50",
        "VELOS_CACHE_TABLES": "0",
        "VELOS_CLASS_ARCHIVE": "0",
        "VELOS_CODEGEN_CACHE_ENTRIES": "100",
    },
    "no-cache": {"VELOS_CACHE_TABLES": "0"},
    "small-codegen-cache": {"VELOS_CODEGEN_CACHE_ENTRIES": "100"},
}
FLOOR_ROWS = 15_000
FLOOR_REPEAT = 7


# -- child: one cold run ----------------------------------------------------------------------
PHASES = ("parsing", "analysis", "optimization", "planning")


class Counters:
    """SQL statements sent through SparkSession.sql and Spark jobs run, read at stage bounds.

    Each statement's DataFrame is kept until the stage ends, to read Spark's own timings of
    its phases (QueryExecution.tracker: parsing, analysis (where Delta loads the snapshot),
    optimization (where Delta lists the files of a scan), planning); the rest of the seconds
    spent in `sql()` and `collect()` is execution (jobs, writes, commits).
    """

    def __init__(self, spark: Any) -> None:
        from pyspark.sql import SparkSession
        from pyspark.sql.classic.dataframe import DataFrame

        self.spark = spark
        self.statements = 0
        self.frames: list[Any] = []
        self.seconds = 0.0
        sql, collect = SparkSession.sql, DataFrame.collect

        def counted_sql(session: Any, *args: Any, **kwargs: Any) -> Any:
            self.statements += 1
            started = time.perf_counter()
            frame = sql(session, *args, **kwargs)
            self.seconds += time.perf_counter() - started
            self.frames.append(frame)
            return frame

        def timed_collect(frame: Any) -> Any:
            started = time.perf_counter()
            try:
                return collect(frame)
            finally:
                self.seconds += time.perf_counter() - started

        SparkSession.sql = counted_sql  # type: ignore[method-assign, assignment]
        DataFrame.collect = timed_collect  # type: ignore[method-assign, assignment]

    def phases(self) -> dict[str, float]:
        """Seconds per phase over the statements since the last call; then forget them."""
        totals = dict.fromkeys(PHASES, 0.0)
        for frame in self.frames:
            tracked = frame._jdf.queryExecution().tracker().phases()
            for phase in PHASES:
                if tracked.contains(phase):
                    totals[phase] += tracked.apply(phase).durationMs() / 1000
        totals["execution and the rest"] = max(0.0, self.seconds - sum(totals.values()))
        self.frames, self.seconds = [], 0.0
        return totals

    def jobs(self) -> int:
        # job ids are sequential: the newest one is the number of jobs run so far
        ids = self.spark.sparkContext.statusTracker().getJobIdsForGroup()
        return max(ids) + 1 if ids else 0

    def snapshot(self) -> tuple[int, int]:
        return self.statements, self.jobs()


def _median_query_seconds(spark: Any, query: str) -> float:
    for _ in range(2):  # warm-up
        spark.sql(query).collect()
    times = []
    for _ in range(FLOOR_REPEAT):
        started = time.perf_counter()
        spark.sql(query).collect()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _floor(spark: Any) -> dict[str, float]:
    """Median seconds of one trivial query on a small Delta table, cached, and on Parquet."""
    spark.sql("create database if not exists bench_floor")
    floors = {}
    for fmt in ("delta", "parquet"):
        table = f"bench_floor.k_{fmt}"
        spark.sql(f"drop table if exists {table}")  # Parquet tables cannot be replaced
        spark.sql(
            f"create table {table} using {fmt} as "
            f"select id as k, id * 2 as v from range({FLOOR_ROWS})"
        )
        query = f"select count(*) from {table} where k is null"
        floors[fmt] = _median_query_seconds(spark, query)
        if fmt == "delta":  # what a data test costs on a table the build cached
            spark.sql(f"cache lazy table {table}")
            floors["delta_cached"] = _median_query_seconds(spark, query)
            spark.sql(f"uncache table {table}")
    return floors


def _busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of [start, end) intervals: time when at least one ran."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def _build_split(results: Any) -> dict[str, dict[str, float]]:
    split: dict[str, dict[str, Any]] = {}
    for node_result in results.results:
        kind = str(node_result.node.resource_type.value)
        kind = "tests" if kind in ("test", "unit_test") else f"{kind}s"
        times = [t for t in node_result.timing if t.started_at and t.completed_at]
        entry = split.setdefault(kind, {"nodes": 0, "intervals": [], "durations": []})
        entry["nodes"] += 1
        entry["durations"].append(node_result.execution_time)
        if times:
            entry["intervals"].append(
                (min(t.started_at for t in times).timestamp(),
                 max(t.completed_at for t in times).timestamp())
            )  # fmt: skip
    return {
        kind: {
            "nodes": entry["nodes"],
            "busy_s": _busy_seconds(entry["intervals"]),
            "median_node_s": statistics.median(entry["durations"]),
        }
        for kind, entry in split.items()
        if kind in ("models", "tests")
    }


def child(load: bool) -> dict[str, Any]:
    """Run the stages in this process (a cold start) and return the figures."""
    from velos import settings as settings_module

    settings = settings_module.load()
    from velos.dbt import run_dbt
    from velos.pipeline import check_export, seed_export
    from velos.spark import get_session, warm_catalog

    started = time.perf_counter()
    spark = get_session(settings)
    warm_catalog(spark)  # as `velos run` does
    out: dict[str, Any] = {"spark_start_s": time.perf_counter() - started, "stages": {}}
    counters = Counters(spark)
    out["floor_s"] = _floor(spark)

    def stage(name: str, action: Any) -> Any:
        counters.phases()  # forget the statements before this stage
        statements, jobs = counters.snapshot()
        begun = time.perf_counter()
        value = action()
        seconds = time.perf_counter() - begun
        after = counters.snapshot()
        out["stages"][name] = {
            "seconds": seconds,
            "statements": after[0] - statements,
            "jobs": after[1] - jobs,
            "phases": counters.phases(),
        }
        print(f"[bench] {name:<7} {seconds:7.1f} s", file=sys.stderr, flush=True)
        return value

    stage("check", lambda: check_export(settings))
    stage("seed", lambda: seed_export(settings))
    build = ["build", "--exclude", "resource_type:seed"]
    results = stage("build", lambda: run_dbt(build, settings=settings))
    out["build_split"] = _build_split(results)
    from velos.report import write_report

    stage("report", lambda: write_report(spark, settings))
    if load:
        from loaders import load_marts
        from loaders.node import ensure_running, ring

        config, nodes = settings.cassandra_config(), settings.cassandra_nodes()
        node_started = ensure_running(config, nodes)
        try:
            stage("load", lambda: load_marts(spark, config, progress=False))
        finally:
            if node_started:
                ring.stop(nodes)
    return out


# -- parent: one child per variant, then the table ------------------------------------------
def run_variant(name: str, load: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"velos-bench-build-{name}-") as home:
        env = {**os.environ, **VARIANTS[name], "VELOS_HOME": home}
        env.setdefault("VELOS_JARS", str(PROJECT_DIR / ".velos" / "jars"))
        command = [sys.executable, __file__, "--child", *(["--load"] if load else [])]
        started = time.perf_counter()
        # stdout carries dbt's log and, last, the figures; stderr (progress) goes to the terminal
        done = subprocess.run(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True)
        whole = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:])
        raise SystemExit(f"variant {name} failed (exit {done.returncode})")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["whole_s"] = whole
    return figures


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    names = list(results)
    lines = [
        "| stage | " + " | ".join(f"{n}: s | statements | jobs" for n in names) + " |",
        "| --- | " + " | ".join("---: | ---: | ---:" for _ in names) + " |",
    ]
    stages = list(next(iter(results.values()))["stages"])
    for stage in stages:
        cells = []
        for name in names:
            figures = results[name]["stages"][stage]
            cells.append(
                f"{figures['seconds']:.1f} | {figures['statements']:,} | {figures['jobs']:,}"
            )
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    for kind in ("models", "tests"):
        cells = []
        for name in names:
            split = results[name]["build_split"][kind]
            cells.append(
                f"{split['busy_s']:.1f} | {split['nodes']} nodes | "
                f"{split['median_node_s']:.2f} s/node"
            )
        lines.append(f"| build: {kind} (busy time) | " + " | ".join(cells) + " |")

    lines += ["", "Spark's own timings of those statements, seconds (summed over threads):", ""]
    phase_names = [*PHASES, "execution and the rest"]
    lines.append("| variant: stage | " + " | ".join(phase_names) + " |")
    lines.append("| --- | " + " | ".join("---:" for _ in phase_names) + " |")
    for name in names:
        for stage in stages:
            phases = results[name]["stages"][stage]["phases"]
            seconds = " | ".join(f"{phases[phase]:.1f}" for phase in phase_names)
            lines.append(f"| {name}: {stage} | {seconds} |")
    lines += ["", "| whole run | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]

    def floor_multiple(r: dict[str, Any]) -> str:
        build = r["stages"]["build"]
        return f"{build['seconds'] / (build['statements'] * r['floor_s']['delta']):.2f}x"

    rows = {
        "cold start of the session (JVM, Delta, metastore)": lambda r: (
            f"{r['spark_start_s']:.1f} s"
        ),
        "whole child process (interpreter to exit)": lambda r: f"{r['whole_s']:.1f} s",
        "floor: one trivial query, Delta": lambda r: f"{r['floor_s']['delta']:.3f} s",
        "floor: the same, Delta table cached": lambda r: (
            f"{r['floor_s']['delta_cached']:.3f} s" if "delta_cached" in r["floor_s"] else "-"
        ),
        "floor: the same on Parquet": lambda r: f"{r['floor_s']['parquet']:.3f} s",
        "build / (statements x Delta floor)": floor_multiple,
    }
    for label, cell in rows.items():
        lines.append(f"| {label} | " + " | ".join(cell(results[n]) for n in names) + " |")
    return lines


def write_benchmarks(lines: list[str], load_before: float, load_after: float) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # the run itself loads both cores: only what ran before it says whether others shared them
    busy = load_before > 1.5
    write_section(
        "bench_build",
        "Whole run, stage by stage (demo data)",
        [
            f"Last run: {stamp}, `benchmarks/bench_build.py`, {os.cpu_count()} cores, "
            f"1-minute load average {load_before:.1f} before and {load_after:.1f} after"
            + (" (a busy machine: compare the variants, not the seconds)." if busy else "."),
            "",
            *lines,
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=list(VARIANTS),
        default=["current", "small-codegen-cache", "stock"],
    )
    parser.add_argument("--load", action="store_true", help="also time the Cassandra load")
    parser.add_argument("--no-write", action="store_true", help="print only, leave BENCHMARKS.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.load)), flush=True)
        return
    load_before = os.getloadavg()[0]
    results = {}
    for name in args.variants:
        print(f"[bench] variant {name} ...", flush=True)
        results[name] = run_variant(name, args.load)
        print(f"[bench] variant {name}: {results[name]['whole_s']:.1f} s in all", flush=True)
        # each variant's figures as soon as they exist: a long run stopped midway keeps them
        print(f"[bench] {name} figures: {json.dumps(results[name])}", flush=True)
    lines = table(results)
    print("\n".join(lines))
    if not args.no_write:
        write_benchmarks(lines, load_before, os.getloadavg()[0])


if __name__ == "__main__":
    main()
