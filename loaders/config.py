"""The loader's typed configuration: where Cassandra is and how to talk to it.

Callers build one :class:`CassandraConfig` (velos builds it from its settings) and pass it to
:func:`loaders.load_marts` and the other entry points. It is validated when it is made, so a
bad value fails before any connection is tried, with a message naming the setting.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
from dataclasses import dataclass, field

from loaders.errors import LoaderError
from loaders.schema import check_name, replication_factor, replication_map

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 20.0
# consistency levels a load may write and verify at (the SERIAL ones are for conditions only)
CONSISTENCY_LEVELS = frozenset(
    {"ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE"}
)
_WEAK = frozenset({"ANY", "ONE", "LOCAL_ONE"})


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class CassandraConfig:
    """Everything needed to open a session (picklable: worker processes get a copy).

    ``consistency`` None means: ONE with a replication factor of 1, else QUORUM
    (SimpleStrategy) or LOCAL_QUORUM (NetworkTopologyStrategy), so that the read-back
    verification reads what a quorum acknowledged. A password is only sent over TLS, or to a
    loopback address, unless ``allow_plaintext_password`` says otherwise.
    """

    hosts: tuple[str, ...] = ("127.0.0.1",)
    port: int = 9042
    keyspace: str = "velos"
    replication: str = "SimpleStrategy:1"
    consistency: str | None = None
    local_dc: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl: bool = False  # TLS on; implied by ssl_ca
    ssl_ca: str | None = None  # CA (PEM) that signed the nodes' certificates
    ssl_verify: bool = True
    ssl_certfile: str | None = None  # client certificate (mutual TLS)
    ssl_keyfile: str | None = field(default=None, repr=False)
    allow_plaintext_password: bool = False
    stage_dir: str | None = None  # where Spark stages large marts (default: the temp dir)
    connect_timeout: float = CONNECT_TIMEOUT_S
    request_timeout: float = REQUEST_TIMEOUT_S

    def __post_init__(self) -> None:
        hosts = tuple(host.strip() for host in self.hosts if host and host.strip())
        if not hosts:
            raise LoaderError("CASSANDRA_HOSTS is empty: give at least one host, e.g. 127.0.0.1")
        object.__setattr__(self, "hosts", hosts)
        if not 0 < self.port < 65536:
            raise LoaderError(f"invalid CASSANDRA_PORT {self.port}: use a TCP port, e.g. 9042")
        check_name(self.keyspace)
        replication_map(self.replication)
        if self.consistency is not None:
            level = self.consistency.strip().upper()
            if level not in CONSISTENCY_LEVELS:
                raise LoaderError(
                    f"invalid CASSANDRA_CONSISTENCY {self.consistency!r}: leave it unset (ONE "
                    "with one replica, QUORUM-class above), or use one of "
                    + ", ".join(sorted(CONSISTENCY_LEVELS))
                )
            object.__setattr__(self, "consistency", level)
        if self.user and not self.tls and not self.allow_plaintext_password:
            remote = [host for host in hosts if not is_loopback(host)]
            if remote:
                raise LoaderError(
                    f"refusing to send the Cassandra password to {', '.join(remote)} without "
                    "TLS: set CASSANDRA_SSL_CA (or CASSANDRA_SSL=1), or, on a network you "
                    "trust, CASSANDRA_ALLOW_PLAINTEXT_PASSWORD=1"
                )
        if self.user and not self.tls and self.allow_plaintext_password:
            log.warning("the Cassandra password goes over a plain connection (allowed)")

    @property
    def tls(self) -> bool:
        return self.ssl or self.ssl_ca is not None

    @property
    def consistency_level(self) -> str:
        """The level writes and the read-back use (see the class docstring)."""
        if self.consistency is not None:
            return self.consistency
        if replication_factor(self.replication) <= 1:
            return "ONE"
        return "QUORUM" if self.replication.startswith("SimpleStrategy") else "LOCAL_QUORUM"

    @property
    def consistency_warning(self) -> str | None:
        """A sentence when an explicit weak level meets more than one replica."""
        if self.consistency_level in _WEAK and replication_factor(self.replication) > 1:
            return (
                f"CASSANDRA_CONSISTENCY={self.consistency_level} with replication "
                f"{self.replication}: the verification may read a replica that missed writes; "
                "unset it to use a quorum"
            )
        return None

    @property
    def where(self) -> str:
        return ", ".join(f"{host}:{self.port}" for host in self.hosts)

    def with_keyspace(self, keyspace: str) -> CassandraConfig:
        return dataclasses.replace(self, keyspace=keyspace)
