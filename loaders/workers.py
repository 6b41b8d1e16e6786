"""Worker processes for large marts: each opens its own session and writes or verifies a share.

The pool is spawned (never forked from the JVM-holding parent), so a script that calls
:func:`loaders.load_marts` must guard its top level with ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import uuid
from typing import Any

from loaders.columns import ChunkResult
from loaders.config import CassandraConfig
from loaders.connection import connect
from loaders.execute import Executor
from loaders.marts import TableSpec
from loaders.verify import TableVerifier
from loaders.write import TableWriter

_WORKER: dict[str, Any] = {}


def init(config: CassandraConfig, progress_queue: Any, concurrency: int) -> None:
    """Process-pool initializer: one session per worker process."""
    from cassandra import ConsistencyLevel

    _cluster, session = connect(config)
    level = ConsistencyLevel.name_to_value[config.consistency_level]
    executor = Executor(session, concurrency=concurrency)
    _WORKER["writer"] = TableWriter(
        session,
        config.keyspace,
        level,
        executor,
        progress=lambda table, rows: progress_queue.put((table, rows)),
    )
    _WORKER["verifier"] = TableVerifier(session, config.keyspace, level, executor)


def write(
    spec: TableSpec, load_id: uuid.UUID, paths: list[str], share: int, shares: int
) -> ChunkResult:
    result: ChunkResult = _WORKER["writer"].write_share(spec, load_id, paths, share, shares)
    return result


def verify(
    spec: TableSpec, load_id: uuid.UUID, paths: list[str], share: int, shares: int
) -> ChunkResult:
    result: ChunkResult = _WORKER["verifier"].verify_share(spec, load_id, paths, share, shares)
    return result
