"""Benchmark of serving through the Spark Thrift Server, each figure beside its baseline.

Run: ``.venv/bin/python benchmarks/bench_thrift.py [--lines N]`` (default: the demo export in
seeds/; ``--lines N`` generates an export of N order lines instead). Uses a home of its own
(``$VELOS_HOME/bench-thrift``, Derby metastore) and ports 10000/4040; prints a Markdown table.

1. server start to first answer: ``velos thrift start`` as a user runs it (a cold JVM), until
   ``select count(*) from marts.fct_order_lines`` has answered (the marts of step 2's build).
2. the whole build through the server: ``dbt seed --target thrift`` then ``dbt build --target
   thrift --exclude resource_type:seed`` (seeds, models, every test)
   beside the embedded build of the same files: ``velos run --skip check segment report load``
   (seed and build in one embedded Spark, also a whole command from a cold start). The server
   is stopped while the embedded build runs, so neither competes with the other.
3. one mart read through PyHive (``select *`` of fct_order_lines, the largest, median of 3)
   beside the same Delta table read in-process by an embedded Spark session (``collect()``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TABLE = "marts.fct_order_lines"


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT)
    seconds = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds


def _pyhive_read(port: int) -> tuple[float, int]:
    from pyhive import hive  # type: ignore[import-untyped]

    started = time.perf_counter()
    connection = hive.connect(host="127.0.0.1", port=port, username="velos", auth="NONE")
    cursor = connection.cursor()
    cursor.execute(f"select * from {TABLE}")
    rows = len(cursor.fetchall())
    connection.close()
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, help="generate an export of N order lines")
    args = parser.parse_args()

    from velos import settings as settings_module

    base = settings_module.load()
    home = base.home / "bench-thrift"
    env = {**os.environ, "VELOS_HOME": str(home), "VELOS_METASTORE": "derby"}
    velos = str(BIN / "velos")
    with tempfile.TemporaryDirectory(prefix="velos-bench-thrift-") as scratch:
        data = PROJECT / "seeds"
        if args.lines:
            data = Path(scratch) / "export"
            subprocess.run([velos, "generate", "--out", str(data), "--order-lines",
                            str(args.lines)], check=True, capture_output=True)  # fmt: skip
        env["VELOS_DATA_DIR"] = str(data)
        subprocess.run([velos, "thrift", "stop"], env=env, capture_output=True)

        # 2a. the embedded build, whole command, cold (and the marts the server then serves)
        # seed and build only: the thrift build below does not run the segment step either
        embedded = _timed([velos, "run", "--data", str(data), "--skip", "check", "segment",
                           "report", "load"], env)  # fmt: skip
        # 1. server start to first answer on those marts
        started = time.perf_counter()
        _timed([velos, "thrift", "start"], env)
        from pyhive import hive

        connection = hive.connect(host="127.0.0.1", port=base.thrift_port, username="velos")
        cursor = connection.cursor()
        cursor.execute(f"select count(*) from {TABLE}")
        count = cursor.fetchall()[0][0]
        connection.close()
        first_answer = time.perf_counter() - started
        try:
            # 3. one mart through PyHive, median of 3
            reads = [_pyhive_read(base.thrift_port) for _ in range(3)]
            pyhive_read = statistics.median(seconds for seconds, _ in reads)
            assert all(rows == count for _, rows in reads)
            # 2b. the whole dbt build through the server
            # seeds first (staging reads them as sources: no DAG edge orders the two)
            dbt = [str(BIN / "dbt")]
            where = ["--target", "thrift", "--project-dir", str(PROJECT), "--profiles-dir",
                     str(PROJECT)]  # fmt: skip
            thrift_build = _timed([*dbt, "seed", *where], env) + _timed(
                [*dbt, "build", *where, "--exclude", "resource_type:seed"], env
            )
        finally:
            subprocess.run([velos, "thrift", "stop"], env=env, capture_output=True)

        # 3'. the same table read in-process by an embedded session (baseline), median of 3
        probe = (
            "import time,statistics;from velos.spark import get_session;s=get_session();"
            f"p='{home}/warehouse/marts.db/fct_order_lines';s.read.format('delta').load(p)"
            ".collect();t=[];"
            "exec('for _ in range(3):\\n a=time.perf_counter();"
            's.read.format("delta").load(p).collect();t.append(time.perf_counter()-a)\');'
            "print(statistics.median(t))"
        )
        in_process = float(
            subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                           capture_output=True, text=True).stdout.split()[-1]
        )  # fmt: skip

    print(f"\nexport: {data} ({count:,} order lines in {TABLE})\n")
    print("| measure | thrift | baseline | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| `velos thrift start` to the first answer (cold JVM) | {first_answer:.1f} s | - | - |")
    print(
        "| whole build: `dbt build --target thrift` vs `velos run --skip check segment report "
        f"load` (embedded) | {thrift_build:.1f} s | {embedded:.1f} s "
        f"| {thrift_build / embedded:.2f}x |"
    )
    print(
        f"| read {TABLE} ({count:,} rows): PyHive vs in-process Delta `collect()` (median of 3) "
        f"| {pyhive_read:.2f} s | {in_process:.2f} s | {pyhive_read / in_process:.2f}x |"
    )


if __name__ == "__main__":
    main()
