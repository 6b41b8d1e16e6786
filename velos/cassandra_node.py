"""One local Apache Cassandra 5.0 node, run from the Maven jar cache (no Docker, no tarball).

``start`` writes a minimal ``cassandra.yaml`` and ``logback.xml`` under
``$VELOS_HOME/cassandra/`` (``cassandra-auth/`` in secured mode), launches
``org.apache.cassandra.service.CassandraDaemon`` with the flags of Cassandra's
``conf/jvm17-server.options`` plus the jamm agent, keeps the pid, and waits until the native port
answers a real CQL query. ``stop`` ends only that pid. The node listens on 127.0.0.1 only.

Environment (all optional):
    CASSANDRA_PORT           native (CQL) port, shared with the loader's settings (9042)
    CASSANDRA_STORAGE_PORT   inter-node port (7000)
    CASSANDRA_LOCAL_AUTH=1   the secured node: PasswordAuthenticator + CassandraAuthorizer, and
                             TLS on the native port (optional, so plain clients still connect)
                             with a self-signed certificate whose PEM is ``tls_certificate()``
    CASSANDRA_HEAP           max heap, e.g. 2G (initial heap is 1G)
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from velos.errors import VelosError
from velos.settings import Settings

LISTEN_ADDRESS = "127.0.0.1"
DEFAULT_STORAGE_PORT = 7000
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
# The default superuser PasswordAuthenticator creates on an empty node. Only ever used against
# the dev node this module starts, which listens on loopback only.
DEV_SUPERUSER = ("cassandra", "cassandra")
MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon"

# From conf/jvm-server.options and conf/jvm17-server.options of Cassandra 5.0. Left out on
# purpose: -XX:+AlwaysPreTouch (touching the whole heap slows a dev start for nothing) and the
# GC log (the node log is enough here).
JVM17_SERVER_OPTIONS = [
    "-ea",
    "-da:net.openhft...",
    "-XX:+UseThreadPriorities",
    "-XX:+HeapDumpOnOutOfMemoryError",
    "-Xss256k",
    "-XX:+UseTLAB",
    "-XX:+ResizeTLAB",
    "-XX:+UseNUMA",
    "-XX:+PerfDisableSharedMem",
    "-Djava.net.preferIPv4Stack=true",
    "-XX:+UseG1GC",
    "-XX:+ParallelRefProcEnabled",
    "-XX:MaxTenuringThreshold=1",
    "-XX:G1HeapRegionSize=16m",
    "-XX:G1RSetUpdatingPauseTimePercent=5",
    "-XX:MaxGCPauseMillis=300",
    "-XX:InitiatingHeapOccupancyPercent=70",
    "-Djdk.attach.allowAttachSelf=true",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
    "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.base/java.io=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/java.util=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dio.netty.allocator.useCacheForAllThreads=true",
    "-Dio.netty.allocator.maxOrder=11",
    # what cassandra-env.sh adds: stop rather than run on after an OutOfMemoryError
    "-XX:+ExitOnOutOfMemoryError",
]  # fmt: skip

CASSANDRA_YAML = """\
# Written by velos/cassandra_node.py for one local development node. Do not edit: rewritten
# on every start.
cluster_name: {cluster_name}
num_tokens: 4
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{listen}:{storage_port}"
listen_address: {listen}
rpc_address: {listen}
storage_port: {storage_port}
native_transport_port: {native_port}
start_native_transport: true
data_file_directories:
  - {node_dir}/data
commitlog_directory: {node_dir}/commitlog
saved_caches_directory: {node_dir}/saved_caches
hints_directory: {node_dir}/hints
cdc_raw_directory: {node_dir}/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
authenticator: {authenticator}
authorizer: {authorizer}
role_manager: CassandraRoleManager
{client_encryption}# dev node: no snapshots on truncate/drop
auto_snapshot: false
snapshot_before_compaction: false
# Cassandra 5.0's recommended memtable for new clusters (conf/cassandra_latest.yaml): a trie
# kept off the Java heap costs less CPU per write than the legacy skip list
memtable:
  configurations:
    skiplist:
      class_name: SkipListMemtable
    trie:
      class_name: TrieMemtable
    default:
      inherits: trie
memtable_allocation_type: offheap_objects
"""

LOGBACK_XML = """\
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>{log_dir}/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"""


@dataclass(frozen=True)
class Node:
    """Where one local node lives and how it listens."""

    dir: Path
    native_port: int
    storage_port: int
    auth: bool
    jars_dir: Path
    heap_max: str = "2G"

    @property
    def pid_file(self) -> Path:
        return self.dir / "cassandra.pid"

    @property
    def log_file(self) -> Path:
        return self.dir / "logs" / "system.log"

    @property
    def stdout_file(self) -> Path:
        return self.dir / "logs" / "stdout.log"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def node_for(
    settings: Settings,
    *,
    auth: bool | None = None,
    native_port: int | None = None,
    storage_port: int | None = None,
) -> Node:
    """The node ``start``/``stop``/``status`` act on, from settings, env and overrides."""
    if auth is None:
        auth = _truthy(os.environ.get("CASSANDRA_LOCAL_AUTH"))
    if storage_port is None:
        storage_port = int(os.environ.get("CASSANDRA_STORAGE_PORT") or DEFAULT_STORAGE_PORT)
    # An auth node keeps its own data folder: its system_auth roles must not leak into, or
    # depend on, the open dev node's data.
    return Node(
        dir=settings.home / ("cassandra-auth" if auth else "cassandra"),
        native_port=native_port or settings.cassandra_port,
        storage_port=storage_port,
        auth=auth,
        jars_dir=_jars_dir(settings),
        heap_max=os.environ.get("CASSANDRA_HEAP") or "2G",
    )


def _jars_dir(settings: Settings) -> Path:
    # VELOS_HOME may be a per-helper folder without a jar cache: fall back to the project's.
    candidates = (settings.jars_dir / "cassandra", settings.project_dir / ".velos/jars/cassandra")
    for candidate in candidates:
        if any(candidate.glob("cassandra-all-*.jar")):
            return candidate
    return settings.project_dir / ".velos/jars/cassandra"


def _pid_alive(pid: int) -> bool:
    """True when ``pid`` runs and is not a zombie (a killed child we started and not reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if state == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def _is_our_node(pid: int, node: Node) -> bool:
    """The pid runs CassandraDaemon with this node's config (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return MAIN_CLASS in cmdline and str(node.dir / "conf") in cmdline


def _read_pid(node: Node) -> int | None:
    try:
        pid = int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if _pid_alive(pid) and _is_our_node(pid, node):
        return pid
    return None


def _port_open(port: int, host: str = LISTEN_ADDRESS, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def query_ok(
    host: str,
    port: int,
    credentials: tuple[str, str] | None = None,
    timeout: float = 5.0,
) -> str | None:
    """Run ``SELECT release_version FROM system.local``; return the version or None.

    A probe: "nothing answers" is an expected outcome here, so the driver's own logging of a
    failed connection (a traceback per attempt) is kept quiet while it runs.
    """
    if not _port_open(port, host, timeout=min(timeout, 2.0)):
        return None
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import RoundRobinPolicy

    auth = PlainTextAuthProvider(*credentials) if credentials else None
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=timeout)
    cluster = Cluster(
        [host],
        port=port,
        auth_provider=auth,
        protocol_version=5,
        connect_timeout=timeout,
        control_connection_timeout=timeout,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )
    driver_log = logging.getLogger("cassandra")
    level = driver_log.level
    driver_log.setLevel(logging.CRITICAL)
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local", timeout=timeout).one()
        return row.release_version if row else None
    except Exception:
        return None
    finally:
        cluster.shutdown()
        driver_log.setLevel(level)


def _log_tail(node: Node, lines: int = 30) -> str:
    chunks = []
    for path in (node.log_file, node.stdout_file):
        try:
            text = path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            continue
        if text:
            chunks.append(f"--- last lines of {path} ---\n" + "\n".join(text))
    return "\n".join(chunks) or f"(no log in {node.dir / 'logs'})"


CLIENT_ENCRYPTION_YAML = """\
# TLS for clients; optional, so plain connections on the same port still work
client_encryption_options:
  enabled: true
  optional: true
  keystore: {keystore}
  keystore_password: {password}
  store_type: PKCS12
"""


def tls_certificate(node: Node) -> Path:
    """The secured node's self-signed certificate (PEM): the CA for CASSANDRA_SSL_CA."""
    return node.dir / "conf" / "node-cert.pem"


def self_signed_certificate(keystore: Path, certificate: Path, password: str, name: str) -> None:
    """A self-signed key pair for 127.0.0.1 in a PKCS12 ``keystore``, its certificate as PEM.

    Made with keytool, which comes with the JDK the node already needs.
    """
    keytool = [
        "keytool", "-noprompt", "-storetype", "PKCS12", "-keystore", str(keystore),
        "-storepass", password, "-alias", "velos",
    ]  # fmt: skip
    keystore.unlink(missing_ok=True)
    try:
        subprocess.run(
            [*keytool, "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
             "-dname", f"CN={name}", "-keypass", password,
             "-ext", f"SAN=ip:{LISTEN_ADDRESS},dns:localhost"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        subprocess.run(
            [*keytool, "-exportcert", "-rfc", "-file", str(certificate)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise VelosError(
            f"cannot make a TLS certificate with keytool (from the JDK): {detail.strip()[:300]}"
        ) from None


def _client_encryption(node: Node) -> str:
    """Make the node's TLS key pair once and the yaml that uses it."""
    conf = node.dir / "conf"
    keystore = conf / "node-keystore.p12"
    password_file = conf / "node-keystore.password"
    if not (keystore.is_file() and password_file.is_file() and tls_certificate(node).is_file()):
        # a fresh random password: it only ever lives in this ignored folder
        password = secrets.token_urlsafe(18)
        self_signed_certificate(keystore, tls_certificate(node), password, "velos local Cassandra")
        password_file.write_text(password)
        password_file.chmod(0o600)
    return CLIENT_ENCRYPTION_YAML.format(
        keystore=keystore, password=password_file.read_text().strip()
    )


def _write_config(node: Node) -> Path:
    conf = node.dir / "conf"
    subdirs = ("conf", "triggers", "data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs")
    for sub in subdirs:
        (node.dir / sub).mkdir(parents=True, exist_ok=True)
    (conf / "cassandra.yaml").write_text(
        CASSANDRA_YAML.format(
            cluster_name="velos-auth" if node.auth else "velos-local",
            listen=LISTEN_ADDRESS,
            storage_port=node.storage_port,
            native_port=node.native_port,
            node_dir=node.dir,
            authenticator="PasswordAuthenticator" if node.auth else "AllowAllAuthenticator",
            authorizer="CassandraAuthorizer" if node.auth else "AllowAllAuthorizer",
            client_encryption=_client_encryption(node) if node.auth else "",
        )
    )
    (conf / "logback.xml").write_text(LOGBACK_XML.format(log_dir=node.dir / "logs"))
    return conf


def _java_command(node: Node, conf: Path) -> list[str]:
    jars = sorted(node.jars_dir.glob("*.jar"))
    jamm = next((jar for jar in jars if jar.name.startswith("jamm-")), None)
    if not any(jar.name.startswith("cassandra-all-") for jar in jars) or jamm is None:
        raise VelosError(
            f"the Cassandra jars are missing from {node.jars_dir}: run `make jars` "
            "(mvn -P cassandra dependency:copy-dependencies)"
        )
    classpath = os.pathsep.join([str(conf), *(str(jar) for jar in jars)])
    return [
        "java",
        *JVM17_SERVER_OPTIONS,
        "-Xms1G",
        f"-Xmx{node.heap_max}",
        f"-javaagent:{jamm}",
        f"-Dcassandra.config=file://{conf}/cassandra.yaml",
        f"-Dlogback.configurationFile=file://{conf}/logback.xml",
        f"-Dcassandra.logdir={node.dir / 'logs'}",
        f"-Dcassandra.storagedir={node.dir}",
        f"-Dcassandra.triggers_dir={node.dir / 'triggers'}",
        "-Dcassandra-foreground=yes",
        # single dev node: nothing to gossip with, and the auth superuser is wanted at once
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        "-Dcassandra.superuser_setup_delay_ms=0",
        "-cp",
        classpath,
        MAIN_CLASS,
    ]


def _credentials(node: Node) -> tuple[str, str] | None:
    return DEV_SUPERUSER if node.auth else None


def start(
    settings: Settings,
    *,
    auth: bool | None = None,
    native_port: int | None = None,
    storage_port: int | None = None,
    timeout: float = START_TIMEOUT_S,
) -> Node:
    """Start the local node (or find it already running) and wait until it answers CQL.

    Harmless when the node already runs. Raises VelosError when the jars are missing, when
    another process holds the port, or when the node does not answer within ``timeout``
    seconds (the message carries the tail of the node log).
    """
    node = node_for(settings, auth=auth, native_port=native_port, storage_port=storage_port)
    pid = _read_pid(node)
    if pid is not None:
        _wait_ready(node, pid, timeout)
        return node
    for port in (node.native_port, node.storage_port):
        if _port_open(port):
            raise VelosError(
                f"127.0.0.1:{port} is already in use by a process velos did not start; "
                "stop it, or point CASSANDRA_PORT / CASSANDRA_STORAGE_PORT elsewhere"
            )
    conf = _write_config(node)
    command = _java_command(node, conf)
    env = {**os.environ, "MALLOC_ARENA_MAX": "4"}  # as cassandra-env.sh does
    with open(node.stdout_file, "ab") as out:
        process = subprocess.Popen(
            command,
            cwd=node.dir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # outlives the CLI call; not hit by the terminal's ^C
        )
    node.pid_file.write_text(f"{process.pid}\n")
    _wait_ready(node, process.pid, timeout)
    return node


def _wait_ready(node: Node, pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            raise VelosError(
                f"the Cassandra node (pid {pid}) exited during start-up.\n{_log_tail(node)}"
            )
        if _port_open(node.native_port) and query_ok(
            LISTEN_ADDRESS, node.native_port, _credentials(node)
        ):
            return
        time.sleep(1.0)
    raise VelosError(
        f"the Cassandra node (pid {pid}) did not answer a CQL query on "
        f"127.0.0.1:{node.native_port} within {timeout:.0f}s; see {node.log_file}, or run "
        f"`velos cassandra stop` and start again.\n{_log_tail(node)}"
    )


def stop(
    settings: Settings,
    *,
    auth: bool | None = None,
    native_port: int | None = None,
    storage_port: int | None = None,
    timeout: float = STOP_TIMEOUT_S,
) -> bool:
    """Stop the node this module started (its pid only); return False when none was running."""
    node = node_for(settings, auth=auth, native_port=native_port, storage_port=storage_port)
    pid = _read_pid(node)
    if pid is None:
        node.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.3)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _pid_alive(pid):
            time.sleep(0.1)
    node.pid_file.unlink(missing_ok=True)
    return True


def kill(node: Node) -> int | None:
    """``kill -9`` the node's pid (fault tests); return the pid, or None if not running."""
    pid = _read_pid(node)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    return pid


def status(
    settings: Settings,
    *,
    auth: bool | None = None,
    native_port: int | None = None,
    storage_port: int | None = None,
) -> dict[str, object]:
    """Pid, port and health of the local node, as a dict (the CLI prints it)."""
    node = node_for(settings, auth=auth, native_port=native_port, storage_port=storage_port)
    pid = _read_pid(node)
    version = query_ok(LISTEN_ADDRESS, node.native_port, _credentials(node), timeout=3.0)
    return {
        "pid": pid,
        "host": LISTEN_ADDRESS,
        "port": node.native_port,
        "auth": node.auth,
        "running": pid is not None,
        "healthy": version is not None,
        "version": version,
        "dir": str(node.dir),
        "log": str(node.log_file),
        "tls_certificate": str(tls_certificate(node)) if node.auth else None,
    }


def format_status(info: dict[str, object]) -> str:
    """One line for ``velos cassandra status``."""
    if info["running"]:
        health = f"healthy, Cassandra {info['version']}" if info["healthy"] else "NOT answering"
        line = f"cassandra: pid {info['pid']} on {info['host']}:{info['port']} ({health})"
        if info.get("tls_certificate"):
            line += f"; secured: login and TLS, CASSANDRA_SSL_CA={info['tls_certificate']}"
        return line
    if info["healthy"]:
        return (
            f"cassandra: a node velos did not start answers on {info['host']}:{info['port']} "
            f"(Cassandra {info['version']})"
        )
    return f"cassandra: not running (would listen on {info['host']}:{info['port']})"


def ensure_running(settings: Settings) -> bool:
    """Use the node that answers on the configured host/port, or start the local one.

    Returns True when this call started the node (``make demo`` / ``velos run``).
    """
    host = settings.cassandra_hosts[0] if settings.cassandra_hosts else LISTEN_ADDRESS
    credentials = None
    if settings.cassandra_user:
        credentials = (settings.cassandra_user, settings.cassandra_password or "")
    if query_ok(host, settings.cassandra_port, credentials) is not None:
        return False
    if host not in (LISTEN_ADDRESS, "localhost"):
        raise VelosError(
            f"no Cassandra answers at {host}:{settings.cassandra_port} (CASSANDRA_HOSTS); "
            "velos only starts a node on 127.0.0.1"
        )
    start(settings)
    return True


def run_action(settings: Settings, action: str) -> str:
    """``velos cassandra start|stop|status``: do it and return the line to print."""
    if action == "start":
        node = start(settings)
        return format_status(status(settings, auth=node.auth))
    if action == "stop":
        node = node_for(settings)
        if stop(settings):
            return f"cassandra: stopped (127.0.0.1:{node.native_port})"
        return "cassandra: no node started by velos was running"
    if action == "status":
        return format_status(status(settings))
    raise VelosError(f"unknown action {action!r}: use start, stop or status")
