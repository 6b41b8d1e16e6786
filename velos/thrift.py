"""The Spark Thrift Server that serves the marts to PowerBI (and to dbt's ``thrift`` target).

``start`` runs Spark's ``HiveThriftServer2`` with ``spark-submit --class`` from the pip
pyspark, as a process of its own: it outlives the command that started it, keeps serving while
the analyst's session and the nightly run come and go, and ``stop`` ends exactly its process
group. (``HiveThriftServer2.startWithContext`` inside velos's session would tie the server's
life to one Python process and hold that process's Derby metastore; a separate server with a
shared Postgres metastore is what a deployment runs.)

The server gets the embedded session's own settings (velos.spark_conf.session_conf: Delta on the
classpath, the same warehouse and metastore, ANSI off, the same shuffle partitions) and maps its
class archive (the Hive and PostgreSQL jars go after Spark's: :func:`server_classpath`), plus:
binary transport on SPARK_THRIFT_HOST:SPARK_THRIFT_PORT (127.0.0.1:10000), the Spark UI on
127.0.0.1:SPARK_THRIFT_UI_PORT (4040), and synchronous statements
(``spark.sql.hive.thriftServer.async=false``), so that a client's first status poll already
finds the statement finished and dbt-spark never sleeps its ``poll_interval``; and Delta's
metadata-only min/max off, which fails on dates under the Java 8 time API that the server
forces on (see :func:`server_conf`).

Authentication: none (hive.server2.authentication=NONE). Any user name and password are
accepted, and a client may read and write every table. Keep it on loopback, or put an
authenticating, TLS-terminating gateway in front (README, "Serving the marts").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.node.processes import pid_alive, port_open, terminate_group
from velos import metastore
from velos.errors import VelosError
from velos.settings import Settings, package_file
from velos.spark_conf import (
    check_jars,
    session_conf,
    with_class_archive,
    with_classpath_after_spark,
)

MAIN_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
STOP_TIMEOUT_S = 30.0
SERVED_SCHEMA = "marts"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Lines of the server log that name a cause the user can fix, and the fix.
KNOWN_FAILURES = (
    ("Another instance of Derby may have already booted",
     "the Derby metastore of {home} is open in another process (a velos run, a notebook): "
     "stop that process, or use VELOS_METASTORE=postgres so that both can share the catalog"),
    ("Address already in use",
     "a port of the server is already in use: free {host}:{port} (SPARK_THRIFT_PORT) and "
     "127.0.0.1:{ui_port} (SPARK_THRIFT_UI_PORT), or choose others"),
    ("password authentication failed",
     "the Postgres metastore refused the password: set the right VELOS_METASTORE_PASSWORD"),
    ("ClassNotFoundException",
     "a class is missing from the classpath: run `make jars` (Delta, PostgreSQL JDBC, Hive)"),
)  # fmt: skip


@dataclass(frozen=True)
class Server:
    """Where one Thrift server of a VELOS_HOME keeps its pid, config and log."""

    dir: Path
    host: str
    port: int
    ui_port: int

    @property
    def pid_file(self) -> Path:
        return self.dir / "thrift.pid"

    @property
    def log_file(self) -> Path:
        return self.dir / "thrift.log"

    @property
    def properties_file(self) -> Path:
        return self.dir / "spark-thrift.conf"


def server_for(settings: Settings) -> Server:
    return Server(
        dir=settings.home / "thrift",
        host=settings.thrift_host,
        port=settings.thrift_port,
        ui_port=settings.thrift_ui_port,
    )


# --- processes -------------------------------------------------------------------------------


def _is_our_server(pid: int, server: Server) -> bool:
    """The pid runs HiveThriftServer2 with this home's properties (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return MAIN_CLASS in cmdline and str(server.properties_file) in cmdline


def running_pid(settings: Settings) -> int | None:
    """The pid of this VELOS_HOME's Thrift server, or None."""
    server = server_for(settings)
    try:
        pid = int(server.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) and _is_our_server(pid, server) else None


def refuse_shared_derby(settings: Settings) -> None:
    """An embedded session cannot open the Derby metastore while this home's server holds it."""
    if settings.metastore == "derby" and (pid := running_pid(settings)) is not None:
        raise VelosError(
            f"the Thrift server (pid {pid}) holds the Derby metastore of {settings.home}: "
            "stop it first (`velos thrift stop`), or run both on VELOS_METASTORE=postgres"
        )


def _client_host(server: Server) -> str:
    return "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host


# --- configuration ---------------------------------------------------------------------------


def server_conf(settings: Settings) -> dict[str, str]:
    """Every Spark setting of the server: the embedded session's, then the server's own."""

    conf = metastore.spark_conf(settings, session_conf(settings))
    conf.update({
        "spark.app.name": "velos-thrift",
        "spark.driver.memory": settings.thrift_memory,
        # ANSI off, as dbt-spark forces on the embedded session: same results on both targets
        "spark.sql.ansi.enabled": "false",
        "spark.hadoop.hive.server2.transport.mode": "binary",
        "spark.hadoop.hive.server2.thrift.bind.host": settings.thrift_host,
        "spark.hadoop.hive.server2.thrift.port": str(settings.thrift_port),
        "spark.hadoop.hive.server2.authentication": "NONE",
        "spark.hadoop.hive.server2.logging.operation.log.location": str(
            server_for(settings).dir / "operation_logs"
        ),
        # statements run synchronously: the first status poll finds them finished
        "spark.sql.hive.thriftServer.async": "false",
        # HiveThriftServer2 turns spark.sql.datetime.java8API.enabled on in every session
        # (SparkSQLEnv, SparkSQLSessionManager), and Delta's metadata-only min/max/count
        # (OptimizeMetadataOnlyDeltaQuery) then fails on any date column: "LocalDate cannot be
        # cast to java.sql.Date" (delta-io/delta#4201, unfixed in Delta 4.4). It broke
        # dim_customers and dim_date (max(order_date)) and any analyst's max(<date>). Off on
        # the server only: the same answers, read from the data instead of the Delta log.
        "spark.databricks.delta.optimizeMetadataQuery.enabled": "false",
        "spark.ui.enabled": "true",
        "spark.ui.port": str(settings.thrift_ui_port),
        "spark.port.maxRetries": "0",  # fail on a busy UI port rather than drift to 4041
    })  # fmt: skip
    log4j = package_file("thrift-log4j2.properties")
    options = [f"-Dderby.system.home={settings.home}", f"-Dlog4j2.configurationFile={log4j}"]
    if settings.spark_driver_java_options:  # unset: long-lived, HotSpot's default JIT pays
        options.append(settings.spark_driver_java_options)
    conf["spark.driver.extraJavaOptions"] = " ".join(options)
    # its classpath begins as the embedded driver's (the rest comes after Spark's jars:
    # server_classpath), so it maps the same class archive
    return with_class_archive(settings, conf)


def server_classpath(settings: Settings) -> list[str]:
    """The server's classpath after Spark's jars: the metastore's, and the Hive classes Spark 4
    stopped shipping (pom.xml, profile thrift)."""
    return [*metastore.classpath(settings), f"{_hive_jars(settings)}/*"]


def _hive_jars(settings: Settings) -> Path:
    return settings.jars_dir / "thrift"


def _check_jars(settings: Settings) -> None:
    check_jars(settings)  # Delta, as the embedded session needs it
    hive = _hive_jars(settings)
    if not any(hive.glob("hive-llap-common-*.jar")):
        raise VelosError(f"the Thrift server's Hive jars are missing from {hive}: run `make jars`")
    if metastore.uses_postgres(settings):
        metastore.jdbc_jars(settings)


def _spark_submit() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-submit"


def _command(server: Server) -> list[str]:
    return [
        str(_spark_submit()),
        "--properties-file", str(server.properties_file),
        "--class", MAIN_CLASS,
        "--name", "velos-thrift",
        "spark-internal",
    ]  # fmt: skip


# --- start, wait, stop, status ---------------------------------------------------------------


def query(settings: Settings, sql: str, timeout: float = 30.0) -> list[tuple[Any, ...]]:
    """Run one statement through the server with PyHive (dbt-spark's client); return the rows."""
    from pyhive import hive  # type: ignore[import-untyped]

    server = server_for(settings)
    connection = hive.connect(
        host=_client_host(server), port=server.port, username="velos", auth="NONE"
    )
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        connection.close()


def _diagnose(server: Server, settings: Settings) -> str | None:
    try:
        log = server.log_file.read_text(errors="replace")
    except OSError:
        return None
    for needle, fix in KNOWN_FAILURES:
        if needle in log:
            return fix.format(
                home=settings.home, host=server.host, port=server.port, ui_port=server.ui_port
            )
    # otherwise the first error-looking line says most
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    words = ("Invalid", "Error", "ERROR", "Exception")
    errors = [line for line in lines if any(word in line for word in words)]
    first = (errors or lines[-1:] or [""])[0]
    return first[:200] or None


def _fail(server: Server, settings: Settings, what: str) -> VelosError:
    cause = _diagnose(server, settings)
    return VelosError(f"{what}: {cause or 'see the log'} (log: {server.log_file})")


def _wait_ready(server: Server, settings: Settings, pid: int, timeout: float) -> float:
    """Poll until ``SHOW TABLES IN marts``-like real query answers; return the seconds waited."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            raise _fail(server, settings, f"the Thrift server (pid {pid}) exited during start-up")
        if port_open(_client_host(server), server.port):
            try:
                query(settings, "show databases")
                return time.monotonic() - started
            except Exception:
                pass  # listening, not serving yet: the session is still opening
        time.sleep(0.5)
    terminate_group(pid, STOP_TIMEOUT_S)
    raise _fail(
        server,
        settings,
        f"the Thrift server did not answer a query on {server.host}:{server.port} within "
        f"{timeout:.0f}s (VELOS_THRIFT_START_TIMEOUT) and was stopped",
    )


def start(settings: Settings, *, timeout: float | None = None) -> dict[str, Any]:
    """Start the server (or find it running) and wait until it answers a real query."""
    server = server_for(settings)
    timeout = settings.thrift_start_timeout if timeout is None else timeout
    pid = running_pid(settings)
    if pid is not None:
        _wait_ready(server, settings, pid, timeout)
        return status(settings)
    for host, port, name in (
        (_client_host(server), server.port, "SPARK_THRIFT_PORT"),
        ("127.0.0.1", server.ui_port, "SPARK_THRIFT_UI_PORT"),
    ):
        if port_open(host, port):
            raise VelosError(
                f"{host}:{port} is already in use by a process velos did not start: stop it, "
                f"or set {name} to a free port"
            )
    _check_jars(settings)
    metastore.ensure_running(settings)  # postgres: started if local, login checked
    server.dir.mkdir(parents=True, exist_ok=True)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    server.properties_file.write_text(
        "".join(f"{key} {value}\n" for key, value in sorted(server_conf(settings).items()))
    )
    environment = {
        **with_classpath_after_spark(os.environ, server_classpath(settings)),
        "SPARK_LOCAL_IP": "127.0.0.1",  # the UI and the driver stay on loopback
        "PYSPARK_PYTHON": sys.executable,
    }
    with open(server.log_file, "wb") as log:
        process = subprocess.Popen(
            _command(server),
            cwd=server.dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,  # its own process group: stop ends it all
        )
    server.pid_file.write_text(f"{process.pid}\n")
    seconds = _wait_ready(server, settings, process.pid, timeout)
    info = status(settings)
    info["ready_seconds"] = seconds
    return info


def stop(settings: Settings) -> bool:
    """Stop this home's server (its process group only); False when none was running."""
    server = server_for(settings)
    pid = running_pid(settings)
    if pid is not None:
        terminate_group(pid, STOP_TIMEOUT_S)
    server.pid_file.unlink(missing_ok=True)
    return pid is not None


def status(settings: Settings) -> dict[str, Any]:
    """Where the server listens, what it serves, and whether it answers."""
    server = server_for(settings)
    pid = running_pid(settings)
    tables: list[str] | None = None
    if pid is not None:
        try:
            databases = {str(row[0]) for row in query(settings, "show databases")}
            tables = []
            if SERVED_SCHEMA in databases:
                rows = query(settings, f"show tables in {SERVED_SCHEMA}")
                tables = sorted(str(row[1]) for row in rows)
        except Exception:
            tables = None
    return {
        "pid": pid,
        "running": pid is not None,
        "healthy": tables is not None,
        "host": server.host,
        "port": server.port,
        "ui": f"http://127.0.0.1:{server.ui_port}",
        "metastore": metastore.jdbc_url(settings)
        if metastore.uses_postgres(settings)
        else f"derby {settings.metastore_dir}",
        "warehouse": str(settings.warehouse_dir),
        "tables": tables,
        "log": str(server.log_file),
    }


def format_status(info: dict[str, Any]) -> str:
    where = f"{info['host']}:{info['port']}"
    if not info["running"]:
        return f"thrift: not running (would listen on {where}, binary transport)"
    if not info["healthy"]:
        return f"thrift: pid {info['pid']} on {where} is NOT answering; log {info['log']}"
    tables = info["tables"] or []
    served = (
        f"{len(tables)} tables of {SERVED_SCHEMA}: {', '.join(tables)}"
        if tables
        else f"no table in {SERVED_SCHEMA} yet (make demo, or dbt build --target thrift)"
    )
    lines = [
        f"thrift: pid {info['pid']} serving on {where} (binary transport, no authentication), "
        f"UI {info['ui']}",
        f"  serves {served}",
        f"  warehouse {info['warehouse']}; metastore {info['metastore']}",
    ]
    if info["host"] not in LOOPBACK:
        lines.append(
            "  WARNING: listening beyond loopback with no authentication: anyone who reaches "
            "this port reads and writes every table"
        )
    if "ready_seconds" in info:
        lines.append(f"  answered a query {info['ready_seconds']:.1f} s after start")
    return "\n".join(lines)


def serve_foreground(settings: Settings) -> None:
    """Start, then stay until the server exits or this process is stopped (containers)."""
    print(format_status(start(settings)), flush=True)
    pid = running_pid(settings)

    def _stop(signum: int, frame: object) -> None:
        stop(settings)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    try:
        while pid is not None and pid_alive(pid):
            time.sleep(1.0)
    finally:
        stop(settings)
    raise VelosError(f"the Thrift server exited; see {server_for(settings).log_file}")


def run_action(settings: Settings, action: str, *, foreground: bool = False) -> str:
    """``velos thrift start|stop|status``: do it and return what to print."""
    if action == "start" and foreground:
        serve_foreground(settings)
    if action == "start":
        return format_status(start(settings))
    if action == "stop":
        server = server_for(settings)
        if stop(settings):
            return f"thrift: stopped ({server.host}:{server.port})"
        return "thrift: no server started by velos was running"
    if action == "status":
        return format_status(status(settings))
    raise VelosError(f"unknown action {action!r}: use start, stop or status")
