"""A Spark standalone cluster on this machine: one master and two workers, loopback only.

``start`` runs Spark's own daemons from the pip pyspark (``spark-class
org.apache.spark.deploy.master.Master`` and ``...deploy.worker.Worker``), each a process group
of its own with its pid file and log under ``VELOS_HOME/cluster``; each worker has its own
cores, memory and work folder. ``stop`` ends exactly those process groups.

A run uses the cluster when ``VELOS_SPARK_MASTER=spark://127.0.0.1:7077``: the session's
``spark.master`` (profiles.yml) comes from that setting, nothing else changes. The driver (the
velos or dbt process) plans, the two executors run the tasks, and every process reads and
writes the same warehouse folder: on one machine the local disk is the shared storage a real
cluster needs (README, "Running on a Spark cluster").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.node.processes import pid_alive, port_open, terminate_group
from velos.errors import VelosError
from velos.settings import Settings

HOST = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Daemon:
    """One process of the cluster: its name, its command line and where it keeps its files."""

    name: str
    main_class: str
    arguments: tuple[str, ...]
    dir: Path

    @property
    def pid_file(self) -> Path:
        return self.dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.dir / f"{self.name}.log"


@dataclass(frozen=True)
class Cluster:
    """The master and the workers of one VELOS_HOME, from the settings."""

    dir: Path
    port: int
    ui_port: int
    workers: int
    worker_cores: int
    worker_memory: str

    @property
    def url(self) -> str:
        return f"spark://{HOST}:{self.port}"

    def daemons(self) -> list[Daemon]:
        master = Daemon(
            "master",
            MASTER_CLASS,
            ("--host", HOST, "--port", str(self.port), "--webui-port", str(self.ui_port)),
            self.dir,
        )
        workers = [
            Daemon(f"worker-{number}", WORKER_CLASS, self._worker_arguments(number), self.dir)
            for number in range(1, self.workers + 1)
        ]
        return [master, *workers]

    def _worker_arguments(self, number: int) -> tuple[str, ...]:
        return (
            "--host", HOST,
            "--cores", str(self.worker_cores),
            "--memory", self.worker_memory,
            "--work-dir", str(self.dir / f"worker-{number}"),
            "--webui-port", str(self.ui_port + number),
            self.url,
        )  # fmt: skip


def cluster_for(settings: Settings) -> Cluster:
    return Cluster(
        dir=settings.home / "cluster",
        port=settings.cluster_port,
        ui_port=settings.cluster_ui_port,
        workers=settings.cluster_workers,
        worker_cores=settings.cluster_worker_cores,
        worker_memory=settings.cluster_worker_memory,
    )


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _running(daemon: Daemon) -> int | None:
    """The daemon's pid when it runs: its class, started for this folder (guards pid reuse)."""
    try:
        pid = int(daemon.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return None
    ours = daemon.main_class in cmdline and f"VELOS_CLUSTER_DIR={daemon.dir}\0" in environ
    return pid if ours and pid_alive(pid) else None


def _spawn(daemon: Daemon) -> int:
    environment = {
        **os.environ,
        "SPARK_LOCAL_IP": HOST,  # every port, the web UIs included, on loopback
        "SPARK_LOG_DIR": str(daemon.dir),
        "SPARK_WORKER_DIR": str(daemon.dir),
        "SPARK_DAEMON_MEMORY": "512m",  # the daemons only schedule; executors get their own
        "PYSPARK_PYTHON": sys.executable,
        "VELOS_CLUSTER_DIR": str(daemon.dir),  # marks the process as this home's
    }
    with open(daemon.log_file, "wb") as log:
        process = subprocess.Popen(
            [str(_spark_class()), daemon.main_class, *daemon.arguments],
            cwd=daemon.dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,  # its own process group: stop ends it all
        )
    daemon.pid_file.write_text(f"{process.pid}\n")
    return process.pid


def master_state(cluster: Cluster, timeout: float = 2.0) -> dict[str, Any] | None:
    """The master's JSON status (workers, cores, applications), or None when it does not answer."""
    url = f"http://{HOST}:{cluster.ui_port}/json/"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            state: dict[str, Any] = json.load(response)
            return state
    except (OSError, ValueError):
        return None


def _alive_workers(state: dict[str, Any] | None) -> int:
    if not state:
        return 0
    return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")


def _last_error(daemon: Daemon) -> str:
    try:
        lines = daemon.log_file.read_text(errors="replace").splitlines()
    except OSError:
        return "no log"
    errors = [line for line in lines if "ERROR" in line or "Exception" in line]
    return (errors or lines[-1:] or ["empty log"])[0].strip()[:200]


def start(settings: Settings, *, timeout: float = 120.0) -> dict[str, Any]:
    """Start the master and the workers (or find them running); wait until every worker joined."""
    cluster = cluster_for(settings)
    daemons = cluster.daemons()
    cluster.dir.mkdir(parents=True, exist_ok=True)
    pids: dict[str, int] = {}
    for daemon in daemons:
        pid = _running(daemon)
        if pid is None:
            if daemon.main_class == MASTER_CLASS:
                for port in (cluster.port, cluster.ui_port):
                    if port_open(HOST, port):
                        raise VelosError(
                            f"{HOST}:{port} is already in use by a process velos did not start: "
                            "stop it, or set VELOS_CLUSTER_PORT / VELOS_CLUSTER_UI_PORT"
                        )
            (cluster.dir / daemon.name).mkdir(exist_ok=True)
            pid = _spawn(daemon)
        pids[daemon.name] = pid
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for daemon in daemons:
            if not pid_alive(pids[daemon.name]):
                stop(settings)
                raise VelosError(
                    f"the Spark {daemon.name} exited during start-up: {_last_error(daemon)} "
                    f"(log: {daemon.log_file})"
                )
        if _alive_workers(master_state(cluster)) == cluster.workers:
            return {**status(settings), "ready_seconds": round(time.monotonic() - started, 1)}
        time.sleep(0.5)
    stop(settings)
    raise VelosError(
        f"the Spark cluster did not have {cluster.workers} workers within {timeout:.0f}s and was "
        f"stopped (logs in {cluster.dir})"
    )


def stop(settings: Settings) -> list[str]:
    """Stop this home's workers, then its master (their process groups only); what was stopped."""
    stopped = []
    for daemon in reversed(cluster_for(settings).daemons()):
        pid = _running(daemon)
        if pid is not None:
            terminate_group(pid, STOP_TIMEOUT_S)
            stopped.append(daemon.name)
        daemon.pid_file.unlink(missing_ok=True)
    return stopped


def status(settings: Settings) -> dict[str, Any]:
    """The master's URL, its workers (cores, memory) and the applications running on it."""
    cluster = cluster_for(settings)
    state = master_state(cluster)
    return {
        "master": cluster.url,
        "ui": f"http://{HOST}:{cluster.ui_port}",
        "running": {daemon.name: _running(daemon) for daemon in cluster.daemons()},
        "alive_workers": _alive_workers(state),
        "cores": state.get("cores") if state else None,
        "memory_mb": state.get("memory") if state else None,
        "applications": [app.get("name") for app in state.get("activeapps", [])] if state else [],
    }


def run_action(settings: Settings, action: str) -> str:
    """``velos cluster start|stop|status``: one line for the user."""
    if action == "start":
        info = start(settings)
        return (
            f"Spark cluster at {info['master']}: {info['alive_workers']} workers, "
            f"{info['cores']} cores, {info['memory_mb']} MB (UI {info['ui']}). Use it with "
            f"VELOS_SPARK_MASTER={info['master']}; stop it with `velos cluster stop`."
        )
    if action == "stop":
        stopped = stop(settings)
        return f"stopped {', '.join(stopped)}" if stopped else "no cluster of this home was running"
    info = status(settings)
    return (
        f"{info['master']}: {info['alive_workers']} workers alive, running "
        f"{', '.join(info['applications']) or 'no application'} (UI {info['ui']})"
    )
