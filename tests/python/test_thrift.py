"""The Spark Thrift Server on a real Postgres metastore, read back by the clients BI tools use.

One server for the module (`velos thrift start` on VELOS_METASTORE=postgres, in a home of its
own under the test VELOS_HOME), stopped at the end with nothing left behind:

- dbt seeds and builds every model of the demo export through the server (target thrift);
  every mart read back with PyHive (dbt-spark's client) and with beeline over Hive JDBC equals
  the local target's build of the same export, row for row, and its column types are the
  local build's (decimal stays decimal(p,s), dates stay date); ANSI is off as in the session.
- while another process seeds another export and rebuilds top_model_by_store with every model
  upstream of it (velos's embedded Spark on the same Postgres metastore and warehouse, `dbt
  seed` then `dbt run --select +top_model_by_store`), PyHive reads that table in a bounded
  loop: every read is the whole old table or the whole new one, and after the run the reads
  equal what the run wrote.
- bad configuration fails in seconds with one line naming the fix: a port in use, a missing
  jar, a server that does not come up (and one that does not answer in time, stopped), a wrong
  metastore password, an unreachable Postgres.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyspark
import pytest
from pydantic import SecretStr

from velos import metastore, thrift
from velos import settings as settings_module
from velos.errors import VelosError
from velos.pipeline import MART_TABLES
from velos.settings import QUICK_JIT, Settings
from velos.spark_conf import class_archive_file, session_conf

pytestmark = [pytest.mark.spark, pytest.mark.thrift]

BIN = Path(sys.executable).parent
READ_LOOP_LIMIT_S = 1500.0  # the concurrent run must finish within this
FAST_FAILURE_S = 20.0  # "within seconds": a JVM launch that dies at once included
# The mart the reads watch while another process rebuilds it.
WATCHED = "top_model_by_store"
# what the writer prints first: the class archives its JVM maps
MAPPED = "class archives mapped:"
# The writer beside the server: velos's own session (same metastore and warehouse as the
# server) seeds another export, then runs the watched mart and every model upstream of it.
# Not the data tests (they read, and run on the local build elsewhere) nor the marts no read
# here looks at: they would only add minutes.
REBUILD = f"""
from velos.dbt import run_dbt
from velos.settings import load
from velos.spark import get_session
settings = load()
spark = get_session(settings)
pid = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getPid()
with open(f"/proc/{{pid}}/maps") as maps:
    mapped = {{line.split()[-1] for line in maps if line.rstrip().endswith(".jsa")}}
print("{MAPPED}", sorted(mapped), flush=True)
run_dbt(["seed", "--quiet"], settings=settings)
run_dbt(["run", "--select", "+{WATCHED}"], settings=settings)
"""


def _class_archive() -> str:
    """The driver's class archive `make test` made (test_class_archive.py proves it exists)."""
    settings = settings_module.load()
    return str(class_archive_file(settings, session_conf(settings)))


def _mapped_archives(pid: int) -> set[str]:
    """The class-data archives the JVM ``pid`` has mapped."""
    with open(f"/proc/{pid}/maps") as maps:
        return {line.split()[-1] for line in maps if line.rstrip().endswith(".jsa")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "VELOS_HOME": str(settings.home),
        "VELOS_METASTORE": settings.metastore,
        "SPARK_THRIFT_HOST": settings.thrift_host,
        "SPARK_THRIFT_PORT": str(settings.thrift_port),
        "SPARK_THRIFT_UI_PORT": str(settings.thrift_ui_port),
        "VELOS_METASTORE_PORT": str(settings.metastore_port),
        # dbt's target/ and logs/ of these processes stay in their home, apart from the
        # project's (which the in-process builds of other tests use)
        "DBT_TARGET_PATH": str(settings.home / "target"),
        "DBT_LOG_PATH": str(settings.home / "logs"),
        **extra,
    }


def _processes_using(path: Path) -> list[int]:
    """Pids whose command line mentions ``path`` (the server's properties file)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# -- canonical rows: the same value whichever client read it --------------------------------------
def _canonical(value: Any, spark_type: str) -> Any:
    if value is None or value == "NULL":
        return None
    if spark_type.startswith("decimal"):
        return Decimal(str(value))
    if spark_type in ("double", "float"):
        return float(value)
    if spark_type in ("int", "bigint", "smallint", "tinyint"):
        return int(value)
    if spark_type == "boolean":
        return value if isinstance(value, bool) else value == "true"
    return str(value)


def _rows(raw: list[tuple[Any, ...]], types: list[str]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(_canonical(v, t) for v, t in zip(row, types, strict=True)) for row in raw)


def _local_types(spark: Any, table: str) -> list[str]:
    return [field.dataType.simpleString() for field in spark.table(table).schema.fields]


def _local_rows(spark: Any, table: str) -> Counter[tuple[Any, ...]]:
    return _rows([tuple(row) for row in spark.table(table).collect()], _local_types(spark, table))


def _pyhive(settings: Settings, sql: str) -> tuple[list[tuple[Any, ...]], list[Any]]:
    from pyhive import hive

    connection = hive.connect(
        host="127.0.0.1", port=settings.thrift_port, username="velos", auth="NONE"
    )
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall()), list(cursor.description)
    finally:
        connection.close()


# -- the server ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served() -> Iterator[Settings]:
    """A Thrift server on a local Postgres metastore, in a home of its own; stopped after.

    Free loopback ports for the server, its UI and Postgres: the machine may run another
    velos (a demo's server on 10000, another checkout's tests) at the same time.
    """
    base = settings_module.load()
    settings = base.with_changes(
        home=base.home / "serving",
        metastore="postgres",
        thrift_port=_free_port(),
        thrift_ui_port=_free_port(),
        metastore_port=_free_port(),
        # this server lives minutes, not days: the quick JIT, as a command's session gets it
        # (a long-lived server keeps HotSpot's default unless the setting says otherwise)
        spark_driver_java_options=QUICK_JIT,
    )
    thrift.stop(settings)  # what an interrupted run may have left
    metastore.stop(settings)
    # a fresh home: a former run's `velos run` leaves tables (segments) that status would list
    shutil.rmtree(settings.home, ignore_errors=True)
    settings.home.mkdir(parents=True)
    try:
        info = thrift.start(settings)
        assert info["healthy"] and info["port"] == settings.thrift_port
        # the setting reaches the server's JVM
        pid = thrift.running_pid(settings)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert set(QUICK_JIT.encode().split()) <= set(cmdline), cmdline
        # its classpath begins as the embedded driver's (the Hive and Postgres jars after
        # Spark's), so it maps the driver's class archive; the JVM would silently not
        assert _class_archive() in _mapped_archives(pid)
        yield settings
    finally:
        thrift.stop(settings)
        metastore.stop(settings)
    server = thrift.server_for(settings)
    # stop leaves nothing: no process, no pid file, nothing listening
    assert _processes_using(server.properties_file) == []
    assert not server.pid_file.exists()
    for port in (settings.thrift_port, settings.thrift_ui_port, settings.metastore_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, port


@pytest.fixture(scope="module")
def thrift_build(
    served: Settings, build_export: Callable[[Path], float], demo_export: Path
) -> Settings:
    """The demo export seeded and its models built through the server, and by the local target.

    The local build is the session's shared one (conftest ``build_export``: the in-process
    embedded session on the suite's Derby metastore, reused when another test built the demo
    export already); the server's is a separate JVM on its own home and Postgres metastore, so
    the two never open the same catalog. Through the server, seeds and models only: the data
    tests are the same SQL on either target and run on the local build; what is compared here
    is the tables.
    """
    build_export(demo_export)  # the reference: the local target's build
    # Seeds first, then the models: staging reads the raw tables as sources, so no DAG edge
    # orders them after the seeds. No tests: `build --select` would add the models' tests.
    models = ["--select", "resource_type:model", "--indirect-selection", "empty"]
    for command in (["seed"], ["build", *models]):
        result = subprocess.run(
            [str(BIN / "dbt"), *command, "--target", "thrift",
             "--project-dir", str(served.project_dir), "--profiles-dir", str(served.project_dir)],
            env=_env(served, VELOS_DATA_DIR=str(demo_export)),
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:]
        assert re.search(r"PASS=\d+ WARN=0 ERROR=0 SKIP=0", result.stdout), result.stdout[-1500:]
    return served


def test_status_says_where_and_what(thrift_build: Settings) -> None:
    info = thrift.status(thrift_build)
    assert info["running"] and info["healthy"]
    port, ui_port = thrift_build.thrift_port, thrift_build.thrift_ui_port
    assert (info["host"], info["port"]) == ("127.0.0.1", port)
    # what it serves: every model the thrift build made in marts (the marts and the ML inputs)
    manifest = json.loads((thrift_build.home / "target" / "manifest.json").read_text())
    built = sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] == "marts"
        and node["config"]["materialized"] != "ephemeral"
    )
    assert {table.split(".")[1] for table in MART_TABLES} <= set(built)
    assert info["tables"] == built
    line = thrift.format_status(info)
    assert f"serving on 127.0.0.1:{port} (binary transport, no authentication)" in line
    assert f"UI http://127.0.0.1:{ui_port}" in line
    assert f"serves {len(built)} tables of marts: {', '.join(built)}" in line
    assert f"jdbc:postgresql://127.0.0.1:{thrift_build.metastore_port}/metastore" in line
    assert f"warehouse {thrift_build.warehouse_dir}" in line
    assert "WARNING" not in line  # loopback only


def test_hive_classes_the_server_loads_are_on_its_classpath(served: Settings) -> None:
    # Hive's FunctionRegistry, run when the server closes a session on a fresh worker thread,
    # instantiates this UDTF; without hive-llap-common (dropped from Spark 4's jars) it fails
    # with NoClassDefFoundError LlapSigner$Signable, and a fresh-clone CI build failed on it
    probe = "org.apache.hadoop.hive.ql.udf.generic.GenericUDTFGetSplits"
    rows, _ = _pyhive(served, f"create temporary function velos_probe as '{probe}'")
    assert rows == []


def test_ansi_off_as_in_the_embedded_session(thrift_build: Settings, spark: Any) -> None:
    sql = "select cast('not a number' as int) as n, 7 / 0 as q"
    rows, _ = _pyhive(thrift_build, sql)
    assert rows == [(None, None)] == [tuple(row) for row in spark.sql(sql).collect()]


def test_date_aggregates_as_in_the_embedded_session(thrift_build: Settings, spark: Any) -> None:
    # the server's sessions use Java 8 dates, with which Delta's metadata-only min/max failed
    # on date columns (the fix: velos.thrift.server_conf); what an analyst's tool asks first
    sql = (
        "select min(order_date), max(order_date), count(*), count(distinct order_date) "
        "from marts.fct_order_lines"
    )
    rows, _ = _pyhive(thrift_build, sql)
    ((low, high, lines, days),) = [tuple(row) for row in spark.sql(sql).collect()]
    assert lines > 0 and days > 1 and low < high
    assert rows == [(low.isoformat(), high.isoformat(), lines, days)]


def test_every_mart_through_pyhive_equals_the_local_build(
    thrift_build: Settings, spark: Any
) -> None:
    for table in MART_TABLES:
        types = _local_types(spark, table)
        rows, description = _pyhive(thrift_build, f"select * from {table}")
        assert [column[0] for column in description] == spark.table(table).columns, table
        expected = _local_rows(spark, table)
        assert sum(expected.values()) > 0, table
        assert _rows(rows, types) == expected, table


def test_mart_types_through_the_server_are_the_build_types(
    thrift_build: Settings, spark: Any
) -> None:
    seen: Counter[str] = Counter()
    for table in MART_TABLES:
        described, _ = _pyhive(thrift_build, f"describe {table}")
        served_types = [(name, kind) for name, kind, *_ in described if name and name[0] != "#"]
        local = [(f.name, f.dataType.simpleString()) for f in spark.table(table).schema.fields]
        assert served_types == local, table
        _, description = _pyhive(thrift_build, f"select * from {table} limit 1")
        for (name, kind), column in zip(local, description, strict=True):
            wire = column[1]  # the HiveServer2 type the client sees
            if kind.startswith("decimal"):
                assert wire == "DECIMAL_TYPE", (table, name)
                seen["decimal"] += 1
            elif kind == "date":
                assert wire == "DATE_TYPE", (table, name)
                seen["date"] += 1
    # money and dates are in the marts, and none was widened to double or string
    assert seen["decimal"] >= 5 and seen["date"] >= 3, seen


def _beeline_read(settings: Settings, tables: tuple[str, ...]) -> dict[str, list[list[str]]]:
    """All marts in one beeline run over Hive JDBC: a marker query before each table.

    beeline is pyspark's bin/beeline; SPARK_HOME points it at the pip pyspark.
    """
    script = "".join(
        f"select '@@{table}' as velos_marker;\nselect * from {table};\n" for table in tables
    )
    result = subprocess.run(
        # tsv2: beeline does not quote separated values by default, and marts hold commas
        [str(BIN / "beeline"), "-u", f"jdbc:hive2://127.0.0.1:{settings.thrift_port}/default",
         "-n", "velos", "--silent=true", "--outputformat=tsv2", "--showHeader=true", "-e",
         script],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "SPARK_HOME": str(Path(pyspark.__file__).parent)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    lines = list(csv.reader(io.StringIO(result.stdout), delimiter="\t", quoting=csv.QUOTE_NONE))
    index = 0
    while index < len(lines):
        line = lines[index]
        if line == ["velos_marker"]:
            current = sections.setdefault(lines[index + 1][0].removeprefix("@@"), [])
            index += 2
            continue
        if line and current is not None:
            current.append(line)
        index += 1
    return sections


def test_every_mart_through_beeline_equals_the_local_build(
    thrift_build: Settings, spark: Any
) -> None:
    sections = _beeline_read(thrift_build, MART_TABLES)
    assert set(sections) == set(MART_TABLES)
    for table in MART_TABLES:
        header, *rows = sections[table]
        assert header == spark.table(table).columns, table
        rows_as_tuples = [tuple(row) for row in rows]
        expected = _local_rows(spark, table)
        assert len(rows) == sum(expected.values()) > 0, table
        assert _rows(rows_as_tuples, _local_types(spark, table)) == expected, table


# -- bad configuration: one line, within seconds ---------------------------------------------------
@pytest.fixture()
def scratch(tmp_path: Path) -> Iterator[Settings]:
    """A server home of its own on free ports (Derby), apart from the module's server."""
    settings = settings_module.load().with_changes(
        home=tmp_path / "home",
        metastore="derby",
        thrift_port=_free_port(),
        thrift_ui_port=_free_port(),
    )
    yield settings
    thrift.stop(settings)  # a start that wrongly succeeded leaves nothing behind


def _fails_fast(settings: Settings, match: str, **kwargs: Any) -> str:
    started = time.monotonic()
    with pytest.raises(VelosError, match=match) as caught:
        thrift.start(settings, **kwargs)
    assert time.monotonic() - started < FAST_FAILURE_S
    message = str(caught.value)
    assert "\n" not in message, message
    assert thrift.running_pid(settings) is None
    assert _processes_using(thrift.server_for(settings).properties_file) == []
    return message


def test_port_in_use(scratch: Settings) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", scratch.thrift_port))
        holder.listen()
        message = _fails_fast(scratch, "already in use")
    assert f"127.0.0.1:{scratch.thrift_port}" in message and "SPARK_THRIFT_PORT" in message


def test_port_in_use_is_one_line_from_the_cli(scratch: Settings) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", scratch.thrift_port))
        holder.listen()
        result = subprocess.run(
            [str(BIN / "velos"), "thrift", "start"],
            env=_env(scratch), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("velos: error: "), (
        result.stderr
    )


def test_missing_jar(scratch: Settings, tmp_path: Path) -> None:
    no_jars = scratch.with_changes(jars=tmp_path / "no-jars")
    assert "make jars" in _fails_fast(no_jars, "Delta Lake jars are missing")


def test_server_that_does_not_come_up(scratch: Settings) -> None:
    broken = scratch.with_changes(thrift_memory="lots")  # the JVM refuses to start
    message = _fails_fast(broken, "exited during start-up")
    assert "thrift.log" in message


def test_server_that_does_not_answer_in_time_is_stopped(scratch: Settings) -> None:
    message = _fails_fast(scratch, r"did not answer a query .* within 1s", timeout=1.0)
    assert "VELOS_THRIFT_START_TIMEOUT" in message


def test_wrong_metastore_password(served: Settings, scratch: Settings) -> None:
    wrong = scratch.with_changes(
        metastore="postgres",
        metastore_port=served.metastore_port,  # the module's Postgres, with a wrong password
        metastore_password=SecretStr("not-it"),
    )
    message = _fails_fast(wrong, "refused the password")
    assert "VELOS_METASTORE_PASSWORD" in message


def test_unreachable_postgres(scratch: Settings) -> None:
    # 127.0.0.2 is loopback but not "local" to velos: it never starts a cluster there
    unreachable = scratch.with_changes(
        metastore="postgres",
        metastore_host="127.0.0.2",
        metastore_port=_free_port(),
        metastore_password=SecretStr("irrelevant"),
    )
    message = _fails_fast(unreachable, "no Postgres metastore answers at 127.0.0.2")
    assert "velos metastore start" in message


# -- last: the slowest, a whole rebuild beside the server ------------------------------------------
def test_reads_stay_whole_while_another_process_rebuilds_the_marts(
    thrift_build: Settings, spark: Any, tmp_path: Path
) -> None:
    table = f"marts.{WATCHED}"
    types = _local_types(spark, table)
    old = _rows(_pyhive(thrift_build, f"select * from {table}")[0], types)
    assert old == _local_rows(spark, table)

    other = tmp_path / "other-export"
    subprocess.run(
        [str(BIN / "velos"), "generate", "--out", str(other), "--order-lines", "2000",
         "--seed", "7"],
        check=True, capture_output=True,
    )  # fmt: skip
    log = tmp_path / "rebuild.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, "-c", REBUILD],
            env=_env(thrift_build, VELOS_DATA_DIR=str(other)), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    reads: list[Counter[tuple[Any, ...]]] = []
    failures: list[str] = []
    deadline = time.monotonic() + READ_LOOP_LIMIT_S
    try:
        while run.poll() is None and time.monotonic() < deadline:
            try:
                reads.append(_rows(_pyhive(thrift_build, f"select * from {table}")[0], types))
            except Exception as error:  # an error is a failed read, not a reason to stop
                failures.append(f"{type(error).__name__}: {error}")
            time.sleep(2.0)  # each read is a job on the server, beside the run it slows
    finally:
        if run.poll() is None:
            run.kill()
    run.wait()
    assert run.returncode == 0, log.read_text()[-3000:]
    # the writer's JVM, an embedded driver on the Postgres metastore, maps the class archive
    (mapped,) = [line for line in log.read_text().splitlines() if line.startswith(MAPPED)]
    assert repr(_class_archive()) in mapped, mapped
    assert not failures, failures[:3]

    new = _rows(_pyhive(thrift_build, f"select * from {table}")[0], types)
    # what the run wrote, read from its Delta files by this (other) Spark session
    location = thrift_build.warehouse_dir / "marts.db" / WATCHED
    written = spark.read.format("delta").load(str(location)).collect()
    assert new == _rows([tuple(row) for row in written], types)
    assert new != old and sum(new.values()) == 30
    assert len(reads) >= 10, len(reads)
    torn = [index for index, read in enumerate(reads) if read not in (old, new)]
    assert not torn, f"{len(torn)} of {len(reads)} reads were neither the old nor the new table"
