"""Benchmark of the seed loader: `dbt seed` against Spark's native CSV reader, same file, same run.

For each size (default 15,000 and 1,000,000 order lines of `velos generate` data) it times, on
one SparkSession, alternating, `--repeat` times each:
  native     spark.read.csv(header) -> write.format("delta").saveAsTable   (the baseline)
  dbt seed   `dbt seed --select orders` through dbtRunner (whole command, parse included),
             and the seed node's own execution time as dbt reports it.
and prints the medians and the ratio to the baseline. Target: dbt seed <= 1.5x native.

Run: ``.venv/bin/python benchmarks/bench_seed.py [--lines 15000 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from velos import settings as settings_module


def _native(spark: Any, path: Path) -> None:
    frame = spark.read.option("header", "true").csv(str(path))
    frame.write.format("delta").mode("overwrite").saveAsTable("bench.orders_native")


def _dbt_seed(settings: settings_module.Settings) -> float:
    from velos.dbt import run_dbt

    results = run_dbt(["seed", "--quiet", "--select", "orders"], settings=settings)
    # the project's on-run-start and on-run-end hooks have results of their own
    (seed,) = (result for result in results.results if result.node.resource_type == "seed")
    return float(seed.execution_time)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[15_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--project-dir", type=Path, default=None)
    args = parser.parse_args()

    settings = settings_module.load(args.project_dir)
    from velos.generate import generate
    from velos.spark import get_session

    spark = get_session(settings)
    spark.sql("create database if not exists bench")
    rows = []
    with tempfile.TemporaryDirectory(prefix="velos-bench-seed-") as tmp:
        for lines in args.lines:
            folder = Path(tmp) / str(lines)
            generate(folder, order_lines=lines, progress=False)
            export = settings.with_changes(data_dir=folder)
            path = folder / "orders.csv"
            _native(spark, path)  # warm-up: JIT, file cache, Delta log
            _dbt_seed(export)
            native, whole, node = [], [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                _native(spark, path)
                native.append(time.perf_counter() - started)
                started = time.perf_counter()
                node.append(_dbt_seed(export))
                whole.append(time.perf_counter() - started)
            loaded = spark.table("raw.orders").count()
            assert loaded == lines, f"raw.orders has {loaded} rows, expected {lines}"
            rows.append((lines, statistics.median(native), statistics.median(whole),
                         statistics.median(node)))  # fmt: skip
            print(f"{lines:>9,} lines: native {rows[-1][1]:.2f} s, dbt seed {rows[-1][2]:.2f} s "
                  f"(node {rows[-1][3]:.2f} s)", flush=True)  # fmt: skip
    print()
    print("| order lines | native read.csv -> Delta | dbt seed (command) | ratio", end=" ")
    print("| seed node | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for lines, native_s, whole_s, node_s in rows:
        print(f"| {lines:,} | {native_s:.2f} s | {whole_s:.2f} s | {whole_s / native_s:.2f}x "
              f"| {node_s:.2f} s | {node_s / native_s:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
