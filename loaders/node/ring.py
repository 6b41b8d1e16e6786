"""A ring of local nodes: 127.0.0.1, 127.0.0.2, ... with the same ports, one folder each.

Every node lists every node of the ring as a seed, so none bootstraps (an empty ring has
nothing to stream): they start one after the other, each joining those already up, and the
ring is ready when every node answers CQL and lists all the others as peers. A secured ring
sets its roles up once, when every node is up (loaders/node/roles.py gives ``system_auth`` a
replica on every node first). Each node has its own TLS key pair naming its own address; a
client trusts ``ring-ca.pem``, the bundle of every node's certificate, and the driver checks
each node's certificate against that node's address.
"""

from __future__ import annotations

import dataclasses
import time

from loaders.config import CassandraConfig, is_loopback
from loaders.connection import probe, session
from loaders.errors import LoaderError, NothingAnswers
from loaders.node import daemon, files, roles
from loaders.node.config import NodeConfig

JOIN_TIMEOUT_S = 120.0


def addresses(count: int) -> tuple[str, ...]:
    """The loopback addresses of a ring of ``count`` nodes (Linux routes all of 127/8 to lo)."""
    if not 1 <= count <= 9:
        raise LoaderError(f"a local ring has 1 to 9 nodes, not {count}")
    return tuple(f"127.0.0.{number}" for number in range(1, count + 1))


def nodes_of(base: NodeConfig, count: int) -> list[NodeConfig]:
    """The ``count`` nodes of the ring kept in ``base.dir`` (``base`` itself when count is 1)."""
    if count == 1:
        return [base]
    ring = addresses(count)
    return [
        dataclasses.replace(
            base,
            dir=base.dir / f"node{number}",
            listen_address=address,
            seeds=ring,
            ring_dir=base.dir,
        )
        for number, address in enumerate(ring, start=1)
    ]


def client(nodes: list[NodeConfig], **changes: object) -> CassandraConfig:
    """A client of the whole ring: every node a contact point, the admin login on a secured one."""
    hosts = tuple(node.listen_address for node in nodes)
    return nodes[0].client(hosts=hosts, **changes)


def _write_ca_bundle(nodes: list[NodeConfig]) -> None:
    bundle = "".join(files.ensure_certificate(node).read_text() for node in nodes)
    nodes[0].ca_file.write_text(bundle, encoding="utf-8")


def start(nodes: list[NodeConfig], *, timeout: float = daemon.START_TIMEOUT_S) -> None:
    """Start every node not running yet, wait until they form one ring, then set up roles."""
    if len(nodes) == 1:
        daemon.start(nodes[0], timeout=timeout)
        return
    ring_dir = nodes[0].ring_dir
    assert ring_dir is not None
    ring_dir.mkdir(parents=True, exist_ok=True)
    ring_dir.chmod(0o700)
    if nodes[0].auth:
        _write_ca_bundle(nodes)
    for node in nodes:
        daemon.start(node, timeout=timeout, secure=False)
    wait_joined(nodes)
    if nodes[0].auth:
        roles.secure(nodes[0])


def wait_joined(nodes: list[NodeConfig], timeout: float = JOIN_TIMEOUT_S) -> None:
    """Wait until every node answers and lists every other node as a peer."""
    expected = {node.listen_address for node in nodes}
    deadline = time.monotonic() + timeout
    seen: dict[str, set[str]] = {}
    while time.monotonic() < deadline:
        try:
            seen = peers(nodes)
        except LoaderError as exc:  # e.g. the last node is still opening its native port
            seen = {"(no session)": {str(exc)[:200]}}
        if all(seen.get(address) == expected - {address} for address in expected):
            return
        time.sleep(1.0)
    raise LoaderError(
        f"the local ring did not form within {timeout:.0f}s: each node's peers are {seen}; "
        f"see the logs under {nodes[0].ring_dir}"
    )


def peers(nodes: list[NodeConfig]) -> dict[str, set[str]]:
    """The peers each node lists (system.peers_v2, asked of that node); absent: no answer."""
    found: dict[str, set[str]] = {}
    with session(client(nodes)) as opened:
        for host in opened.cluster.metadata.all_hosts():
            try:
                rows = opened.execute("SELECT peer FROM system.peers_v2", host=host)
            except Exception:  # the driver has no pool to that node (yet): it does not answer
                continue
            found[str(host.address)] = {str(row[0]) for row in rows}
    return found


def stop(nodes: list[NodeConfig]) -> list[bool]:
    """Stop each node velos started (the last first); True for each one that was running."""
    return [daemon.stop(node) for node in reversed(nodes)][::-1]


def ensure_running(config: CassandraConfig, nodes: list[NodeConfig]) -> bool:
    """Use the node that answers ``config`` (the loader's own connection), or start ``nodes``.

    Only "nothing answers" leads to a start: a refused login or a TLS mismatch means a node
    is there, and its error is raised as it is. Returns True when this call started the nodes.
    """
    first = nodes[0]
    if first.auth and config.ssl_ca == str(first.ca_file) and not first.ca_file.is_file():
        start(nodes)  # a secured node makes its certificate on its first start
        return True
    try:
        probe(config)
        return False
    except NothingAnswers:
        if not all(is_loopback(host) for host in config.hosts):
            raise
    start(nodes)
    return True
