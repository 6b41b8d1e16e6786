"""Writing one staged chunk of a mart to Cassandra, and reading it back to verify it.

Runs in the loader's process for small tables and in worker processes (each with its own
session) for large ones, because the Python driver is CPU-bound well before the node is.

Speed comes from three things:
- values are serialized column by column from Arrow (loaders/columns.py) instead of through
  ``PreparedStatement.bind`` row by row;
- rows of one partition go in one UNLOGGED batch (one mutation on the replica, routed by
  token to it), never a batch across partitions;
- ``execute_concurrent`` keeps many requests in flight.
"""

from __future__ import annotations

import functools
import gc
import logging
import queue
import random
import struct
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loaders import columns
from loaders.marts import TableSpec

if TYPE_CHECKING:
    import pyarrow as pa
    from cassandra.cluster import Session

log = logging.getLogger(__name__)

MASK64 = (1 << 64) - 1
# Rows of one partition go as one UNLOGGED batch: Cassandra applies it as a single mutation and
# does not check the size of single-partition batches (batch_size_warn/fail_threshold apply only
# to batches spanning partitions, CASSANDRA-10876). Bigger batches cost the node less per row;
# the caps keep one request far below the native protocol's frame limit.
MAX_BATCH_ROWS = 1000
MAX_BATCH_BYTES = 128 * 1024
IN_KEYS = 20  # at most this many partitions per read-back request (an IN list)
PAGE_ROWS = 2000  # ... and about this many rows
ProgressFn = Callable[[str, int], None]


class LoadFailed(Exception):
    """A write or read-back failed for good; the message is meant for the user."""


@dataclass
class ChunkResult:
    """Rows and checksum of a part of a table (see loaders/columns.py for the checksum)."""

    rows: int = 0
    checksum: int = 0

    def add(self, other: ChunkResult) -> None:
        self.rows += other.rows
        self.checksum = (self.checksum + other.checksum) & MASK64


def checksum_text(value: int) -> str:
    return f"{value:016x}"


def _retryable(exc: BaseException) -> bool:
    from cassandra import (
        OperationTimedOut,
        ReadFailure,
        ReadTimeout,
        Unavailable,
        WriteFailure,
        WriteTimeout,
    )
    from cassandra.cluster import NoHostAvailable
    from cassandra.connection import ConnectionException
    from cassandra.protocol import OverloadedErrorMessage, ServerError

    return isinstance(
        exc,
        (
            OperationTimedOut,
            WriteTimeout,
            ReadTimeout,
            # a replica that failed or dropped the request under load: transient
            WriteFailure,
            ReadFailure,
            Unavailable,
            NoHostAvailable,
            ConnectionException,
            OverloadedErrorMessage,
            ServerError,
            ConnectionError,
        ),
    )


def _describe(exc: BaseException) -> str:
    from loaders.connection import scrub

    text = str(exc)
    if type(exc).__name__ == "NoHostAvailable":
        text = "no node answered (all connections to the node are down)"
    return f"{type(exc).__name__}: {scrub(text)[:200]}"


def _without_gc(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` with Python's cyclic garbage collector paused.

    A chunk holds hundreds of thousands of row tuples at once; the collector would rescan them
    over and over (measured: 10 to 15% of the read-back's time) and none of them form cycles.
    Reference counting still frees everything as usual.
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


def _batch(prepared: Any, rows: Sequence[Sequence[Any]], consistency: int) -> Any:
    """An UNLOGGED batch of already-serialized rows of one partition.

    ``BatchStatement.add`` would bind each row again; appending the serialized values the way
    ``add`` itself stores them skips that work. Routing (token-aware) uses the first row's key.
    """
    from cassandra.query import BatchStatement, BatchType, BoundStatement

    batch = BatchStatement(BatchType.UNLOGGED, consistency_level=consistency)
    first = BoundStatement(prepared)
    first.values = list(rows[0])
    batch.add(first)  # public path once: sets keyspace and routing key
    store = batch._statements_and_parameters  # what add() appends to
    query_id = prepared.query_id
    for row in rows[1:]:
        store.append((True, query_id, row))
    batch.is_idempotent = True
    return batch


class Writer:
    """Writes and verifies staged chunks through one session."""

    def __init__(
        self,
        session: Session,
        keyspace: str,
        consistency: str,
        *,
        concurrency: int = 64,
        max_attempts: int = 4,
        backoff: float = 0.5,
        progress: ProgressFn | None = None,
    ) -> None:
        from cassandra import ConsistencyLevel

        self.session = session
        self.keyspace = keyspace
        self.consistency = ConsistencyLevel.name_to_value[consistency]
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.progress = progress
        self.protocol = session.cluster.protocol_version
        self._prepared: dict[tuple[str, str], Any] = {}

    # -- statements --------------------------------------------------------------------------
    def _prepare(self, kind: str, spec: TableSpec) -> Any:
        key = (kind, spec.table)
        if key not in self._prepared:
            names = ", ".join(spec.names)
            table = f"{self.keyspace}.{spec.table}"
            if kind == "insert":
                marks = ", ".join("?" for _ in range(len(spec.names) + 1))
                cql = f"INSERT INTO {table} ({names}, load_id) VALUES ({marks})"
            else:  # read back as wire bytes: the driver need not build a Python object per value
                blobs = ", ".join(f"{cql_type}AsBlob({name})" for name, cql_type in spec.columns)
                if kind == "select_in":  # one partition key column: many partitions per request
                    where = f"load_id = ? AND {spec.partition_key[0]} IN ?"
                else:
                    where = " AND ".join(f"{name} = ?" for name in ("load_id", *spec.partition_key))
                cql = f"SELECT {blobs} FROM {table} WHERE {where}"
            try:
                prepared = self.session.prepare(cql)
            except Exception as exc:
                raise LoadFailed(f"cannot prepare on table {table}: {_describe(exc)}") from None
            prepared.consistency_level = self.consistency
            prepared.is_idempotent = True  # plain upserts of fixed values: safe to retry
            self._prepared[key] = prepared
        return self._prepared[key]

    # -- execution with bounded retries -------------------------------------------------------
    def _execute(
        self, statements: Sequence[Any], indexes: list[int], concurrency: int
    ) -> list[tuple[bool, Any]]:
        """Run ``statements[i]`` for ``i`` in ``indexes`` with at most ``concurrency`` in flight.

        Only this thread submits; the driver's callbacks just queue outcomes. (The driver's
        ``execute_concurrent`` submits from its callbacks, which recurses without bound when
        every request fails at once, e.g. when the node dies.)
        """
        done: queue.SimpleQueue[tuple[int, bool, Any]] = queue.SimpleQueue()
        outcomes: list[tuple[bool, Any]] = [(False, None)] * len(indexes)
        position = 0
        in_flight = 0
        while position < len(indexes) or in_flight:
            while in_flight < concurrency and position < len(indexes):
                slot = position
                position += 1
                in_flight += 1
                try:
                    future = self.session.execute_async(statements[indexes[slot]])
                except Exception as exc:
                    done.put((slot, False, exc))
                    continue
                future.add_callbacks(
                    callback=lambda _rows, slot=slot, future=future: done.put((slot, True, future)),
                    errback=lambda exc, slot=slot: done.put((slot, False, exc)),
                )
            slot, ok, value = done.get()
            in_flight -= 1
            outcomes[slot] = (True, value.result()) if ok else (False, value)
        return outcomes

    def run(
        self, statements: Sequence[Any], during: str, concurrency: int | None = None
    ) -> list[Any]:
        """Execute ``statements`` concurrently; retry the failed ones with backoff.

        Only timeouts, unavailable and connection errors are retried, at most
        ``max_attempts`` times in all; anything else fails at once.
        """
        results: list[Any] = [None] * len(statements)
        pending = list(range(len(statements)))
        last_error: BaseException | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 2))
            failed = []
            for index, (ok, value) in zip(
                pending,
                self._execute(statements, pending, concurrency or self.concurrency),
                strict=True,
            ):
                if ok:
                    results[index] = value
                    continue
                if not _retryable(value):
                    raise LoadFailed(f"{during}: {_describe(value)}") from None
                failed.append(index)
                last_error = value
            if not failed:
                return results
            log.debug("%s: %d requests failed, attempt %d", during, len(failed), attempt + 1)
            pending = failed
        assert last_error is not None
        raise LoadFailed(
            f"{during}: Cassandra kept failing after {self.max_attempts} attempts "
            f"({_describe(last_error)})"
        )

    # -- write --------------------------------------------------------------------------------
    def _serialized(self, spec: TableSpec, batch: pa.RecordBatch) -> list[list[Any]]:
        """Serialized values of one Arrow record batch, column by column."""
        from cassandra.query import UNSET_VALUE

        key = set(spec.key)
        result = []
        for (name, cql_type), array in zip(spec.columns, batch.columns, strict=True):
            if array.null_count and name in key:
                raise LoadFailed(
                    f"mart {spec.mart} has NULL in key column {name!r}; Cassandra cannot "
                    "store such a row: fix the mart (every key column must be filled)"
                )
            # UNSET, not null: a null would write a tombstone into a brand-new partition
            result.append(columns.serialize(array, cql_type, null=UNSET_VALUE))
        return result

    def _statements(
        self, spec: TableSpec, batch: pa.RecordBatch, load_bytes: bytes
    ) -> tuple[list[Any], list[int]]:
        """One statement per partition run of ``batch`` (sorted by partition key)."""
        from cassandra.query import BoundStatement

        n = batch.num_rows
        if n == 0:
            return [], []
        prepared = self._prepare("insert", spec)
        values = self._serialized(spec, batch)
        rows = list(zip(*values, [load_bytes] * n, strict=True))
        # size the batches from the first row: rows of one table have similar widths
        row_bytes = sum(len(v) for v in rows[0] if isinstance(v, bytes)) + 4 * len(rows[0])
        max_rows = max(1, min(MAX_BATCH_ROWS, MAX_BATCH_BYTES // row_bytes))
        width = len(spec.partition_key)
        starts = columns.partition_starts(batch.columns[:width], max_rows)
        statements: list[Any] = []
        sizes: list[int] = []
        for begin, end in zip(starts, [*starts[1:], n], strict=True):
            if end - begin == 1:
                stmt = BoundStatement(prepared)
                stmt.values = list(rows[begin])
            else:
                stmt = _batch(prepared, rows[begin:end], self.consistency)
            statements.append(stmt)
            sizes.append(end - begin)
        return statements, sizes

    @_without_gc
    def write_batches(
        self, spec: TableSpec, load_id: uuid.UUID, batches: Iterable[pa.RecordBatch]
    ) -> ChunkResult:
        """Write Arrow record batches of ``spec``'s columns, sorted by partition key.

        A partition's rows are expected to be contiguous; a partition cut by a batch edge is
        simply written by two statements.
        """
        load_bytes = load_id.bytes
        types = [cql_type for _, cql_type in spec.columns]
        result = ChunkResult()
        for batch in batches:
            rows, checksum = columns.checksum(batch.columns, types)
            statements, _sizes = self._statements(spec, batch, load_bytes)
            self.run(statements, f"writing {spec.table}")
            result.add(ChunkResult(rows, checksum))
            if self.progress:
                self.progress(spec.table, rows)
        return result

    def write_table(self, spec: TableSpec, load_id: uuid.UUID, table: pa.Table) -> ChunkResult:
        """Write an Arrow table of ``spec``'s columns holding whole partitions."""
        ordered = table.sort_by([(name, "ascending") for name in spec.partition_key])
        return self.write_batches(spec, load_id, ordered.to_batches(max_chunksize=20_000))

    def write_share(
        self, spec: TableSpec, load_id: uuid.UUID, paths: Sequence[str], share: int, shares: int
    ) -> ChunkResult:
        """Write this worker's share of the staged files: the partitions that hash to it."""
        result = ChunkResult()
        for path in paths:
            table = _read_share(spec, path, list(spec.names), share, shares)
            result.add(self.write_table(spec, load_id, table))
        return result

    # -- read back ----------------------------------------------------------------------------
    @_without_gc
    def verify_keys(
        self,
        spec: TableSpec,
        load_id: uuid.UUID,
        keys: Sequence[tuple[tuple[bytes, ...], int]],
        schema: pa.Schema,
    ) -> ChunkResult:
        """Read back the partitions ``keys`` ((serialized key, expected rows)) of ``load_id``.

        Returns the count and checksum of what Cassandra holds. Partitions are read many per
        request (an IN list) when the key has one column, grouped so a request's rows fit one
        page. ``schema`` holds the mart's Arrow types, so the read values hash like the mart's.
        """
        from cassandra.query import BoundStatement

        single = len(spec.partition_key) == 1
        prepared = self._prepare("select_in" if single else "select", spec)
        types = [cql_type for _, cql_type in spec.columns]
        arrow_types = [schema.field(name).type for name in spec.names]
        load_bytes = load_id.bytes
        groups: list[list[tuple[bytes, ...]]] = []
        current: list[tuple[bytes, ...]] = []
        current_rows = 0
        for key, expected in keys:
            if current and (
                not single or len(current) >= IN_KEYS or current_rows + expected > PAGE_ROWS
            ):
                groups.append(current)
                current, current_rows = [], 0
            current.append(key)
            current_rows += expected
        if current:
            groups.append(current)
        result = ChunkResult()
        for offset in range(0, len(groups), 1000):
            statements = []
            for group in groups[offset : offset + 1000]:
                stmt = BoundStatement(prepared)
                if single:  # serialize the IN list ourselves: the keys already are bytes
                    items = b"".join(struct.pack(">i", len(k[0])) + k[0] for k in group)
                    stmt.values = [load_bytes, struct.pack(">i", len(group)) + items]
                else:
                    stmt.values = [load_bytes, *group[0]]
                stmt.fetch_size = PAGE_ROWS * 2
                statements.append(stmt)
            rows: list[tuple[Any, ...]] = []
            # reads fan out to many partitions each: fewer in flight than writes, so a busy
            # node answers them within its read timeout
            reads = max(4, self.concurrency // 2)
            for page in self.run(statements, f"reading back {spec.table}", reads):
                rows.extend(page)  # iterating fetches further pages of a large partition
            if not rows:
                continue
            arrays = [
                columns.from_wire(values, cql_type, arrow_type)
                for values, cql_type, arrow_type in zip(
                    zip(*rows, strict=True), types, arrow_types, strict=True
                )
            ]
            result.add(ChunkResult(*columns.checksum(arrays, types)))
        return result

    def table_keys(self, spec: TableSpec, table: pa.Table) -> list[tuple[tuple[bytes, ...], int]]:
        """Distinct serialized partition keys of an Arrow table, with their row counts."""
        types = dict(spec.columns)
        serialized = [
            columns.serialize(table.column(name), types[name]) for name in spec.partition_key
        ]
        counts: dict[tuple[bytes, ...], int] = {}
        for key in zip(*serialized, strict=True):
            counts[key] = counts.get(key, 0) + 1
        return list(counts.items())

    def verify_table(self, spec: TableSpec, load_id: uuid.UUID, table: pa.Table) -> ChunkResult:
        """Read back every partition of an in-memory Arrow table."""
        return self.verify_keys(spec, load_id, self.table_keys(spec, table), table.schema)

    def verify_share(
        self, spec: TableSpec, load_id: uuid.UUID, paths: Sequence[str], share: int, shares: int
    ) -> ChunkResult:
        """Read back this worker's share of the partitions of the staged files."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        keys = [_read_share(spec, path, list(spec.partition_key), share, shares) for path in paths]
        table = pa.concat_tables(keys) if keys else None
        if table is None or table.num_rows == 0:
            return ChunkResult()
        return self.verify_keys(
            spec, load_id, self.table_keys(spec, table), pq.read_schema(paths[0])
        )


def _read_share(spec: TableSpec, path: str, names: list[str], share: int, shares: int) -> pa.Table:
    """The rows of a staged file whose partition key hashes to ``share`` (of ``shares``)."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=names)
    if shares == 1 or table.num_rows == 0:
        return table
    types = dict(spec.columns)
    mixed = np.zeros(table.num_rows, dtype=np.uint64)
    for name in spec.partition_key:
        mixed = mixed + columns.value_hashes(table.column(name), types[name])
    mask = (mixed % np.uint64(shares)) == np.uint64(share)
    return table.filter(mask)


# -- worker processes -----------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def worker_init(params: Any, queue: Any, concurrency: int) -> None:
    """Process-pool initializer: one session per worker process."""
    from loaders.connection import connect

    _cluster, session = connect(params)
    _WORKER["writer"] = Writer(
        session,
        params.keyspace,
        params.consistency,
        concurrency=concurrency,
        progress=lambda table, rows: queue.put((table, rows)),
    )


def worker_write(
    spec: TableSpec, load_id: uuid.UUID, paths: list[str], share: int, shares: int
) -> ChunkResult:
    return _WORKER["writer"].write_share(spec, load_id, paths, share, shares)


def worker_verify(
    spec: TableSpec, load_id: uuid.UUID, paths: list[str], share: int, shares: int
) -> ChunkResult:
    return _WORKER["writer"].verify_share(spec, load_id, paths, share, shares)
