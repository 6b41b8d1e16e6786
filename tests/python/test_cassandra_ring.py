"""A real Cassandra ring: two secured nodes on 127.0.0.1 and 127.0.0.2, every row on both.

The ``ring`` fixture starts two nodes of one ring with loaders.node.ring (logins, TLS-only,
each node with its own certificate naming its own address; ports 9242/7200 on both
addresses) and stops them at the end. The loader writes a keyspace of replication factor 2
and writes and verifies at QUORUM (both replicas acknowledge every row). A node killed with
``kill -9`` in the middle of a load fails the load cleanly (nothing switched), and the load
run again once the node is back equals the mart exactly.

Minutes (two JVMs start, a 300,000-row load is cut and redone): marked ``cluster`` with the
Spark cluster test, so `make test-cluster` runs it.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra_marts import (
    BIG_ROWS,
    SMALL,
    cassandra_rows,
    create_big_mart,
    create_marts,
    mart_rows,
)

from loaders import CassandraConfig, current_load_ids, load_marts
from loaders.connection import session as open_session
from loaders.connection import tls_context
from loaders.errors import LoaderError
from loaders.node import NodeConfig, daemon, ring
from velos import settings as velos_settings

pytestmark = [pytest.mark.cassandra, pytest.mark.cluster]

NATIVE_PORT, STORAGE_PORT = 9242, 7200
ROLE, PASSWORD = "velos_ring_loader", secrets.token_urlsafe(16)
ANSWER_MARTS = ["purchases_by_gender", "purchases_by_city", "model_city_histogram"]


@pytest.fixture(scope="module")
def nodes() -> Iterator[list[NodeConfig]]:
    found = velos_settings.load().cassandra_nodes(
        count=2, auth=True, native_port=NATIVE_PORT, storage_port=STORAGE_PORT
    )
    two = [dataclasses.replace(node, role=ROLE, role_password=PASSWORD) for node in found]
    started = time.monotonic()
    ring.start(two)
    print(f"\nring of two secured nodes ready in {time.monotonic() - started:.1f}s")
    yield two
    assert ring.stop(two) == [True, True]


def loader_config(nodes: list[NodeConfig], keyspace: str) -> CassandraConfig:
    """The project's login on both nodes, a keyspace with a replica on each."""
    return CassandraConfig(
        hosts=("127.0.0.1", "127.0.0.2"),
        port=NATIVE_PORT,
        keyspace=keyspace,
        replication="SimpleStrategy:2",
        user=ROLE,
        password=PASSWORD,
        ssl_ca=str(nodes[0].ca_file),
    )


def test_two_nodes_form_one_ring_and_every_login_has_a_replica_on_each(
    nodes: list[NodeConfig],
) -> None:
    assert [node.listen_address for node in nodes] == ["127.0.0.1", "127.0.0.2"]
    assert ring.peers(nodes) == {"127.0.0.1": {"127.0.0.2"}, "127.0.0.2": {"127.0.0.1"}}
    with open_session(ring.client(nodes)) as admin:
        replication = admin.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'"
        ).one()[0]
    assert replication["replication_factor"] == "2"

    # the CLI shows both nodes, each on its own address
    environment = {
        **os.environ,
        "CASSANDRA_PORT": str(NATIVE_PORT),
        "CASSANDRA_STORAGE_PORT": str(STORAGE_PORT),
        "CASSANDRA_LOCAL_AUTH": "1",
    }
    shown = subprocess.run(
        [sys.executable, "-m", "velos.cli", "cassandra", "status", "--nodes", "2"],
        env=environment, capture_output=True, text=True, timeout=120, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert len(shown) == 2, shown
    for line, node in zip(shown, nodes, strict=True):
        pid = daemon.status(node)["pid"]
        assert line.startswith(f"cassandra: pid {pid} on {node.listen_address}:{NATIVE_PORT} ")
        assert "(healthy, Cassandra 5." in line
        assert f"CASSANDRA_SSL_CA={nodes[0].ca_file}" in line


def test_a_load_writes_both_replicas_at_quorum_over_tls_checked_on_each_node(
    nodes: list[NodeConfig], spark: Any
) -> None:
    create_marts(spark)
    config = loader_config(nodes, "velos_ring")
    report = load_marts(spark, config, tables=ANSWER_MARTS, source_schema=SMALL, progress=False)
    assert report.consistency == "QUORUM"
    for table in ANSWER_MARTS:
        assert cassandra_rows(config, table) == mart_rows(spark, SMALL, table), table

    with open_session(ring.client(nodes)) as admin:
        replication = admin.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'velos_ring'"
        ).one()[0]
        assert replication["replication_factor"] == "2"
        # each node lists the project's own sessions to it as encrypted (a virtual table:
        # every node answers for itself)
        with open_session(config):
            for host in admin.cluster.metadata.all_hosts():
                query = "SELECT username, ssl_enabled FROM system_views.clients"
                clients = list(admin.execute(query, host=host))
                ours = [encrypted for user, encrypted in clients if user == ROLE]
                assert ours and all(ours), (host.address, clients)

    # node 2's certificate names 127.0.0.2 only: a session to it passed the hostname check
    # only because the driver checked it against node 2's own address, not the first host's
    context = tls_context(config)
    assert context is not None and context.check_hostname
    for expected, ok in (("127.0.0.2", True), ("127.0.0.1", False)):
        with socket.create_connection(("127.0.0.2", NATIVE_PORT), timeout=5) as raw:
            if ok:
                with context.wrap_socket(raw, server_hostname=expected) as tls:
                    assert tls.version() is not None
            else:
                with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
                    context.wrap_socket(raw, server_hostname=expected)


def test_kill_9_of_a_node_mid_load_fails_cleanly_and_the_rerun_converges(
    nodes: list[NodeConfig], spark: Any
) -> None:
    create_marts(spark)
    big = create_big_mart(spark)
    config = loader_config(nodes, "velos_ring_kill")
    tables = ["top_model_by_store", "fct_order_lines"]
    previous = load_marts(spark, config, tables=tables, source_schema=SMALL, progress=False)

    halfway = threading.Event()
    killed_at: list[float] = []

    def on_rows(table: str, rows: int) -> None:
        if table == "order_lines_by_customer" and rows >= 40_000:
            halfway.set()

    def killer() -> None:
        if halfway.wait(timeout=240):
            assert daemon.kill(nodes[1]) is not None
            killed_at.append(time.monotonic())

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    with pytest.raises(LoaderError) as info:
        load_marts(spark, config, tables=tables, source_schema=big, progress=False, on_rows=on_rows)
    failed_at = time.monotonic()
    thread.join(timeout=5)
    assert killed_at, f"the load failed before the node was killed: {info.value}"
    message = str(info.value)
    after = failed_at - killed_at[0]
    print(f"\nkill -9 of 127.0.0.2 mid-load: the load failed {after:.1f}s later: {message}")
    assert "Nothing was switched" in message and str(previous.load_id) in message
    assert "Traceback" not in message

    restarted = time.monotonic()
    daemon.start(nodes[1])
    ring.wait_joined(nodes)
    print(f"127.0.0.2 back in the ring in {time.monotonic() - restarted:.1f}s")
    assert current_load_ids(config) == {
        "top_model_by_store": previous.load_id,
        "order_lines_by_customer": previous.load_id,
    }

    again = load_marts(spark, config, tables=tables, source_schema=big, progress=False)
    assert again.consistency == "QUORUM"
    assert current_load_ids(config) == {
        "top_model_by_store": again.load_id,
        "order_lines_by_customer": again.load_id,
    }
    assert {t.table: t.rows for t in again.tables}["order_lines_by_customer"] == BIG_ROWS
    assert cassandra_rows(config, "fct_order_lines") == mart_rows(spark, big, "fct_order_lines")
