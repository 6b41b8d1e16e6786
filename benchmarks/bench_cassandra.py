"""Cassandra load benchmark: the velos loader against `cqlsh COPY FROM`, same rows, same node.

    VELOS_HOME=/tmp/velos-bench .venv/bin/python benchmarks/bench_cassandra.py [--rows N]

1. `velos generate --order-lines N` (seed 42) into $VELOS_HOME/bench/cassandra-export/ (kept);
2. Spark builds fct_order_lines from it (the mart's columns and types; not timed) in the
   schema bench_cassandra, and writes the same rows as one CSV for cqlsh (not timed);
3. both load into identical, empty order_lines_by_customer tables (schema of loaders/schema.cql)
   in two keyspaces of the one local node (started here if nothing answers, stopped after);
   cqlsh's keyspace is dropped before the loader runs, so each starts on an empty node, and
   both first load 100,000 rows into scratch keyspaces, so each runs on a warmed-up JVM:
   - cqlsh COPY FROM with its defaults (cqlsh 6.2.2 from PyPI);
   - loaders.load_marts, which also reads the mart through Spark, stages it, and
     then reads every row back to verify it.
4. prints rows/s of each and the ratios; writes $VELOS_HOME/bench/cassandra.json.

The loader's figure that compares with COPY is its write phase (Spark read + staging + writes);
the end-to-end figure adds the read-back verification, the pointer flip and the cleanup.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import load_marts, node, select
from loaders.node import ring
from velos import settings as velos_settings
from velos.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SOURCE = "bench_cassandra"
LOADER_KS = "velos_bench_loader"
CQLSH_KS = "velos_bench_cqlsh"
WARMUP = "bench_cassandra_warmup"  # a Spark schema and a prefix of two scratch keyspaces
WARMUP_ROWS = 100_000


def build_fact(spark: SparkSession, export: Path) -> None:
    """fct_order_lines from the generated export, with the mart's columns and types."""
    for name in ("orders", "bikes", "customers"):
        spark.read.option("header", True).csv(str(export / f"{name}.csv")).createOrReplaceTempView(
            f"bench_{name}"
        )
    spark.sql(f"create database if not exists {SOURCE}")
    spark.sql(
        f"""
        create or replace table {SOURCE}.fct_order_lines using delta as
        select
            cast(orders.`order.id` as bigint) as order_id,
            cast(orders.`order.line` as int) as order_line,
            to_date(orders.`order.date`, 'M/d/yyyy') as order_date,
            cast(date_format(to_date(orders.`order.date`, 'M/d/yyyy'), 'yyyyMMdd') as int)
                as date_id,
            cast(orders.`customer.id` as bigint) as customer_id,
            cast(orders.`product.id` as bigint) as bike_id,
            cast(customers.`bikeshop.id` as bigint) as bikeshop_id,
            cast(orders.quantity as int) as quantity,
            cast(bikes.price as decimal(18, 2)) as unit_price,
            cast(cast(orders.quantity as int) * cast(bikes.price as decimal(18, 2))
                 as decimal(18, 2)) as total_amount
        from bench_orders as orders
        inner join bench_bikes as bikes on orders.`product.id` = bikes.`bike.id`
        inner join bench_customers as customers
            on orders.`customer.id` = customers.`customer.id`
        """
    )


def write_csv(spark: SparkSession, directory: Path, source: str = SOURCE) -> tuple[Path, int]:
    """The same rows as one CSV with a constant load_id, for cqlsh (not timed)."""
    spec = select(["fct_order_lines"])[0]
    load_id = uuid.uuid1()
    frame = spark.sql(
        f"select '{load_id}' as load_id, {', '.join(spec.names)} from {source}.fct_order_lines"
    )
    shutil.rmtree(directory, ignore_errors=True)
    frame.coalesce(1).write.option("header", True).csv(str(directory))
    path = Path(glob.glob(str(directory / "part-*.csv"))[0])
    return path, frame.count()


def warm_up(spark: SparkSession, settings: Settings, bench_dir: Path) -> None:
    """Both tools once on the first rows, into scratch keyspaces dropped after (not timed).

    A freshly started node compiles its hot paths during its first loads: without this, the
    tool that runs first pays for the other's warm-up.
    """
    spark.sql(f"create database if not exists {WARMUP}")
    spark.sql(
        f"create or replace table {WARMUP}.fct_order_lines using delta as "
        f"select * from {SOURCE}.fct_order_lines limit {WARMUP_ROWS}"
    )
    csv_path, _rows = write_csv(spark, bench_dir / "warmup-csv", WARMUP)
    cqlsh_ks, loader_ks = f"{WARMUP}_cqlsh", f"{WARMUP}_loader"
    drop_keyspace(settings, cqlsh_ks, recreate=True)
    run_cqlsh(settings, csv_path, cqlsh_ks)
    load_marts(
        spark,
        settings.cassandra_config(keyspace=loader_ks),
        tables=["fct_order_lines"],
        source_schema=WARMUP,
        progress=False,
    )
    for keyspace in (cqlsh_ks, loader_ks):
        drop_keyspace(settings, keyspace)


def drop_keyspace(settings: Settings, keyspace: str, *, recreate: bool = False) -> None:
    """Drop ``keyspace``; with ``recreate``, create it again, empty, with the loader's schema."""
    from loaders import schema
    from loaders.connection import session

    with session(settings.cassandra_config(keyspace=keyspace)) as opened:
        opened.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
        if recreate:
            schema.apply(opened, keyspace, "SimpleStrategy:1")


def run_cqlsh(
    settings: Settings, csv_path: Path, keyspace: str = CQLSH_KS
) -> tuple[float, int, str]:
    spec = select(["fct_order_lines"])[0]
    columns = ",".join(("load_id", *spec.names))
    command = [
        str(Path(sys.executable).with_name("cqlsh")),
        settings.cassandra_hosts[0],
        str(settings.cassandra_port),
        "-e",
        f"COPY {keyspace}.order_lines_by_customer ({columns}) FROM '{csv_path}' WITH HEADER = true",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    output = done.stdout + done.stderr
    match = re.search(r"(\d+) rows imported", output)
    if done.returncode != 0 or not match:
        raise SystemExit(f"cqlsh COPY failed ({done.returncode}):\n{output[-2000:]}")
    processes = re.search(r"Using (\d+) child processes", output)
    return seconds, int(match.group(1)), processes.group(1) if processes else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    settings = velos_settings.load()
    nodes = settings.cassandra_nodes()
    started_node = node.ensure_running(settings.cassandra_config(), nodes)
    try:
        bench_dir = settings.home / "bench"
        export = bench_dir / "cassandra-export"
        marker = export / f".rows-{args.rows}"
        if not marker.exists():
            from velos.generate import generate

            shutil.rmtree(export, ignore_errors=True)
            generate(export, order_lines=args.rows, seed=42)
            marker.touch()

        from velos.spark import get_session

        spark = get_session(settings)
        build_fact(spark, export)
        csv_path, rows = write_csv(spark, bench_dir / "cassandra-csv")
        print(f"{rows:,} order lines ready ({SOURCE}.fct_order_lines and {csv_path.name})")
        warm_up(spark, settings, bench_dir)
        drop_keyspace(settings, LOADER_KS)
        drop_keyspace(settings, CQLSH_KS, recreate=True)

        cqlsh_s, cqlsh_rows, cqlsh_procs = run_cqlsh(settings, csv_path)
        print(f"cqlsh COPY FROM: {cqlsh_rows:,} rows in {cqlsh_s:.1f}s")
        # Both runs start from an empty node: dropping cqlsh's keyspace discards its memtable,
        # which would otherwise be flushed (and compacted) on the node while the loader runs.
        drop_keyspace(settings, CQLSH_KS)

        begin = time.perf_counter()
        report = load_marts(
            spark,
            settings.cassandra_config(keyspace=LOADER_KS),
            tables=["fct_order_lines"],
            source_schema=SOURCE,
        )
        loader_total = time.perf_counter() - begin
        table = report.tables[0]
        assert table.rows == rows == cqlsh_rows, (table.rows, rows, cqlsh_rows)

        cqlsh_rate = round(rows / cqlsh_s)
        write_rate = round(rows / table.write_seconds)
        end_to_end_rate = round(rows / loader_total)
        results: dict[str, object] = {
            "rows": rows,
            "cpus": os.cpu_count(),
            "load_average_1m": os.getloadavg()[0],
            "cqlsh_child_processes": cqlsh_procs,
            "cqlsh_seconds": round(cqlsh_s, 2),
            "cqlsh_rows_per_s": cqlsh_rate,
            "loader_stage_seconds": round(table.stage_seconds, 2),
            "loader_write_seconds": round(table.write_seconds, 2),
            "loader_verify_seconds": round(table.verify_seconds, 2),
            "loader_total_seconds": round(loader_total, 2),
            "loader_write_rows_per_s": write_rate,
            "loader_end_to_end_rows_per_s": end_to_end_rate,
            "ratio_write": round(write_rate / cqlsh_rate, 2),
            "ratio_end_to_end": round(end_to_end_rate / cqlsh_rate, 2),
        }
        print()
        print(f"rows                               {rows:>12,}")
        print(f"cqlsh COPY FROM                    {results['cqlsh_rows_per_s']:>12,} rows/s")
        print(
            f"loader, Spark read + write         {results['loader_write_rows_per_s']:>12,} rows/s"
            f"  ({results['ratio_write']}x cqlsh)"
        )
        print(
            f"loader, end to end (+ verify)      {results['loader_end_to_end_rows_per_s']:>12,}"
            f" rows/s  ({results['ratio_end_to_end']}x cqlsh)"
        )
        bench_dir.mkdir(parents=True, exist_ok=True)
        (bench_dir / "cassandra.json").write_text(json.dumps(results, indent=2) + "\n")
        print(f"results: {bench_dir / 'cassandra.json'}")
    finally:
        if started_node:
            ring.stop(nodes)


if __name__ == "__main__":  # the loader spawns worker processes: keep the guard
    main()
