"""Reading a load back from Cassandra and checksumming it like the mart.

Every column is selected as its CQL wire bytes (``bigintAsBlob(col)``...): the driver then
only cuts bytes, five times cheaper than building Decimal and Date objects. They are decoded
column at a time into Arrow arrays of the mart's types and hashed with the code that hashed
the mart (loaders/columns.py), so equal tables give equal checksums whatever the row order.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from loaders import columns
from loaders.columns import ChunkResult
from loaders.execute import Executor, prepare
from loaders.marts import TableSpec
from loaders.source import read_share

if TYPE_CHECKING:
    import pyarrow as pa
    from cassandra.cluster import Session

IN_KEYS = 20  # at most this many partitions per read-back request (an IN list)
PAGE_ROWS = 2000  # ... and about this many rows


class TableVerifier:
    """Reads back partitions of one load and returns their row count and checksum."""

    def __init__(
        self, session: Session, keyspace: str, consistency: int, executor: Executor
    ) -> None:
        self.session = session
        self.keyspace = keyspace
        self.consistency = consistency
        self.executor = executor
        self._selects: dict[str, Any] = {}

    def _select(self, spec: TableSpec) -> Any:
        if spec.table not in self._selects:
            table = f"{self.keyspace}.{spec.table}"
            blobs = ", ".join(f"{cql_type}AsBlob({name})" for name, cql_type in spec.columns)
            if len(spec.partition_key) == 1:  # many partitions per request
                where = f"load_id = ? AND {spec.partition_key[0]} IN ?"
            else:
                where = " AND ".join(f"{name} = ?" for name in ("load_id", *spec.partition_key))
            cql = f"SELECT {blobs} FROM {table} WHERE {where}"
            self._selects[spec.table] = prepare(self.session, cql, self.consistency, table)
        return self._selects[spec.table]

    @columns.without_gc
    def verify_keys(
        self,
        spec: TableSpec,
        load_id: uuid.UUID,
        keys: Sequence[tuple[tuple[bytes, ...], int]],
        schema: pa.Schema,
    ) -> ChunkResult:
        """Read back the partitions ``keys`` ((serialized key, expected rows)) of ``load_id``.

        Partitions are read many per request (an IN list) when the key has one column, grouped
        so a request's rows fit one page. ``schema`` holds the mart's Arrow types, so the
        values read hash like the mart's.
        """
        from cassandra.query import BoundStatement

        single = len(spec.partition_key) == 1
        prepared = self._select(spec)
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
            reads = max(4, self.executor.concurrency // 2)
            for page in self.executor.run(statements, f"reading back {spec.table}", reads):
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

    def verify_table(self, spec: TableSpec, load_id: uuid.UUID, table: pa.Table) -> ChunkResult:
        """Read back every partition of an in-memory Arrow table."""
        return self.verify_keys(spec, load_id, table_keys(spec, table), table.schema)

    def verify_share(
        self, spec: TableSpec, load_id: uuid.UUID, paths: Sequence[str], share: int, shares: int
    ) -> ChunkResult:
        """Read back this worker's share of the partitions of the staged files."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        keys = [read_share(spec, path, list(spec.partition_key), share, shares) for path in paths]
        table = pa.concat_tables(keys) if keys else None
        if table is None or table.num_rows == 0:
            return ChunkResult()
        return self.verify_keys(spec, load_id, table_keys(spec, table), pq.read_schema(paths[0]))


def table_keys(spec: TableSpec, table: pa.Table) -> list[tuple[tuple[bytes, ...], int]]:
    """Distinct serialized partition keys of an Arrow table, with their row counts."""
    types = dict(spec.columns)
    serialized = [columns.serialize(table.column(name), types[name]) for name in spec.partition_key]
    counts: dict[tuple[bytes, ...], int] = {}
    for key in zip(*serialized, strict=True):
        counts[key] = counts.get(key, 0) + 1
    return list(counts.items())
