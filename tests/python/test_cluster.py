"""Nothing in the project assumes one process: the same run on a Spark standalone cluster.

A master and two workers (one core, 2 GB, a work folder each; loopback only) are started from
the pip pyspark with velos.cluster; `velos run` (check, seed, `dbt build` with every test) runs
in a process of its own with VELOS_SPARK_MASTER=spark://127.0.0.1:7077 and a home of its own,
then the segment step (the clusterings, the classifier and the forecast) runs on the same
cluster as the plain script `spark-submit velos/ml/__main__.py`: the executors are the
workers', the warehouse a folder every process of this machine reads. Every table it wrote in
the marts' schema, the segment outputs with them, holds exactly the rows of the embedded build
and segmentation of the same export (EXCEPT ALL both ways, doubles compared to 9 decimals:
a sum over other partitions may differ in its last bits), read back here by path.

Minutes, not seconds (a whole build with two one-core executors): marked ``cluster`` and left
out of `make test`; `make test-cluster` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from velos import cluster, settings
from velos.dbt import run_dbt
from velos.generate import generate
from velos.ml import run_segment
from velos.settings import find_project

pytestmark = [pytest.mark.spark, pytest.mark.cluster]

ORDER_LINES = 2_000
PROJECT_DIR = find_project(Path(__file__).parent)


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
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "PASS=" in run.stdout or "build" in run.stdout
    # the segment step with Spark's own launcher, on the same cluster and home
    submit = subprocess.run(
        [str(Path(sys.executable).parent / "spark-submit"), "--master", running_cluster["master"],
         "--driver-class-path", str(settings.load().jars_dir / "delta" / "*"),
         "--driver-java-options", f"-Dderby.system.home={home}",
         str(PROJECT_DIR / "velos" / "ml" / "__main__.py")],
        env={**environment, "PYSPARK_PYTHON": sys.executable}, cwd=PROJECT_DIR,
        capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    cluster_seconds = time.perf_counter() - started
    assert submit.returncode == 0, submit.stdout[-3000:] + submit.stderr[-3000:]
    assert "velos segment: " in submit.stdout
    # the build's application ran on the cluster's executors: the master lists it as completed
    state = cluster.master_state(cluster.cluster_for(settings.load()))
    assert state is not None
    assert [app["name"] for app in state["completedapps"]] == ["velos", "velos"]

    # embedded: the same export, models only (the tests do not change what they read), then
    # the segmentation with a home of its own (its first model version, as on the cluster)
    exported = settings.load(VELOS_DATA_DIR=export)
    started = time.perf_counter()
    run_dbt(["seed", "--quiet"], settings=exported)
    run_dbt(["run"], settings=exported)
    ml_home = tmp_path_factory.mktemp("embedded-ml-home")
    run_segment(
        spark,
        settings.load().with_changes(home=ml_home, mlflow_enabled=False),
        say=lambda line: None,
    )
    embedded_seconds = time.perf_counter() - started

    # the schema's tables (show tables also lists this session's temporary views: dbt's
    # incremental run leaves fct_order_lines__dbt_tmp)
    marts = sorted(
        row["tableName"]
        for row in spark.sql("show tables in marts").collect()
        if not row["isTemporary"]
    )
    assert {"fct_order_lines", "customer_segments", "store_segments", "demand_forecast"} <= set(
        marts
    )
    for table in marts:
        on_cluster = f"delta.`{home / 'warehouse' / 'marts.db' / table}`"
        embedded = f"marts.{table}"
        rows = spark.table(embedded).count()
        assert rows > 0, table
        assert spark.sql(f"select * from {on_cluster}").count() == rows, table
        columns = ", ".join(comparable(field) for field in spark.table(embedded).schema.fields)
        for left, right in ((on_cluster, embedded), (embedded, on_cluster)):
            extra = spark.sql(
                f"select {columns} from {left} except all select {columns} from {right}"
            ).count()
            assert extra == 0, f"{table}: {extra} rows of {left} are not in {right}"
    print(
        f"\n{ORDER_LINES} lines: velos run (check, seed, dbt build) and spark-submit of the "
        f"segment step on the cluster "
        f"{cluster_seconds:.0f} s; embedded seed, dbt run and segment {embedded_seconds:.0f} s; "
        f"{len(marts)} tables equal"
    )


def comparable(field: Any) -> str:
    """A column as EXCEPT can compare it: a MAP's sorted entries (EXCEPT takes no MAP), a
    double to 9 decimals (a sum over differently split partitions may differ in its last
    bits)."""
    name = f"`{field.name}`"
    kind = field.dataType.typeName()
    if kind == "map":
        return f"array_sort(map_entries({name})) as {name}"
    if kind == "double":
        return f"round({name}, 9) as {name}"
    return name
