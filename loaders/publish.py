"""The bookkeeping of versioned loads: the ``loads`` history and the ``current_load`` pointers.

Readers first read ``current_load`` (one partition, dataset ``marts``), then query the tables
with that load_id. A load flips the pointers of all its tables in one conditional batch on
that one partition, so readers switch from one verified load to the next at once, or not at
all. When the outcome of the flip or of a later status write is unknown (a timeout, a lost
connection), the pointers are read back at SERIAL consistency and the user is told what is
true, never a guess.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loaders.config import CassandraConfig
from loaders.connection import session as open_session
from loaders.connection import translate

if TYPE_CHECKING:
    from cassandra.cluster import Session

DATASET = "marts"


def now() -> datetime:
    return datetime.now(UTC)


class Book:
    """Prepared statements on ``current_load`` and ``loads`` of one keyspace."""

    def __init__(self, session: Session, keyspace: str, consistency: int) -> None:
        from cassandra import ConsistencyLevel

        self.session = session
        self.cl = consistency
        ks = keyspace
        self._pointers = session.prepare(
            f"SELECT table_name, load_id FROM {ks}.current_load WHERE dataset = ?"
        )
        self._pointers_serial = session.prepare(
            f"SELECT table_name, load_id FROM {ks}.current_load WHERE dataset = ?"
        )
        self._flip = session.prepare(
            f"UPDATE {ks}.current_load SET load_id = ?, flipped_at = ? "
            "WHERE dataset = ? AND table_name = ? IF load_id = ?"
        )
        self.history = session.prepare(
            f"SELECT load_id, table_name, status FROM {ks}.loads WHERE dataset = ?"
        )
        self._record = session.prepare(
            f"UPDATE {ks}.loads SET status = ?, row_count = ?, checksum = ?, started_at = ?, "
            "finished_at = ?, message = ? WHERE dataset = ? AND load_id = ? AND table_name = ?"
        )
        self.set_status = session.prepare(
            f"UPDATE {ks}.loads SET status = ?, finished_at = ?, message = ? "
            "WHERE dataset = ? AND load_id = ? AND table_name = ?"
        )
        for statement in (self._pointers, self.history, self._record, self.set_status):
            statement.consistency_level = self.cl
        # SERIAL sees the outcome of a conditional update that timed out (it completes it)
        self._pointers_serial.consistency_level = ConsistencyLevel.SERIAL

    def current(self) -> dict[str, uuid.UUID]:
        return dict(self.session.execute(self._pointers, (DATASET,)).all())

    def current_serial(self) -> dict[str, uuid.UUID]:
        """The pointers as a quorum has committed them, in-flight conditional writes included."""
        return dict(self.session.execute(self._pointers_serial, (DATASET,), timeout=10).all())

    def record_writing(self, load_id: uuid.UUID, tables: list[str], started: datetime) -> None:
        for table in tables:
            self.session.execute(
                self._record,
                ("writing", None, None, started, None, None, DATASET, load_id, table),
            )

    def flip(
        self, load_id: uuid.UUID, previous: dict[str, uuid.UUID | None], tables: list[str]
    ) -> bool:
        """Point ``tables`` at ``load_id`` if they still point where ``previous`` says.

        Returns False when another load moved a pointer meanwhile (nothing changed).
        """
        from cassandra import ConsistencyLevel
        from cassandra.query import BatchStatement, BatchType

        batch = BatchStatement(
            BatchType.LOGGED,
            consistency_level=self.cl,
            serial_consistency_level=ConsistencyLevel.SERIAL,
        )
        flipped_at = now()
        for table in tables:
            batch.add(self._flip, (load_id, flipped_at, DATASET, table, previous.get(table)))
        return bool(self.session.execute(batch).was_applied)

    def record_current(
        self,
        load_id: uuid.UUID,
        started: datetime,
        tables: list[tuple[str, int, str]],
        previous: dict[str, uuid.UUID | None],
    ) -> None:
        """After a flip: this load is ``current`` and the one it replaced ``superseded``."""
        finished = now()
        for table, rows, checksum in tables:
            self.session.execute(
                self._record,
                ("current", rows, checksum, started, finished, None, DATASET, load_id, table),
            )
            replaced = previous.get(table)
            if replaced is not None:
                self.session.execute(
                    self.set_status,
                    ("superseded", finished, f"replaced by {load_id}", DATASET, replaced, table),
                )

    def mark(self, load_id: uuid.UUID, tables: list[str], status: str, message: str) -> None:
        for table in tables:
            self.session.execute(
                self.set_status,
                (status, now(), message[:500], DATASET, load_id, table),
                timeout=3,
            )


def current_load_ids(config: CassandraConfig) -> dict[str, uuid.UUID]:
    """The current load_id of each table (what applications read first)."""
    with open_session(config) as session:
        try:
            rows: Any = session.execute(
                f"SELECT table_name, load_id FROM {config.keyspace}.current_load "
                "WHERE dataset = %s",
                (DATASET,),
            )
            return dict(rows.all())
        except Exception as exc:
            raise translate(exc, config, "reading current_load") from None
