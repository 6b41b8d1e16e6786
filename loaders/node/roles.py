"""Roles of the secured node: its own admin, the project's login, and no default superuser.

An empty node with PasswordAuthenticator has one superuser, ``cassandra/cassandra``, known to
everyone. On its first start the secured node gets an admin role with a random password (kept
in a file readable by its owner only), the default superuser is re-passworded at random and
can no longer log in, and the project's role (CASSANDRA_USER / CASSANDRA_PASSWORD) is created
without superuser rights, allowed to create keyspaces (and so to own the ones it creates).

On a ring, ``system_auth`` first gets one replica per node, so that every node holds every
login (a node of the ring needs no other to check one).
"""

from __future__ import annotations

import secrets

from loaders.connection import session
from loaders.node.config import ADMIN_ROLE, DEFAULT_SUPERUSER, NodeConfig
from loaders.node.files import write_private
from loaders.schema import check_name


def secure(node: NodeConfig) -> None:
    """Set the roles up once, and the project's role (its password may change) every time."""
    if not node.roles_ready_file.is_file():
        admin_password = secrets.token_urlsafe(24)
        write_private(node.admin_password_file, admin_password)
        with session(node.client(user=DEFAULT_SUPERUSER[0], password=DEFAULT_SUPERUSER[1])) as s:
            if len(node.seeds) > 1:
                s.execute(
                    "ALTER KEYSPACE system_auth WITH replication = "
                    f"{{'class': 'SimpleStrategy', 'replication_factor': {len(node.seeds)}}}"
                )
            s.execute(
                f"CREATE ROLE IF NOT EXISTS {ADMIN_ROLE} WITH SUPERUSER = true AND LOGIN = true "
                "AND PASSWORD = %s",
                (admin_password,),
            )
            s.execute(f"ALTER ROLE {ADMIN_ROLE} WITH PASSWORD = %s", (admin_password,))
        with session(node.client(user=ADMIN_ROLE, password=admin_password)) as s:
            s.execute(
                f"ALTER ROLE {DEFAULT_SUPERUSER[0]} WITH PASSWORD = %s AND LOGIN = false",
                (secrets.token_urlsafe(24),),
            )
        node.roles_ready_file.write_text("admin role created, default superuser disabled\n")
    if node.role:
        role = check_name(node.role, "role")
        with session(node.client()) as s:
            s.execute(
                f"CREATE ROLE IF NOT EXISTS {role} WITH LOGIN = true AND PASSWORD = %s",
                (node.role_password or "",),
            )
            s.execute(f"ALTER ROLE {role} WITH PASSWORD = %s", (node.role_password or "",))
            s.execute(f"GRANT CREATE ON ALL KEYSPACES TO {role}")
