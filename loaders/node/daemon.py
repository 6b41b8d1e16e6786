"""Starting, finding and stopping the node's JVM (its pid only, never by name)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from loaders.connection import probe
from loaders.errors import LoaderError
from loaders.node import files, roles
from loaders.node.config import NodeConfig
from loaders.node.processes import pid_alive, port_open

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon"


def _is_our_node(pid: int, node: NodeConfig) -> bool:
    """The pid runs CassandraDaemon with this node's config (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return MAIN_CLASS in cmdline and str(node.conf_dir) in cmdline


def read_pid(node: NodeConfig) -> int | None:
    try:
        pid = int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if pid_alive(pid) and _is_our_node(pid, node):
        return pid
    return None


def version(node: NodeConfig) -> str | None:
    """The node's Cassandra version when it answers a query as its admin, else None."""
    if not port_open(node.listen_address, node.native_port):
        return None
    try:
        return probe(node.client(connect_timeout=3.0))
    except LoaderError:
        return None


def _log_tail(node: NodeConfig, lines: int = 30) -> str:
    chunks = []
    for path in (node.log_file, node.stdout_file):
        try:
            text = path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            continue
        if text:
            chunks.append(f"--- last lines of {path} ---\n" + "\n".join(text))
    return "\n".join(chunks) or f"(no log in {node.dir / 'logs'})"


def _java_command(node: NodeConfig, conf: Path) -> list[str]:
    jars = sorted(node.jars_dir.glob("*.jar"))
    jamm = next((jar for jar in jars if jar.name.startswith("jamm-")), None)
    if not any(jar.name.startswith("cassandra-all-") for jar in jars) or jamm is None:
        raise LoaderError(
            f"the Cassandra jars are missing from {node.jars_dir}: run `make jars` "
            "(mvn -P cassandra dependency:copy-dependencies)"
        )
    classpath = os.pathsep.join([str(conf), *(str(jar) for jar in jars)])
    return [
        "java",
        *files.jvm_options(),
        "-Xms1G",
        f"-Xmx{node.heap_max}",
        f"-javaagent:{jamm}",
        f"-Dcassandra.config=file://{conf}/cassandra.yaml",
        f"-Dlogback.configurationFile=file://{conf}/logback.xml",
        f"-Dcassandra.logdir={node.dir / 'logs'}",
        f"-Dcassandra.storagedir={node.dir}",
        f"-Dcassandra.triggers_dir={node.dir / 'triggers'}",
        "-Dcassandra-foreground=yes",
        # a dev node or a small ring on loopback: gossip settles at once, and the auth
        # superuser is wanted at once
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        "-Dcassandra.superuser_setup_delay_ms=0",
        "-cp",
        classpath,
        MAIN_CLASS,
    ]


def start(node: NodeConfig, *, timeout: float = START_TIMEOUT_S, secure: bool = True) -> NodeConfig:
    """Start the node (or find it already running) and wait until it answers CQL.

    Harmless when the node already runs. Raises LoaderError when the jars are missing, when
    another process holds a port, or when the node does not answer within ``timeout``
    seconds (the message carries the tail of the node log). A secured node then gets its
    roles (loaders/node/roles.py) unless ``secure`` is False (a ring sets them up once all
    of its nodes are up).
    """
    pid = read_pid(node)
    if pid is None:
        for port in (node.native_port, node.storage_port):
            if port_open(node.listen_address, port):
                raise LoaderError(
                    f"{node.listen_address}:{port} is already in use by a process velos did not "
                    "start; stop it, or point CASSANDRA_PORT / CASSANDRA_STORAGE_PORT elsewhere"
                )
        conf = files.write_config(node)
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
        pid = process.pid
    _wait_ready(node, pid, timeout)
    if node.auth and secure:
        roles.secure(node)
    return node


def _wait_ready(node: NodeConfig, pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "nothing answered yet"
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            raise LoaderError(
                f"the Cassandra node (pid {pid}) exited during start-up.\n{_log_tail(node)}"
            )
        if port_open(node.listen_address, node.native_port):
            try:
                probe(node.client())
                return
            except LoaderError as exc:  # e.g. the auth tables are still being set up
                last = str(exc)
        time.sleep(1.0)
    raise LoaderError(
        f"the Cassandra node (pid {pid}) did not answer a CQL query on "
        f"{node.listen_address}:{node.native_port} within {timeout:.0f}s ({last}); see "
        f"{node.log_file}, or run `velos cassandra stop` and start again.\n{_log_tail(node)}"
    )


def stop(node: NodeConfig, *, timeout: float = STOP_TIMEOUT_S) -> bool:
    """Stop the node this module started (its pid only); return False when none was running."""
    pid = read_pid(node)
    if pid is None:
        node.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.3)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
        while pid_alive(pid):
            time.sleep(0.1)
    node.pid_file.unlink(missing_ok=True)
    return True


def kill(node: NodeConfig) -> int | None:
    """``kill -9`` the node's pid (fault tests); return the pid, or None if not running."""
    pid = read_pid(node)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    return pid


def status(node: NodeConfig) -> dict[str, object]:
    """Pid, port and health of the node, as a dict (``format_status`` makes it a line)."""
    pid = read_pid(node)
    found = version(node)
    return {
        "pid": pid,
        "host": node.listen_address,
        "port": node.native_port,
        "auth": node.auth,
        "running": pid is not None,
        "healthy": found is not None,
        "version": found,
        "dir": str(node.dir),
        "log": str(node.log_file),
        "tls_certificate": str(node.ca_file) if node.auth else None,
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
