"""Benchmark of the whole pipeline at scale: `velos run` on 1,000,000 and 10,000,000 order lines.

For each size, in this order, each a cold start of its own (new interpreter, new JVM, a fresh
VELOS_HOME):

  generate   `velos generate --order-lines N` into a temporary folder
  baseline   a bare PySpark script on the same session settings: spark.read.csv of the four
             files, written as Delta tables; no check, no lineage columns, no profiling
  velos run  `velos run --data DIR --skip load` (check, seed, build with every model, data
             test and unit test, segment, report); with --load, the Cassandra load too

For every step of `velos run` the wall seconds (as the run prints them) and the order lines per
second; the driver's peak memory, sampled every half second: the resident memory of the JVM
(the Spark driver: in local mode it also runs the tasks) and of the Python process (velos and
dbt), so that growth with the data shows. Ingest is compared with the baseline twice: inside
the session (the seed step against the baseline's read->write) and as a user sees it (from the
command's start to the raw tables written, check included, against the whole baseline script).

Run: ``.venv/bin/python benchmarks/bench_scale.py [--sizes 1000000 10000000] [--load]``
(``make bench-scale``). It prints each figure as it comes and writes the table into
BENCHMARKS.md between the bench_scale markers, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
from benchmarks_md import write_section

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = 42
STEP_LINE = re.compile(r"^\[velos\] (?P<step>\w+)\s+(?P<counts>.*?)\s*\((?P<seconds>[\d.]+) s\)$")
EXPORT_FILES = ("bikes.csv", "bikeshops.csv", "customers.csv", "orders.csv")


# -- the baseline: a bare read -> Delta, in a child of its own --------------------------------
def baseline_child(data: Path, out: Path) -> dict[str, float]:
    """spark.read.csv of each file, written as a Delta table; seconds in the session."""
    from velos.spark import get_session

    spark = get_session()
    started = time.perf_counter()
    for name in EXPORT_FILES:
        frame = spark.read.option("header", True).csv(str(data / name))
        frame.write.format("delta").mode("overwrite").save(str(out / name.removesuffix(".csv")))
    return {"read_write_s": time.perf_counter() - started}


# -- sampling memory ---------------------------------------------------------------------------
@dataclass
class PeakMemory:
    """The largest resident memory seen of a process and of its Java descendants (the JVM)."""

    pid: int
    python_bytes: int = 0
    jvm_bytes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            self.python_bytes = max(self.python_bytes, root.memory_info().rss)
            jvm = sum(
                child.memory_info().rss
                for child in root.children(recursive=True)
                if child.name() == "java"
            )
            self.jvm_bytes = max(self.jvm_bytes, jvm)
        except psutil.Error:  # the process ended between two looks
            pass

    def run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed_command(
    command: list[str], env: dict[str, str], log: Path
) -> tuple[float, dict[str, Any], list[tuple[float, str]]]:
    """Run a command, keeping each output line with the seconds since start; its peak memory."""
    started = time.perf_counter()
    lines: list[tuple[float, str]] = []
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        with PeakMemory(process.pid) as peak:
            assert process.stdout is not None
            for line in process.stdout:
                out.write(line)
                lines.append((time.perf_counter() - started, line.rstrip("\n")))
                if line.startswith("[velos]") or line.startswith("[bench]"):
                    print(f"    {line.rstrip()}", flush=True)
            process.wait()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = "\n".join(text for _, text in lines[-40:])
        raise SystemExit(f"{' '.join(command[:3])} failed (exit {process.returncode}):\n{tail}")
    memory = {"python_peak_mb": peak.python_bytes / 2**20, "jvm_peak_mb": peak.jvm_bytes / 2**20}
    return seconds, memory, lines


def run_size(order_lines: int, load: bool, work: Path) -> dict[str, Any]:
    data = work / f"export-{order_lines}"
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "velos"), "generate", "--out", str(data), "--order-lines", str(order_lines),
         "--seed", str(SEED)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    figures: dict[str, Any] = {
        "order_lines": order_lines,
        "generate_s": time.perf_counter() - started,
        "input_mb": sum((data / name).stat().st_size for name in EXPORT_FILES) / 2**20,
    }
    print(f"  generated {order_lines:,} lines in {figures['generate_s']:.1f} s", flush=True)

    base_env = {**os.environ, "VELOS_JARS": str(PROJECT_DIR / ".velos" / "jars")}
    home = work / f"home-baseline-{order_lines}"
    # VELOS_DATA_DIR: the same settings as the velos run below (the JIT follows the export size)
    env = {**base_env, "VELOS_HOME": str(home), "VELOS_DATA_DIR": str(data)}
    command = [sys.executable, __file__, "--baseline", str(data), str(home / "delta")]
    seconds, memory, lines = timed_command(command, env, work / f"baseline-{order_lines}.log")
    # the child's figures: its one JSON line (the JVM may still log after it)
    inner = next(json.loads(text) for _, text in reversed(lines) if text.startswith("{"))
    figures["baseline"] = {"whole_s": seconds, **inner, **memory}
    print(f"  baseline: read->Delta {inner['read_write_s']:.1f} s, {seconds:.1f} s in all")

    home = work / f"home-run-{order_lines}"
    env = {**base_env, "VELOS_HOME": str(home)}
    skip = [] if load else ["load"]
    command = [str(BIN / "velos"), "run", "--data", str(data), *(["--skip", *skip] if skip else [])]
    seconds, memory, lines = timed_command(command, env, work / f"run-{order_lines}.log")
    steps: dict[str, dict[str, Any]] = {}
    for at, text in lines:
        matched = STEP_LINE.match(text)
        if matched:
            steps[matched["step"]] = {
                "seconds": float(matched["seconds"]),
                "ended_at_s": at,
                "counts": matched["counts"],
            }
    figures["run"] = {"whole_s": seconds, "steps": steps, **memory}
    return figures


# -- the table -----------------------------------------------------------------------------------
def table(results: list[dict[str, Any]]) -> list[str]:
    sizes = [f"{r['order_lines']:,} lines" for r in results]
    lines = [
        "| step | " + " | ".join(f"{size}: s | lines/s" for size in sizes) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in sizes) + " |",
    ]
    steps = list(results[0]["run"]["steps"])
    for step in steps:
        cells = []
        for r in results:
            seconds = r["run"]["steps"].get(step, {}).get("seconds")
            rate = f"{r['order_lines'] / seconds:,.0f}" if seconds else "-"
            cells.append(f"{seconds:.1f} | {rate}" if seconds is not None else "- | -")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines.append(
        "| **whole `velos run`** (command start to exit) | "
        + " | ".join(
            f"**{r['run']['whole_s']:.1f}** | {r['order_lines'] / r['run']['whole_s']:,.0f}"
            for r in results
        )
        + " |"
    )
    lines += ["", "| figure | " + " | ".join(sizes) + " |", "| --- |" + " ---: |" * len(sizes)]

    def ingest_in_session(r: dict[str, Any]) -> str:
        seed = r["run"]["steps"]["seed"]["seconds"]
        bare = r["baseline"]["read_write_s"]
        return f"{seed:.1f} s / {bare:.1f} s = {seed / bare:.2f}x"

    def ingest_cold(r: dict[str, Any]) -> str:
        ingested = r["run"]["steps"]["seed"]["ended_at_s"]
        bare = r["baseline"]["whole_s"]
        return f"{ingested:.1f} s / {bare:.1f} s = {ingested / bare:.2f}x"

    rows = {
        "input (four CSV files)": lambda r: f"{r['input_mb']:,.0f} MB",
        "`velos generate`": lambda r: f"{r['generate_s']:.1f} s",
        "ingest in the session: seed step / bare read->Delta": ingest_in_session,
        "ingest as a user sees it: `velos run` start to raw tables written (check included)"
        " / whole bare script": ingest_cold,
        "driver peak memory: JVM resident": lambda r: f"{r['run']['jvm_peak_mb']:,.0f} MB",
        "driver peak memory: Python resident (velos, dbt)": lambda r: (
            f"{r['run']['python_peak_mb']:,.0f} MB"
        ),
        "bare script peak memory: JVM resident": lambda r: (
            f"{r['baseline']['jvm_peak_mb']:,.0f} MB"
        ),
    }
    for label, cell in rows.items():
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["order_lines"] / first["order_lines"]
        ratio = last["run"]["whole_s"] / first["run"]["whole_s"]
        lines += [
            "",
            f"time({last['order_lines']:,}) / time({first['order_lines']:,}) = "
            f"{ratio:.2f} for {growth:.0f}x the lines (target: at most {growth:.0f}).",
        ]
    return lines


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB, Python {platform.python_version()}"


def write_benchmarks(lines: list[str], load_before: float, load: bool) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    busy = load_before > 1.5
    write_section(
        "bench_scale",
        "Scale: the whole pipeline at 1M and 10M order lines",
        [
            f"Last run: {stamp}, `benchmarks/bench_scale.py`{' --load' if load else ''}, on "
            f"{machine()}; 1-minute load average {load_before:.1f} before"
            + (" (a busy machine)." if busy else "."),
            "",
            *lines,
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000_000, 10_000_000])
    parser.add_argument("--load", action="store_true", help="also time the Cassandra load")
    parser.add_argument("--no-write", action="store_true", help="print only, leave BENCHMARKS.md")
    parser.add_argument("--baseline", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        print(json.dumps(baseline_child(*args.baseline)), flush=True)
        return
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory(prefix="velos-bench-scale-") as work:
        for size in args.sizes:
            print(f"[bench] {size:,} order lines ...", flush=True)
            results.append(run_size(size, args.load, Path(work)))
            # each size's figures as soon as they exist: a long run stopped midway keeps them
            print(f"[bench] {size:,} figures: {json.dumps(results[-1])}", flush=True)
    lines = table(results)
    print("\n".join(lines))
    if not args.no_write:
        write_benchmarks(lines, load_before, args.load)


if __name__ == "__main__":
    main()
