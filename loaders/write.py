"""Writing a mart's rows to Cassandra, fast.

Runs in the loader's process for small marts and in worker processes (each with its own
session) for large ones, because the Python driver is CPU-bound well before the node is.
Speed comes from three things:
- values are serialized column by column from Arrow (loaders/columns.py) instead of through
  ``PreparedStatement.bind`` row by row;
- rows of one partition go in one UNLOGGED batch (one mutation on the replica, routed by
  token to it), never a batch across partitions;
- many requests are in flight at once (loaders/execute.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from loaders import columns
from loaders.columns import ChunkResult
from loaders.execute import Executor, LoadFailed, prepare
from loaders.marts import TableSpec
from loaders.source import read_share

if TYPE_CHECKING:
    import pyarrow as pa
    from cassandra.cluster import Session

# Rows of one partition go as one UNLOGGED batch: Cassandra applies it as a single mutation and
# does not check the size of single-partition batches (batch_size_warn/fail_threshold apply only
# to batches spanning partitions, CASSANDRA-10876). Bigger batches cost the node less per row;
# the caps keep one request far below the native protocol's frame limit.
MAX_BATCH_ROWS = 1000
MAX_BATCH_BYTES = 128 * 1024
ProgressFn = Callable[[str, int], None]


def _bound(prepared: Any, values: Sequence[Any]) -> Any:
    """A bound statement of already-serialized values (``bind`` would serialize them again)."""
    from cassandra.query import BoundStatement

    statement = BoundStatement(prepared)
    statement.values = list(values)
    return statement


def _batch(prepared: Any, rows: Sequence[Sequence[Any]], consistency: int) -> Any:
    """An UNLOGGED batch of already-serialized rows of one partition."""
    from cassandra.query import BatchStatement, BatchType

    batch = BatchStatement(BatchType.UNLOGGED, consistency_level=consistency)
    for row in rows:
        batch.add(_bound(prepared, row))  # routing (token-aware) comes from the first row
    batch.is_idempotent = True
    return batch


class TableWriter:
    """Writes rows of marts under one load_id through one session."""

    def __init__(
        self,
        session: Session,
        keyspace: str,
        consistency: int,
        executor: Executor,
        progress: ProgressFn | None = None,
    ) -> None:
        self.session = session
        self.keyspace = keyspace
        self.consistency = consistency
        self.executor = executor
        self.progress = progress
        self._inserts: dict[str, Any] = {}

    def _insert(self, spec: TableSpec) -> Any:
        if spec.table not in self._inserts:
            table = f"{self.keyspace}.{spec.table}"
            marks = ", ".join("?" for _ in range(len(spec.names) + 1))
            cql = f"INSERT INTO {table} ({', '.join(spec.names)}, load_id) VALUES ({marks})"
            self._inserts[spec.table] = prepare(self.session, cql, self.consistency, table)
        return self._inserts[spec.table]

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

    def _statements(self, spec: TableSpec, batch: pa.RecordBatch, load_bytes: bytes) -> list[Any]:
        """One statement per partition run of ``batch`` (sorted by partition key)."""
        n = batch.num_rows
        if n == 0:
            return []
        prepared = self._insert(spec)
        values = self._serialized(spec, batch)
        rows = list(zip(*values, [load_bytes] * n, strict=True))
        # size the batches from the first row: rows of one table have similar widths
        row_bytes = sum(len(v) for v in rows[0] if isinstance(v, bytes)) + 4 * len(rows[0])
        max_rows = max(1, min(MAX_BATCH_ROWS, MAX_BATCH_BYTES // row_bytes))
        width = len(spec.partition_key)
        starts = columns.partition_starts(batch.columns[:width], max_rows)
        statements: list[Any] = []
        for begin, end in zip(starts, [*starts[1:], n], strict=True):
            if end - begin == 1:
                statements.append(_bound(prepared, rows[begin]))
            else:
                statements.append(_batch(prepared, rows[begin:end], self.consistency))
        return statements

    @columns.without_gc
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
            self.executor.run(self._statements(spec, batch, load_bytes), f"writing {spec.table}")
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
            table = read_share(spec, path, list(spec.names), share, shares)
            result.add(self.write_table(spec, load_id, table))
        return result
