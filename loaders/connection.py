"""Connecting to Cassandra: policies, auth, TLS, and clear errors for what users get wrong.

Environment read here on top of velos.settings (the transport is the loader's business):
    CASSANDRA_SSL=1            use TLS (implied by CASSANDRA_SSL_CA)
    CASSANDRA_SSL_CA           CA bundle (PEM) to verify the nodes' certificates
    CASSANDRA_SSL_VERIFY=0     accept any certificate (test clusters only)
    CASSANDRA_SSL_CERTFILE / CASSANDRA_SSL_KEYFILE   client certificate (mutual TLS)
Credentials come from CASSANDRA_USER / CASSANDRA_PASSWORD (velos.settings) and are never
logged or put in an error message.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loaders.schema import check_name
from velos.errors import VelosError
from velos.settings import Settings

if TYPE_CHECKING:
    from cassandra.cluster import Cluster, Session

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class ConnParams:
    """Everything a process needs to open its own session (picklable for worker processes)."""

    hosts: tuple[str, ...]
    port: int
    keyspace: str
    consistency: str
    local_dc: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_enabled: bool = False
    ssl_ca: str | None = None
    ssl_verify: bool = True
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = field(default=None, repr=False)
    connect_timeout: float = CONNECT_TIMEOUT_S
    request_timeout: float = REQUEST_TIMEOUT_S

    @property
    def where(self) -> str:
        return ", ".join(f"{host}:{self.port}" for host in self.hosts)


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def params_from(settings: Settings, *, keyspace: str | None = None) -> ConnParams:
    """Build (and validate) the connection parameters from the settings and environment."""
    from cassandra import ConsistencyLevel

    consistency = (settings.cassandra_consistency or "ONE").strip().upper()
    if consistency not in ConsistencyLevel.name_to_value:
        raise VelosError(
            f"invalid CASSANDRA_CONSISTENCY {settings.cassandra_consistency!r}: use ONE for the "
            "local node, LOCAL_QUORUM in production"
        )
    hosts = tuple(host.strip() for host in settings.cassandra_hosts if host.strip())
    if not hosts:
        raise VelosError("CASSANDRA_HOSTS is empty: give at least one host, e.g. 127.0.0.1")
    ca = os.environ.get("CASSANDRA_SSL_CA") or None
    return ConnParams(
        hosts=hosts,
        port=settings.cassandra_port,
        keyspace=check_name(keyspace or settings.cassandra_keyspace),
        consistency=consistency,
        local_dc=settings.cassandra_local_dc,
        user=settings.cassandra_user,
        password=settings.cassandra_password,
        ssl_enabled=_truthy(os.environ.get("CASSANDRA_SSL"), default=ca is not None),
        ssl_ca=ca,
        ssl_verify=_truthy(os.environ.get("CASSANDRA_SSL_VERIFY"), default=True),
        ssl_certfile=os.environ.get("CASSANDRA_SSL_CERTFILE") or None,
        ssl_keyfile=os.environ.get("CASSANDRA_SSL_KEYFILE") or None,
    )


def _ssl_context(params: ConnParams) -> ssl.SSLContext | None:
    if not params.ssl_enabled:
        return None
    try:
        context = ssl.create_default_context(cafile=params.ssl_ca)
        if params.ssl_certfile:
            context.load_cert_chain(params.ssl_certfile, params.ssl_keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise VelosError(
            f"cannot read the TLS files (CASSANDRA_SSL_CA / CASSANDRA_SSL_CERTFILE): {exc}"
        ) from None
    if not params.ssl_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def make_cluster(params: ConnParams) -> Cluster:
    """A Cluster with token-aware, DC-aware routing and short connect timeouts.

    Protocol v5 (Cassandra 4.0 and later) is asked for directly: letting the driver probe
    from its newest version costs reconnects and logs warnings.
    """
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import (
        DCAwareRoundRobinPolicy,
        ExponentialReconnectionPolicy,
        TokenAwarePolicy,
    )
    from cassandra.query import tuple_factory

    auth = None
    if params.user:
        auth = PlainTextAuthProvider(username=params.user, password=params.password or "")
    context = _ssl_context(params)
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=params.local_dc)),
        consistency_level=ConsistencyLevel.name_to_value[params.consistency],
        request_timeout=params.request_timeout,
        row_factory=tuple_factory,
    )
    return Cluster(
        list(params.hosts),
        port=params.port,
        protocol_version=5,
        auth_provider=auth,
        ssl_context=context,
        ssl_options={"server_hostname": params.hosts[0]} if context and params.ssl_verify else None,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        reconnection_policy=ExponentialReconnectionPolicy(1.0, 10.0),
        connect_timeout=params.connect_timeout,
        control_connection_timeout=params.connect_timeout,
        idle_heartbeat_timeout=10,
    )


def connect(params: ConnParams) -> tuple[Cluster, Session]:
    """Open a session, or raise a VelosError that says what is wrong within a few seconds."""
    # Fail fast on the cheap checks before the driver's own (slower, noisier) attempts.
    for host in params.hosts:
        try:
            socket.getaddrinfo(host, params.port)
        except OSError:
            raise VelosError(f"cannot resolve Cassandra host {host!r} (CASSANDRA_HOSTS)") from None
    cluster = make_cluster(params)
    try:
        session = cluster.connect()
    except Exception as exc:
        cluster.shutdown()
        raise translate(exc, params) from None
    return cluster, session


_USER_IN_MESSAGE = re.compile(r"(?i)\b(user(?:name)?|role)\s+\S+")


def scrub(text: str) -> str:
    """Remove user names from a server message (they name the credential in use)."""
    return _USER_IN_MESSAGE.sub(r"\1 <CASSANDRA_USER>", text)


def translate(exc: BaseException, params: ConnParams, during: str = "connecting") -> VelosError:
    """Turn a driver exception into one clear VelosError (never containing a credential)."""
    from cassandra import (
        AuthenticationFailed,
        OperationTimedOut,
        ReadTimeout,
        Unauthorized,
        Unavailable,
        WriteTimeout,
    )
    from cassandra.cluster import NoHostAvailable

    where = params.where
    if isinstance(exc, NoHostAvailable):
        errors = list(exc.errors.values())
        for error in errors:
            if isinstance(error, AuthenticationFailed):
                if "requires authentication" in str(error):
                    return VelosError(
                        f"Cassandra at {where} requires a login: set CASSANDRA_USER and "
                        "CASSANDRA_PASSWORD"
                    )
                return VelosError(
                    f"Cassandra at {where} rejected the login: wrong user name or password "
                    "(check CASSANDRA_USER / CASSANDRA_PASSWORD)"
                )
        for error in errors:
            # the driver may wrap the ssl error in an OSError that only quotes it
            if "CERTIFICATE_VERIFY_FAILED" in str(error):
                return VelosError(
                    f"TLS handshake with Cassandra at {where} failed: the node's certificate is "
                    "not signed by the CA in CASSANDRA_SSL_CA (or its name does not match the "
                    "host): point CASSANDRA_SSL_CA at the CA that signed it"
                )
            if (
                isinstance(error, ssl.SSLError)
                or "SSL" in type(error).__name__
                or "[SSL" in str(error)
            ):
                return VelosError(
                    f"TLS handshake with Cassandra at {where} failed ({type(error).__name__}): "
                    "check CASSANDRA_SSL_CA / CASSANDRA_SSL_VERIFY, and that the node has "
                    "client encryption on"
                )
        text = " ".join(str(error) for error in errors)
        if "refused" in text.lower() or "errno 111" in text.lower():
            return VelosError(
                f"nothing answers at {where} (connection refused): is Cassandra running and is "
                "CASSANDRA_PORT right? For the local node run `velos cassandra start`"
            )
        if "timed out" in text.lower() or any(
            isinstance(error, (OperationTimedOut, socket.timeout, TimeoutError)) for error in errors
        ):
            return VelosError(
                f"Cassandra at {where} did not answer within {params.connect_timeout:.0f}s "
                "(unreachable host, firewall, or a port that is not Cassandra's): check "
                "CASSANDRA_HOSTS and CASSANDRA_PORT"
            )
        if not errors:
            return VelosError(
                f"no Cassandra node is available at {where} while {during}: the node may be "
                "down or restarting; check it (`velos cassandra status`) and run the load again"
            )
        return VelosError(
            f"cannot reach Cassandra at {where} while {during}: {scrub(text)[:300]}; "
            "check CASSANDRA_HOSTS / CASSANDRA_PORT and that the node is up"
        )
    if isinstance(exc, AuthenticationFailed):
        return VelosError(
            f"Cassandra at {where} rejected the login: wrong user name or password "
            "(check CASSANDRA_USER / CASSANDRA_PASSWORD)"
        )
    if isinstance(exc, Unauthorized):
        return VelosError(
            f"the Cassandra role in CASSANDRA_USER lacks a permission on keyspace "
            f"{params.keyspace!r} while {during} ({scrub(str(exc))[:200]}). Grant it, e.g. "
            f"GRANT SELECT ON KEYSPACE {params.keyspace} TO <role>; GRANT MODIFY ON KEYSPACE "
            f"{params.keyspace} TO <role>"
        )
    if isinstance(exc, (OperationTimedOut, WriteTimeout, ReadTimeout, Unavailable)):
        return VelosError(
            f"Cassandra at {where} stopped answering in time while {during} "
            f"({type(exc).__name__}); check the node (`velos cassandra status`) and retry"
        )
    if isinstance(exc, VelosError):
        return exc
    return VelosError(
        f"Cassandra error while {during} at {where}: {type(exc).__name__}: {scrub(str(exc))[:300]}"
    )
