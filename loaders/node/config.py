"""Where one local node lives, how it listens, and how a client reaches it.

A node of a local ring (loaders/node/ring.py) listens on an address of its own (127.0.0.2, ...)
with the ring's ports, lists every node of the ring as a seed, and keeps the ring's secrets
(admin password, the CA bundle of every node's certificate) in the ring's folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loaders.config import CassandraConfig

LISTEN_ADDRESS = "127.0.0.1"
DEFAULT_STORAGE_PORT = 7000
# The superuser PasswordAuthenticator creates on an empty node: used once, to create the
# node's own admin role, then disabled.
DEFAULT_SUPERUSER = ("cassandra", "cassandra")
ADMIN_ROLE = "velos_admin"


@dataclass(frozen=True)
class NodeConfig:
    """One local node. ``role``/``role_password``: the project's login on a secured node."""

    dir: Path  # data, conf and logs of this node
    jars_dir: Path  # cassandra-all and its dependencies (make jars)
    native_port: int = 9042
    storage_port: int = DEFAULT_STORAGE_PORT
    auth: bool = False  # secured: logins, roles and TLS-only clients
    heap_max: str = "2G"
    role: str | None = None
    role_password: str | None = field(default=None, repr=False)
    listen_address: str = LISTEN_ADDRESS
    seeds: tuple[str, ...] = ()  # the ring's addresses; a lone node is its own seed
    ring_dir: Path | None = None  # where a ring keeps what its nodes share

    @property
    def cluster_name(self) -> str:
        name = "velos-auth" if self.auth else "velos-local"
        return f"{name}-ring" if self.ring_dir else name

    @property
    def shared_dir(self) -> Path:
        """The admin login and the CA a client trusts: the ring's folder, or the node's conf."""
        return self.ring_dir if self.ring_dir else self.conf_dir

    @property
    def conf_dir(self) -> Path:
        return self.dir / "conf"

    @property
    def pid_file(self) -> Path:
        return self.dir / "cassandra.pid"

    @property
    def log_file(self) -> Path:
        return self.dir / "logs" / "system.log"

    @property
    def stdout_file(self) -> Path:
        return self.dir / "logs" / "stdout.log"

    @property
    def certificate(self) -> Path:
        """The secured node's self-signed certificate (PEM): the CA for CASSANDRA_SSL_CA."""
        return self.conf_dir / "node-cert.pem"

    @property
    def ca_file(self) -> Path:
        """What a client trusts: the node's certificate, or the bundle of the ring's."""
        return self.ring_dir / "ring-ca.pem" if self.ring_dir else self.certificate

    @property
    def admin_password_file(self) -> Path:
        return self.shared_dir / "admin.password"

    @property
    def roles_ready_file(self) -> Path:
        return self.shared_dir / "roles.ready"

    def admin_credentials(self) -> tuple[str, str]:
        """The login the node module itself uses on a secured node."""
        if self.roles_ready_file.is_file():
            return ADMIN_ROLE, self.admin_password_file.read_text().strip()
        return DEFAULT_SUPERUSER

    def client(self, **changes: object) -> CassandraConfig:
        """A client config for this node (its admin login and certificate when secured)."""
        values: dict[str, object] = {"hosts": (self.listen_address,), "port": self.native_port}
        if self.auth:
            user, password = self.admin_credentials()
            values.update(user=user, password=password, ssl_ca=str(self.ca_file))
        values.update(changes)
        return CassandraConfig(**values)  # type: ignore[arg-type]
