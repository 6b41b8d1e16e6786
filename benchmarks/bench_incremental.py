"""Benchmark of the incremental fact table: a later export that adds 1 % new lines to N.

One fresh VELOS_HOME; every command a cold process of its own:

  generate  `velos generate --order-lines N` (default 10,000,000): the first export
  first     seed it (`velos run --skip check build segment report load`), then
            `dbt run --select +fct_order_lines --full-refresh`: the fact table from scratch
  later     the same export plus N/100 new order lines (new orders, two lines each, of the
            customers and bikes of the file's last lines, on its last order date), seeded; then
            the fact table's parents rebuilt from the new raw tables
  merge     `dbt run --select fct_order_lines`: the incremental run (Delta MERGE on
            order_id, order_line)
  full      `dbt run --select fct_order_lines --full-refresh`: the same table rebuilt
  daily     an extract of only N/100 lines newer still (the catalogue files as they were),
            seeded, the parents rebuilt, then the incremental run with
            keep_missing_order_lines: what a daily export of the last day's orders costs

For merge, full and daily: the command's wall seconds, the fact table node's own seconds (dbt's
run_results.json) and its statements that took a second or more (dbt's debug log); for the
merge, what each of its commits touched (operationMetrics, read from the Delta log).

Run: ``.venv/bin/python benchmarks/bench_incremental.py [--order-lines 10000000]``. It prints
each figure as it comes and writes the table into BENCHMARKS.md between the bench_incremental
markers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_scale import BIN, EXPORT_FILES, PROJECT_DIR, SEED, machine, timed_command
from benchmarks_md import write_section

FACT = "model.velos.fct_order_lines"
COMMIT_METRICS = (
    "numTargetRowsInserted", "numTargetRowsUpdated", "numTargetRowsDeleted",
    "numTargetFilesAdded", "numTargetFilesRemoved", "numOutputRows", "numFiles",
)  # fmt: skip
# the bytes a commit wrote: a MERGE's new files, a CREATE OR REPLACE's whole table
BYTES_WRITTEN = ("numTargetBytesAdded", "numOutputBytes")


def new_lines(orders: Path, first_index: int, count: int) -> list[str]:
    """``count`` order lines after the last order of ``orders`` (new orders, two lines each,
    of the customers and bikes of the file's last lines, on its last order date)."""
    with orders.open("rb") as handle:
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - 200_000))
        tail = handle.read()
    # the first line read is the header or a line cut by the seek
    rows = [line.split(",") for line in tail.decode("utf-8").splitlines()[1:] if line]
    last = rows[-1]  # index, order.id, order.line, order.date, customer.id, product.id, qty
    return [
        f"{first_index + i},{int(last[1]) + 1 + i // 2},{i % 2 + 1},{last[3]},"
        f"{rows[i % len(rows)][4]},{rows[i % len(rows)][5]},1"
        for i in range(count)
    ]


def add_lines(first: Path, later: Path, order_lines: int, added: int) -> None:
    """`later` = `first` with `added` new order lines appended to orders.csv."""
    later.mkdir()
    for name in EXPORT_FILES:
        shutil.copyfile(first / name, later / name)
    with (first / "orders.csv").open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        ends_with_newline = handle.read(1) == b"\n"
    lines = new_lines(first / "orders.csv", order_lines + 1, added)
    with (later / "orders.csv").open("a", encoding="utf-8") as out:
        out.write(("" if ends_with_newline else "\n") + "\n".join(lines))


def daily_extract(later: Path, daily: Path, first_index: int, count: int) -> None:
    """`daily` = the catalogue files of `later` and only `count` orders lines newer than all
    of its own: what an export of the last day's orders holds."""
    daily.mkdir()
    for name in EXPORT_FILES:
        if name != "orders.csv":
            shutil.copyfile(later / name, daily / name)
    with (later / "orders.csv").open(encoding="utf-8") as handle:
        header = handle.readline()
    lines = new_lines(later / "orders.csv", first_index, count)
    (daily / "orders.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


# a record of dbt's debug log: "\x1b[0m08:00:40.748556 [debug] [Thread-62 ]: message"
RECORD = re.compile(
    r"^(?:\x1b\[0m)?\d\d:\d\d:\d\d\.\d+ \[\w+ *\] \[(?P<thread>[^\]]+)\]: (?P<text>.*)"
)
STATUS = re.compile(r"SQL status: \w+ in (?P<seconds>[\d.]+) seconds")


def slow_statements(debug_log: Path, minimum_s: float = 1.0) -> list[tuple[str, float]]:
    """The fact table node's statements of at least ``minimum_s``: (first SQL words, seconds)."""
    found: list[tuple[str, float]] = []
    thread, statement, reading = None, "", False
    for line in debug_log.read_text(encoding="utf-8", errors="replace").splitlines():
        record = RECORD.match(line)
        if record is None:
            words = line.strip()
            if reading and words and not words.startswith("--"):
                statement, reading = " ".join(words.split()[:5]), False
            continue
        reading = False
        if record["text"].startswith(f"On {FACT}: /*"):
            thread, statement, reading = record["thread"], "", True
        elif record["thread"] == thread and (status := STATUS.search(record["text"])):
            found.append((statement, float(status["seconds"])))
    return [(words, seconds) for words, seconds in found if seconds >= minimum_s]


def dbt_run(
    select: list[str], env: dict[str, str], log: Path, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """One cold `dbt run`: its wall seconds, the fact table node's, and its slow statements."""
    command = [str(BIN / "dbt"), "run", "--select", *select, *extra,
               "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]  # fmt: skip
    logs = log.with_suffix(".dbt-logs")
    seconds, _, _ = timed_command(command, {**env, "DBT_LOG_PATH": str(logs)}, log)
    results = json.loads(Path(env["DBT_TARGET_PATH"], "run_results.json").read_text())
    node = {r["unique_id"]: r["execution_time"] for r in results["results"]}.get(FACT)
    if node is None:
        return {"whole_s": seconds}
    return {"whole_s": seconds, "fact_s": node, "statements": slow_statements(logs / "dbt.log")}


def commits(home: Path) -> set[Path]:
    """The fact table's Delta commit files (read from the log: no Spark, no metastore)."""
    return set((home / "warehouse" / "marts.db" / "fct_order_lines" / "_delta_log").glob("*.json"))


def operations(files: set[Path]) -> list[dict[str, Any]]:
    """Each commit's operation and operationMetrics, oldest first."""
    found = []
    for path in sorted(files):
        for line in path.read_text(encoding="utf-8").splitlines():
            info = json.loads(line).get("commitInfo")
            if info:
                found.append({"operation": info["operation"],
                              "metrics": info.get("operationMetrics", {})})  # fmt: skip
    return found


def run(order_lines: int, work: Path) -> dict[str, Any]:
    first, later, daily, home = work / "first", work / "later", work / "daily", work / "home"
    env = {**os.environ, "VELOS_HOME": str(home), "DBT_TARGET_PATH": str(work / "target"),
           "VELOS_JARS": str(PROJECT_DIR / ".velos" / "jars")}  # fmt: skip
    dbt_env = {**env, "VELOS_DATA_DIR": str(first)}
    print(f"[bench] generate {order_lines:,} lines", flush=True)
    timed_command([str(BIN / "velos"), "generate", "--out", str(first), "--order-lines",
                   str(order_lines), "--seed", str(SEED)], env, work / "generate.log")  # fmt: skip
    added = order_lines // 100
    add_lines(first, later, order_lines, added)

    def seed(data: Path) -> None:
        timed_command([str(BIN / "velos"), "run", "--data", str(data), "--skip", "check",
                       "build", "segment", "report", "load"], env,
                      work / f"seed-{data.name}.log")  # fmt: skip

    print("[bench] first export: seed, fct_order_lines and its parents from scratch", flush=True)
    seed(first)
    dbt_run(["+fct_order_lines", "--full-refresh"], dbt_env, work / "first.log")
    print(f"[bench] later export (+{added:,} lines): seed, the parents", flush=True)
    seed(later)
    dbt_env["VELOS_DATA_DIR"] = str(later)
    dbt_run(["+fct_order_lines", "--exclude", "fct_order_lines"], dbt_env,
            work / "parents.log")  # fmt: skip
    before = commits(home)
    merge = dbt_run(["fct_order_lines"], dbt_env, work / "merge.log")
    merge_commits = operations(commits(home) - before)
    print(f"[bench] merge: {json.dumps(merge)}", flush=True)

    before = commits(home)
    full = dbt_run(["fct_order_lines", "--full-refresh"], dbt_env, work / "full.log")
    full_commits = operations(commits(home) - before)
    print(f"[bench] full rebuild: {json.dumps(full)}", flush=True)

    print(f"[bench] daily extract ({added:,} newer lines only): seed, the parents", flush=True)
    daily_extract(later, daily, order_lines + added + 1, added)
    seed(daily)
    dbt_env["VELOS_DATA_DIR"] = str(daily)
    dbt_run(["+fct_order_lines", "--exclude", "fct_order_lines"], dbt_env,
            work / "parents-daily.log")  # fmt: skip
    before = commits(home)
    keep = ("--vars", "{keep_missing_order_lines: true}")
    extract = dbt_run(["fct_order_lines"], dbt_env, work / "daily.log", keep)
    extract_commits = operations(commits(home) - before)
    print(f"[bench] daily extract merge: {json.dumps(extract)}", flush=True)
    return {"order_lines": order_lines, "added": added, "merge": merge, "full": full,
            "extract": extract,
            "commits": {"incremental": merge_commits, "full rebuild": full_commits,
                        "daily extract": extract_commits}}  # fmt: skip


def bytes_written(run_commits: list[dict[str, Any]]) -> float:
    return sum(float(c["metrics"].get(name, 0)) for c in run_commits for name in BYTES_WRITTEN)


def table(result: dict[str, Any]) -> list[str]:
    merge, full, extract = result["merge"], result["full"], result["extract"]
    lines = [
        f"fct_order_lines of {result['order_lines']:,} lines; the later export adds "
        f"{result['added']:,} new lines (1 %) to the whole history; the daily extract holds "
        f"only {result['added']:,} lines newer still (built with keep_missing_order_lines).",
        "",
        "| run | fct_order_lines node | whole `dbt run` (cold process) |",
        "| --- | ---: | ---: |",
        f"| incremental (MERGE) of the later export | {merge['fact_s']:.1f} s | "
        f"{merge['whole_s']:.1f} s |",
        f"| full rebuild (--full-refresh) of the later export | {full['fact_s']:.1f} s | "
        f"{full['whole_s']:.1f} s |",
        f"| full / incremental | {full['fact_s'] / merge['fact_s']:.2f}x | "
        f"{full['whole_s'] / merge['whole_s']:.2f}x |",
        f"| incremental (MERGE) of the daily extract | {extract['fact_s']:.1f} s | "
        f"{extract['whole_s']:.1f} s |",
        "",
        "The fact table node's statements of a second or more (dbt's debug log):",
        "",
    ]
    runs = (("incremental", merge), ("full rebuild", full), ("daily extract", extract))
    for run_name, figures in runs:
        shown = [f"`{words}` {seconds:.1f} s" for words, seconds in figures["statements"]]
        rest = figures["fact_s"] - sum(seconds for _, seconds in figures["statements"])
        shown.append(f"the rest of the node {rest:.1f} s")
        lines.append(f"- {run_name}: " + "; ".join(shown))
    lines += [
        "",
        "The rest: statements under a second, dbt's own work, and the Spark jobs of queries whose "
        "rows dbt fetches after the log's timing (run_query).",
    ]
    lines += ["", "Each run's commits to the table (Delta operationMetrics):", ""]
    for run_name, run_commits in result["commits"].items():
        for commit in run_commits:
            metrics = commit["metrics"]
            shown = [f"{name} {int(metrics[name]):,}" for name in COMMIT_METRICS if name in metrics]
            lines.append(
                f"- {run_name}, {commit['operation']}: " + (", ".join(shown) or "no metrics")
            )
    written = {name: bytes_written(run_commits) / 2**20
               for name, run_commits in result["commits"].items()}  # fmt: skip
    lines += [
        "",
        f"Data files written: incremental {written['incremental']:.1f} MB, full rebuild "
        f"{written['full rebuild']:.1f} MB, daily extract {written['daily extract']:.1f} MB "
        "(what each run adds to the table's storage until VACUUM, and what time travel keeps).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--order-lines", type=int, default=10_000_000)
    parser.add_argument("--no-write", action="store_true", help="print only, leave BENCHMARKS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="velos-bench-incremental-") as work:
        result = run(args.order_lines, Path(work))
    lines = table(result)
    print("\n".join(lines))
    if not args.no_write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_section(
            "bench_incremental",
            "Incremental fact table: 1 % more lines against a full rebuild",
            [f"Last run: {stamp}, `benchmarks/bench_incremental.py`, on {machine()}; 1-minute "
             f"load average {load_before:.1f} before.", "", *lines],
        )  # fmt: skip


if __name__ == "__main__":
    main()
