"""Nothing in the project assumes one process: the same run on a Spark standalone cluster.

A master and two workers (one core, 2 GB, a work folder each; loopback only) are started from
the pip pyspark with velos.cluster; `velos run` (check, seed, `dbt build` with every test) runs
in a process of its own with VELOS_SPARK_MASTER=spark://127.0.0.1:7077 and a home of its own:
its executors are the workers', its warehouse a folder every process of this machine reads.
Every mart it wrote holds exactly the rows of the embedded build of the same export (EXCEPT ALL
both ways), read back here by path.

Minutes, not seconds (a whole build with two one-core executors): marked ``cluster`` and left
out of `make test`; `make test-cluster` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from velos import cluster, settings
from velos.dbt import run_dbt
from velos.generate import generate

pytestmark = [pytest.mark.spark, pytest.mark.cluster]

ORDER_LINES = 2_000


@pytest.fixture(scope="module")
def running_cluster() -> Iterator[dict[str, Any]]:
    home = settings.load()
    info = cluster.start(home)
    try:
        yield info
    finally:
        assert set(cluster.stop(home)) == {"master", "worker-1", "worker-2"}


def test_cluster_start_gives_two_one_core_workers_on_loopback(
    running_cluster: dict[str, Any],
) -> None:
    assert running_cluster["master"] == "spark://127.0.0.1:7077"
    assert running_cluster["alive_workers"] == 2
    assert running_cluster["cores"] == 2  # one core each
    assert running_cluster["memory_mb"] == 2 * 2048
    state = cluster.master_state(cluster.cluster_for(settings.load()))
    assert state is not None
    assert sorted(worker["host"] for worker in state["workers"]) == ["127.0.0.1", "127.0.0.1"]


def test_a_run_on_the_cluster_equals_the_embedded_run_table_for_table(
    spark: Any,
    running_cluster: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    export = tmp_path_factory.mktemp("cluster-export")
    generate(export, order_lines=ORDER_LINES, seed=5, progress=False)
    home = tmp_path_factory.mktemp("cluster-home")

    # on the cluster: a driver process of its own, 2 GB, its own home (warehouse, metastore)
    environment = {
        **os.environ,
        "VELOS_HOME": str(home),
        "VELOS_SPARK_MASTER": running_cluster["master"],
        "VELOS_SPARK_DRIVER_MEMORY": "2g",
        "SPARK_LOCAL_IP": "127.0.0.1",  # the driver listens on loopback, where the workers are
        "DBT_TARGET_PATH": str(home / "target"),
    }
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "velos.cli", "run", "--data", str(export),
         "--skip", "segment", "report", "load"],
        env=environment, capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    cluster_seconds = time.perf_counter() - started
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "PASS=" in run.stdout or "build" in run.stdout
    # the build's application ran on the cluster's executors: the master lists it as completed
    state = cluster.master_state(cluster.cluster_for(settings.load()))
    assert state is not None
    assert "velos" in [app["name"] for app in state["completedapps"]]

    # embedded: the same export, models only (the tests do not change what they read)
    data = {"data_dir": str(export)}
    started = time.perf_counter()
    run_dbt(["seed", "--quiet"], vars=data)
    run_dbt(["run"], vars=data)
    embedded_seconds = time.perf_counter() - started

    marts = sorted(row["tableName"] for row in spark.sql("show tables in marts").collect())
    assert "fct_order_lines" in marts and len(marts) >= 9
    for table in marts:
        on_cluster = f"delta.`{home / 'warehouse' / 'marts.db' / table}`"
        embedded = f"marts.{table}"
        rows = spark.table(embedded).count()
        assert rows > 0, table
        assert spark.sql(f"select * from {on_cluster}").count() == rows, table
        # EXCEPT takes no MAP column (customer_features' shares): compare their sorted entries
        columns = ", ".join(
            f"array_sort(map_entries(`{field.name}`)) as `{field.name}`"
            if field.dataType.typeName() == "map"
            else f"`{field.name}`"
            for field in spark.table(embedded).schema.fields
        )
        for left, right in ((on_cluster, embedded), (embedded, on_cluster)):
            extra = spark.sql(
                f"select {columns} from {left} except all select {columns} from {right}"
            ).count()
            assert extra == 0, f"{table}: {extra} rows of {left} are not in {right}"
    print(
        f"\n{ORDER_LINES} lines: velos run (check, seed, dbt build) on the cluster "
        f"{cluster_seconds:.0f} s; embedded seed + dbt run {embedded_seconds:.0f} s; "
        f"{len(marts)} marts equal"
    )
