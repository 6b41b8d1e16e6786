"""Process and port probes of the local servers: the Cassandra node, and velos's Thrift server,
metastore and Spark cluster (loaders depends on no velos module, so the shared probes live here)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time


def pid_alive(pid: int) -> bool:
    """True when ``pid`` runs and is not a zombie (a killed child we started and not reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def terminate_group(pid: int, timeout: float) -> None:
    """SIGTERM ``pid``'s process group, SIGKILL it after ``timeout``; return once it is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    while pid_alive(pid):
        time.sleep(0.1)
