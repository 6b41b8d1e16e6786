"""Deleting the rows of old loads, keeping the last ``keep_loads`` of each table.

A reader that read ``current_load`` just before a flip may still be reading the load that was
current then; that is why at least two loads are kept (the current one and the one before
it): a reader's query started on the previous load finishes on rows that still exist.
"""

from __future__ import annotations

import uuid

from loaders.execute import Executor
from loaders.marts import TableSpec
from loaders.publish import DATASET, Book, now

MIN_KEEP_LOADS = 2


def delete_old_loads(
    book: Book,
    executor: Executor,
    keyspace: str,
    specs: list[TableSpec],
    load_id: uuid.UUID,
    keep_loads: int,
) -> dict[str, list[uuid.UUID]]:
    """Delete the rows of all but the last ``keep_loads`` loads of each table of ``specs``.

    Failed or abandoned loads older than ``load_id`` are deleted too; loads newer than it
    (another loader running now) are left alone. Returns the deleted load_ids per table.
    """
    from cassandra.query import BatchStatement, BatchType, SimpleStatement

    session = book.session
    history: dict[str, list[tuple[uuid.UUID, str]]] = {}
    for old_id, table, status in session.execute(book.history, (DATASET,)):
        history.setdefault(table, []).append((old_id, status))
    deleted: dict[str, list[uuid.UUID]] = {}
    for spec in specs:
        rows = history.get(spec.table, [])  # newest first (clustering order)
        keep = {lid for lid, status in rows if status in ("current", "superseded")}
        keep = set(sorted(keep, key=lambda lid: lid.time, reverse=True)[:keep_loads])
        keep.add(load_id)
        keys = ", ".join(("load_id", *spec.partition_key))
        scan = SimpleStatement(
            f"SELECT DISTINCT {keys} FROM {keyspace}.{spec.table}",
            fetch_size=5000,
            consistency_level=book.cl,
        )
        doomed = [
            key
            for key in session.execute(scan, timeout=60)
            if key[0] not in keep and key[0].time <= load_id.time
        ]
        if not doomed:
            continue
        where = " AND ".join(f"{name} = ?" for name in ("load_id", *spec.partition_key))
        delete = session.prepare(f"DELETE FROM {keyspace}.{spec.table} WHERE {where}")
        delete.consistency_level = book.cl
        delete.is_idempotent = True
        executor.run([delete.bind(key) for key in doomed], f"deleting old {spec.table}")
        gone = sorted({key[0] for key in doomed}, key=lambda lid: lid.time)
        deleted[spec.table] = gone
        marks = BatchStatement(BatchType.UNLOGGED, consistency_level=book.cl)
        for lid in gone:
            marks.add(
                book.set_status,
                ("deleted", now(), f"kept the last {keep_loads}", DATASET, lid, spec.table),
            )
        session.execute(marks)
    return deleted
