"""The Cassandra schema of the marts: validated names, replication, idempotent apply.

Only two things are ever formatted into CQL text: the keyspace name (checked against
``NAME_PATTERN``) and the replication map (built here from validated parts). Every data value
is bound through prepared statements elsewhere.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import TYPE_CHECKING

from loaders.errors import LoaderError

if TYPE_CHECKING:
    from cassandra.cluster import Session

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_DC_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def check_name(name: str, what: str = "keyspace") -> str:
    """Return ``name`` if it is a safe CQL identifier, else raise LoaderError."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise LoaderError(
            f"invalid Cassandra {what} name {name!r}: use lowercase letters, digits and "
            "underscores, starting with a letter, at most 48 characters"
        )
    return name


def replication_map(spec: str) -> dict[str, str]:
    """Parse CASSANDRA_REPLICATION into Cassandra's replication map.

    ``SimpleStrategy:1`` -> {'class': 'SimpleStrategy', 'replication_factor': '1'};
    ``NetworkTopologyStrategy:dc1=3,dc2=3`` -> {'class': 'NetworkTopologyStrategy', 'dc1': '3',
    'dc2': '3'}.
    """
    error = LoaderError(
        f"invalid CASSANDRA_REPLICATION {spec!r}: use SimpleStrategy:<factor> (one local node) "
        "or NetworkTopologyStrategy:<dc>=<factor>,<dc>=<factor> (production)"
    )
    strategy, _, factors = (spec or "").strip().partition(":")
    if strategy == "SimpleStrategy":
        if not factors.isdigit() or not 1 <= int(factors) <= 9:
            raise error
        return {"class": "SimpleStrategy", "replication_factor": str(int(factors))}
    if strategy == "NetworkTopologyStrategy":
        result = {"class": "NetworkTopologyStrategy"}
        for part in factors.split(","):
            dc, _, factor = part.strip().partition("=")
            if not _DC_PATTERN.match(dc) or not factor.isdigit() or not 1 <= int(factor) <= 9:
                raise error
            result[dc] = str(int(factor))
        if len(result) == 1:
            raise error
        return result
    raise error


def replication_factor(spec: str) -> int:
    """The largest number of replicas of a row in any data centre."""
    replication = replication_map(spec)
    return max(int(value) for key, value in replication.items() if key != "class")


def _replication_cql(replication: dict[str, str]) -> str:
    # values were validated by replication_map: class names, dc names and small integers
    return "{" + ", ".join(f"'{key}': '{value}'" for key, value in replication.items()) + "}"


def statements(keyspace: str, replication: dict[str, str]) -> list[str]:
    """The statements of loaders/schema.cql for ``keyspace``, comments removed."""
    check_name(keyspace)
    text = resources.files("loaders").joinpath("schema.cql").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    body = "\n".join(lines)
    body = body.replace("{keyspace}", keyspace).replace(
        "{replication}", _replication_cql(replication)
    )
    return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)")


def apply(session: Session, keyspace: str, replication_spec: str) -> list[str]:
    """Create what is missing of the schema; return the statements that were run.

    Objects that already exist are left alone (and their CREATE is not even sent), so a loader
    role that may only write to an existing keyspace can still run. A keyspace whose
    replication differs from the configured one is reported, not altered: changing
    replication in production is an operator's decision (it needs a repair).
    """
    replication = replication_map(replication_spec)
    meta = session.cluster.metadata
    session.cluster.refresh_schema_metadata(max_schema_agreement_wait=10)
    ran: list[str] = []
    existing = meta.keyspaces.get(keyspace)
    if existing is not None:
        current = _parse_exported(existing.replication_strategy.export_for_schema())
        wanted = dict(replication)
        if _short_class(current.get("class", "")) != wanted["class"] or {
            k: v for k, v in current.items() if k != "class"
        } != {k: v for k, v in wanted.items() if k != "class"}:
            log.warning(
                "keyspace %s exists with replication %s, not the configured %s; left as is",
                keyspace,
                current,
                wanted,
            )
    for stmt in statements(keyspace, replication):
        if stmt.startswith("CREATE KEYSPACE"):
            if existing is not None:
                continue
        else:
            match = _CREATE_TABLE.match(stmt)
            ks_meta = meta.keyspaces.get(keyspace)
            if match and ks_meta is not None and match.group(2) in ks_meta.tables:
                continue
        session.execute(stmt, timeout=30)
        ran.append(stmt)
    if ran:
        session.cluster.control_connection.wait_for_schema_agreement(wait_time=30)
        session.cluster.refresh_schema_metadata(max_schema_agreement_wait=10)
    return ran


def _short_class(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _parse_exported(text: str) -> dict[str, str]:
    body = text.strip().strip("{}")
    result = {}
    for part in body.split(","):
        key, _, value = part.partition(":")
        result[key.strip().strip("'")] = _short_class(value.strip().strip("'"))
    return result
