"""One local Apache Cassandra 5.0 node, run from the Maven jar cache (no Docker, no tarball).

``start`` writes ``cassandra.yaml`` and ``logback.xml`` from the templates beside this module
(under the node's own folder), launches ``org.apache.cassandra.service.CassandraDaemon`` with
the flags of ``jvm17-server.options`` plus the jamm agent, keeps the pid, and waits until the
native port answers a real CQL query through the loader's own connection code. ``stop`` ends
only that pid. The node listens on 127.0.0.1 only; the nodes of a local ring
(loaders/node/ring.py) on 127.0.0.1, 127.0.0.2, ...

A secured node (``NodeConfig.auth``) requires a login and TLS (a self-signed certificate,
``NodeConfig.certificate``), has its own admin role instead of the default superuser, and
creates the project's role (loaders/node/roles.py).
"""

from loaders.node.config import ADMIN_ROLE, DEFAULT_STORAGE_PORT, LISTEN_ADDRESS, NodeConfig
from loaders.node.daemon import (
    format_status,
    kill,
    start,
    status,
    stop,
    version,
)
from loaders.node.files import self_signed_certificate
from loaders.node.ring import ensure_running

__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_STORAGE_PORT",
    "LISTEN_ADDRESS",
    "NodeConfig",
    "ensure_running",
    "format_status",
    "kill",
    "self_signed_certificate",
    "start",
    "status",
    "stop",
    "version",
]
