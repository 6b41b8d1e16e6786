"""Connecting to Cassandra: the one Cluster factory, auth, TLS, and clear errors.

Everything that talks to Cassandra (the loader, its worker processes, the local node's
readiness probe, ``velos run`` looking for a node) opens its session here, from one
:class:`~loaders.config.CassandraConfig`. Credentials are never logged or put in a message.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from loaders.config import CassandraConfig
from loaders.errors import LoaderError, NothingAnswers

if TYPE_CHECKING:
    from cassandra.cluster import Cluster, Session

log = logging.getLogger(__name__)


def tls_context(params: CassandraConfig) -> ssl.SSLContext | None:
    if not params.tls:
        return None
    try:
        context = ssl.create_default_context(cafile=params.ssl_ca)
        if params.ssl_certfile:
            context.load_cert_chain(params.ssl_certfile, params.ssl_keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise LoaderError(
            f"cannot read the TLS files (CASSANDRA_SSL_CA / CASSANDRA_SSL_CERTFILE): {exc}"
        ) from None
    if not params.ssl_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def make_cluster(params: CassandraConfig) -> Cluster:
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
    context = tls_context(params)
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=params.local_dc)),
        consistency_level=ConsistencyLevel.name_to_value[params.consistency_level],
        request_timeout=params.request_timeout,
        row_factory=tuple_factory,
    )
    return Cluster(
        list(params.hosts),
        port=params.port,
        protocol_version=5,
        auth_provider=auth,
        ssl_context=context,
        # no server_hostname: the driver checks each node's certificate against its own address
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        reconnection_policy=ExponentialReconnectionPolicy(1.0, 10.0),
        connect_timeout=params.connect_timeout,
        control_connection_timeout=params.connect_timeout,
        idle_heartbeat_timeout=10,
    )


def connect(params: CassandraConfig) -> tuple[Cluster, Session]:
    """Open a session, or raise a LoaderError that says what is wrong within a few seconds."""
    # Fail fast on the cheap checks before the driver's own (slower, noisier) attempts.
    for host in params.hosts:
        try:
            socket.getaddrinfo(host, params.port)
        except OSError:
            raise LoaderError(f"cannot resolve Cassandra host {host!r} (CASSANDRA_HOSTS)") from None
    cluster = make_cluster(params)
    try:
        session = cluster.connect()
    except Exception as exc:
        cluster.shutdown()
        raise translate(exc, params) from None
    return cluster, session


@contextmanager
def session(params: CassandraConfig) -> Iterator[Session]:
    """A session for the ``with`` block; the cluster is shut down after it."""
    cluster, opened = connect(params)
    try:
        yield opened
    finally:
        cluster.shutdown()


def probe(params: CassandraConfig) -> str:
    """Cassandra's release version, asked the way the loader connects (same TLS, same login).

    Raises :class:`NothingAnswers` when no host answers, and the loader's own clear error for
    anything else (a refused login, a TLS mismatch), so a caller never mistakes a node that
    is there for one that is not. The driver's logging of failed attempts (a traceback each)
    is kept quiet while it runs: a probe expects failures.
    """
    driver_log = logging.getLogger("cassandra")
    level = driver_log.level
    driver_log.setLevel(logging.CRITICAL)
    try:
        with session(params) as opened:
            try:
                row = opened.execute(
                    "SELECT release_version FROM system.local", timeout=params.connect_timeout
                ).one()
            except Exception as exc:
                raise translate(exc, params, "asking the node's version") from None
            return str(row[0]) if row else "unknown"
    finally:
        driver_log.setLevel(level)


_USER_IN_MESSAGE = re.compile(r"(?i)\b(user(?:name)?|role)\s+\S+")


def scrub(text: str) -> str:
    """Remove user names from a server message (they name the credential in use)."""
    return _USER_IN_MESSAGE.sub(r"\1 <CASSANDRA_USER>", text)


def translate(
    exc: BaseException, params: CassandraConfig, during: str = "connecting"
) -> LoaderError:
    """Turn a driver exception into one clear LoaderError (never containing a credential)."""
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
                    return LoaderError(
                        f"Cassandra at {where} requires a login: set CASSANDRA_USER and "
                        "CASSANDRA_PASSWORD"
                    )
                return LoaderError(
                    f"Cassandra at {where} rejected the login: wrong user name or password "
                    "(check CASSANDRA_USER / CASSANDRA_PASSWORD)"
                )
        for error in errors:
            # the driver may wrap the ssl error in an OSError that only quotes it
            if "CERTIFICATE_VERIFY_FAILED" in str(error):
                return LoaderError(
                    f"TLS handshake with Cassandra at {where} failed: the node's certificate is "
                    "not signed by the CA in CASSANDRA_SSL_CA (or its name does not match the "
                    "host): point CASSANDRA_SSL_CA at the CA that signed it"
                )
            if (
                isinstance(error, ssl.SSLError)
                or "SSL" in type(error).__name__
                or "[SSL" in str(error)
            ):
                return LoaderError(
                    f"TLS handshake with Cassandra at {where} failed ({type(error).__name__}): "
                    "check CASSANDRA_SSL_CA / CASSANDRA_SSL_VERIFY, and that the node has "
                    "client encryption on"
                )
        text = " ".join(str(error) for error in errors)
        if not params.tls and ("reset by peer" in text or "errno 104" in text.lower()):
            # a TLS-only port drops a plain client's first message
            return LoaderError(
                f"Cassandra at {where} dropped the connection: the node probably requires "
                "TLS; set CASSANDRA_SSL_CA to the CA that signed its certificate (or "
                "CASSANDRA_SSL=1)"
            )
        if "refused" in text.lower() or "errno 111" in text.lower():
            return NothingAnswers(
                f"nothing answers at {where} (connection refused): is Cassandra running and is "
                "CASSANDRA_PORT right? For the local node run `velos cassandra start`"
            )
        if "timed out" in text.lower() or any(
            isinstance(error, (OperationTimedOut, socket.timeout, TimeoutError)) for error in errors
        ):
            return NothingAnswers(
                f"Cassandra at {where} did not answer within {params.connect_timeout:.0f}s "
                "(unreachable host, firewall, or a port that is not Cassandra's): check "
                "CASSANDRA_HOSTS and CASSANDRA_PORT"
            )
        if not errors:
            return LoaderError(
                f"no Cassandra node is available at {where} while {during}: the node may be "
                "down or restarting; check it (`velos cassandra status`) and run the load again"
            )
        return LoaderError(
            f"cannot reach Cassandra at {where} while {during}: {scrub(text)[:300]}; "
            "check CASSANDRA_HOSTS / CASSANDRA_PORT and that the node is up"
        )
    if isinstance(exc, AuthenticationFailed):
        return LoaderError(
            f"Cassandra at {where} rejected the login: wrong user name or password "
            "(check CASSANDRA_USER / CASSANDRA_PASSWORD)"
        )
    if isinstance(exc, Unauthorized):
        return LoaderError(
            f"the Cassandra role in CASSANDRA_USER lacks a permission on keyspace "
            f"{params.keyspace!r} while {during} ({scrub(str(exc))[:200]}). Grant it, e.g. "
            f"GRANT SELECT ON KEYSPACE {params.keyspace} TO <role>; GRANT MODIFY ON KEYSPACE "
            f"{params.keyspace} TO <role>"
        )
    if isinstance(exc, (OperationTimedOut, WriteTimeout, ReadTimeout, Unavailable)):
        return LoaderError(
            f"Cassandra at {where} stopped answering in time while {during} "
            f"({type(exc).__name__}); check the node (`velos cassandra status`) and retry"
        )
    if isinstance(exc, LoaderError):
        return exc
    return LoaderError(
        f"Cassandra error while {during} at {where}: {type(exc).__name__}: {scrub(str(exc))[:300]}"
    )
