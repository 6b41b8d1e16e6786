"""Load the marts into Cassandra: versioned, verified, never half-visible.

One call of :func:`load_marts`:
1. connects (clear errors within seconds for bad hosts, ports, credentials, permissions) and
   applies loaders/schema.cql idempotently;
2. records a new ``load_id`` (timeuuid) as ``writing`` in the ``loads`` history;
3. per mart, writes its rows under the new load_id: a small mart comes from Spark as one
   Arrow table; a large one is staged by Spark as Parquet (no shuffle) and written by worker
   processes, each taking the partitions whose key hashes to it, sorted and batched by
   partition;
4. reads every written partition back and compares the row count and an order-independent
   checksum with the mart; any difference fails the load;
5. only when every table is verified, flips the per-table pointers in ``current_load`` in one
   conditional single-partition batch (atomic; refused if another load moved them meanwhile);
6. deletes the rows of loads older than the last ``keep_loads`` (and of failed loads).

If anything fails before step 5 the pointers are untouched, so readers keep the previous load.
Consistency: settings.cassandra_consistency (ONE for the local node; use LOCAL_QUORUM in
production, where reads then see the writes of the verification step on a quorum).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from loaders import schema
from loaders.connection import ConnParams, connect, params_from, translate
from loaders.marts import SEGMENT_MARTS, SPARK_TYPES, TableSpec, select
from loaders.writer import ChunkResult, LoadFailed, Writer, checksum_text
from velos.errors import VelosError
from velos.settings import Settings

if TYPE_CHECKING:
    from cassandra.cluster import Cluster, Session
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

DATASET = "marts"
IN_PROCESS_MAX_ROWS = 50_000  # below this, worker processes cost more than they save
MAX_WORKERS = 4


@dataclass
class TableReport:
    """The outcome of one table in one load."""

    mart: str
    table: str
    rows: int
    checksum: str
    seconds: float
    write_seconds: float  # reading the mart through Spark (and staging it) + writing
    verify_seconds: float
    stage_seconds: float = 0.0  # of write_seconds: Spark staging the mart
    verified: bool = True

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        return (
            f"{self.table:<26} {self.rows:>10,} rows  {self.seconds:7.1f}s  "
            f"{self.rows_per_s:>9,.0f} rows/s  checksum {self.checksum}  "
            f"{'verified' if self.verified else 'NOT verified'}"
        )


@dataclass
class LoadReport:
    """What :func:`load_marts` did."""

    load_id: uuid.UUID
    keyspace: str
    tables: list[TableReport] = field(default_factory=list)
    previous: dict[str, uuid.UUID | None] = field(default_factory=dict)
    deleted: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    seconds: float = 0.0
    cleanup_error: str | None = None

    def __str__(self) -> str:
        counts = ", ".join(f"{t.table} {t.rows:,}" for t in self.tables)
        return f"{counts} (load {self.load_id}, verified, keyspace {self.keyspace})"

    def summary_lines(self) -> list[str]:
        lines = [table.summary() for table in self.tables]
        lines.append(
            f"load {self.load_id} is now current in keyspace {self.keyspace} "
            f"({sum(t.rows for t in self.tables):,} rows, {self.seconds:.1f}s); "
            f"old loads deleted: {sum(len(v) for v in self.deleted.values())}"
        )
        if self.cleanup_error:
            lines.append(
                f"warning: cleaning old loads failed ({self.cleanup_error}); "
                "the next load will retry it"
            )
        return lines


# -- Spark side -------------------------------------------------------------------------------
def _mart_frame(spark: SparkSession, source_schema: str, spec: TableSpec) -> DataFrame:
    """The mart's columns, cast losslessly to the Cassandra types; clear errors otherwise."""
    from pyspark.sql import functions as F

    name = f"{schema.check_name(source_schema, 'source schema')}.{spec.mart}"
    try:
        frame = spark.table(name)
        fields = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
    except Exception as exc:
        if "TABLE_OR_VIEW_NOT_FOUND" in str(exc) or "not found" in str(exc).lower():
            raise VelosError(
                f"the mart {name} does not exist: build the marts first (`velos run` or "
                "`dbt build`)"
            ) from None
        raise VelosError(f"cannot read the mart {name}: {str(exc).splitlines()[0]}") from None
    selected = []
    for column, cassandra_type in spec.columns:
        if column not in fields:
            raise VelosError(
                f"the mart {name} has no column {column!r} (it has {', '.join(fields)}): "
                "rebuild the marts"
            )
        spark_type = fields[column].split("(")[0]
        if spark_type not in SPARK_TYPES[cassandra_type]:
            raise VelosError(
                f"the mart {name} column {column!r} is {fields[column]}, but Cassandra stores "
                f"it as {cassandra_type}: fix the model's type"
            )
        casts = {"bigint": "bigint", "double": "double"}
        expr = F.col(column)
        if cassandra_type in casts and spark_type != casts[cassandra_type]:
            expr = expr.cast(casts[cassandra_type])
        selected.append(expr.alias(column))
    return frame.select(*selected)


def _stage(frame: DataFrame, spec: TableSpec, directory: str) -> list[str]:
    """Have Spark write the mart's columns as Parquet files (no shuffle: workers split it)."""
    try:
        frame.write.mode("overwrite").parquet(directory)
    except Exception as exc:
        raise VelosError(
            f"Spark could not stage the mart {spec.mart} in {directory}: {str(exc).splitlines()[0]}"
        ) from None
    return sorted(glob.glob(os.path.join(directory, "*.parquet")))


# -- Cassandra bookkeeping --------------------------------------------------------------------
class _Book:
    """Statements on current_load and loads."""

    def __init__(self, session: Session, keyspace: str, consistency: str) -> None:
        from cassandra import ConsistencyLevel

        self.session = session
        self.cl = ConsistencyLevel.name_to_value[consistency]
        ks = keyspace
        self.pointers = session.prepare(
            f"SELECT table_name, load_id FROM {ks}.current_load WHERE dataset = ?"
        )
        self.flip = session.prepare(
            f"UPDATE {ks}.current_load SET load_id = ?, flipped_at = ? "
            "WHERE dataset = ? AND table_name = ? IF load_id = ?"
        )
        self.history = session.prepare(
            f"SELECT load_id, table_name, status FROM {ks}.loads WHERE dataset = ?"
        )
        self.record = session.prepare(
            f"UPDATE {ks}.loads SET status = ?, row_count = ?, checksum = ?, started_at = ?, "
            "finished_at = ?, message = ? WHERE dataset = ? AND load_id = ? AND table_name = ?"
        )
        self.set_status = session.prepare(
            f"UPDATE {ks}.loads SET status = ?, finished_at = ?, message = ? "
            "WHERE dataset = ? AND load_id = ? AND table_name = ?"
        )
        for statement in (self.pointers, self.history, self.record, self.set_status):
            statement.consistency_level = self.cl

    def current(self) -> dict[str, uuid.UUID]:
        return dict(self.session.execute(self.pointers, (DATASET,)).all())


def _now() -> datetime:
    return datetime.now(UTC)


# -- the load ---------------------------------------------------------------------------------
class _Progress:
    """tqdm bars fed from this process or from the workers' queue."""

    def __init__(self, enabled: bool, on_rows: Callable[[str, int], None] | None) -> None:
        self.enabled = enabled
        self.on_rows = on_rows
        self.bar: Any = None
        self.done: dict[str, int] = {}
        self.lock = threading.Lock()

    def open(self, table: str, total: int) -> None:
        from tqdm import tqdm

        self.done[table] = 0
        self.bar = tqdm(
            total=total,
            desc=f"{table:<24}",
            unit=" rows",
            unit_scale=True,
            disable=not self.enabled,
            leave=True,
            dynamic_ncols=True,
        )

    def update(self, table: str, rows: int) -> None:
        with self.lock:
            self.done[table] = self.done.get(table, 0) + rows
            if self.bar is not None:
                self.bar.update(rows)
            done = self.done[table]
        if self.on_rows:
            self.on_rows(table, done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Loader:
    def __init__(
        self,
        spark: SparkSession,
        settings: Settings,
        params: ConnParams,
        specs: list[TableSpec],
        *,
        keep_loads: int,
        source_schema: str,
        workers: int,
        concurrency: int,
        progress: _Progress,
    ) -> None:
        self.spark = spark
        self.settings = settings
        self.params = params
        self.specs = specs
        self.keep_loads = keep_loads
        self.source_schema = source_schema
        self.workers = workers
        self.concurrency = concurrency
        self.progress = progress
        self.load_id = uuid.uuid1()
        self.started = _now()
        self.cluster: Cluster | None = None
        self.session: Session | None = None
        self.pool: ProcessPoolExecutor | None = None
        self.queue: Any = None
        self.queue_thread: threading.Thread | None = None
        self.stage_root = os.path.join(str(settings.home), "tmp", f"load-{self.load_id}")

    # connection and schema
    def open(self) -> None:
        self.cluster, self.session = connect(self.params)
        try:
            schema.apply(self.session, self.params.keyspace, self.settings.cassandra_replication)
            self.book = _Book(self.session, self.params.keyspace, self.params.consistency)
            self.previous = self.book.current()
            # Recording the load is also the check that the role may write here.
            for spec in self.specs:
                self.session.execute(
                    self.book.record,
                    (
                        "writing",
                        None,
                        None,
                        self.started,
                        None,
                        None,
                        DATASET,
                        self.load_id,
                        spec.table,
                    ),
                )
        except VelosError:
            raise
        except Exception as exc:
            raise translate(exc, self.params, "preparing the keyspace") from None
        self.writer = Writer(
            self.session,
            self.params.keyspace,
            self.params.consistency,
            concurrency=self.concurrency,
            progress=self.progress.update,
        )

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            import multiprocessing

            from loaders.writer import worker_init

            context = multiprocessing.get_context("spawn")  # no fork of the JVM-holding parent
            self.queue = context.Queue()
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=worker_init,
                initargs=(self.params, self.queue, self.concurrency),
            )
            self.queue_thread = threading.Thread(target=self._drain, daemon=True)
            self.queue_thread.start()
        return self.pool

    def _drain(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            self.progress.update(*item)

    def _gather(self, futures: list[Future[ChunkResult]]) -> ChunkResult:
        total = ChunkResult()
        try:
            for future in futures:
                total.add(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return total

    def load_table(self, spec: TableSpec) -> TableReport:
        started = time.monotonic()
        frame = _mart_frame(self.spark, self.source_schema, spec)
        # One Spark job tells small from large, and already holds a small mart's rows.
        head = frame.limit(IN_PROCESS_MAX_ROWS + 1).toArrow()
        if head.num_rows <= IN_PROCESS_MAX_ROWS:
            staged = time.monotonic()
            mart_rows = head.num_rows
            self.progress.open(spec.table, mart_rows)
            try:
                written = self.writer.write_table(spec, self.load_id, head)
            finally:
                self.progress.close()
            write_done = time.monotonic()
            read = self.writer.verify_table(spec, self.load_id, head)
        else:
            del head
            directory = os.path.join(self.stage_root, spec.table)
            paths = _stage(frame, spec, directory)
            mart_rows = sum(pq.read_metadata(path).num_rows for path in paths)
            staged = time.monotonic()
            # each worker takes the partitions whose key hashes to its share of the files
            shares = self.workers
            self.progress.open(spec.table, mart_rows)
            try:
                if shares <= 1:
                    written = self.writer.write_share(spec, self.load_id, paths, 0, 1)
                else:
                    pool = self._pool()
                    written = self._gather(
                        [
                            pool.submit(_worker_write, spec, self.load_id, paths, i, shares)
                            for i in range(shares)
                        ]
                    )
            finally:
                self.progress.close()
            write_done = time.monotonic()
            if shares <= 1:
                read = self.writer.verify_share(spec, self.load_id, paths, 0, 1)
            else:
                pool = self._pool()
                read = self._gather(
                    [
                        pool.submit(_worker_verify, spec, self.load_id, paths, i, shares)
                        for i in range(shares)
                    ]
                )
            shutil.rmtree(directory, ignore_errors=True)
        finished = time.monotonic()
        problems = []
        if written.rows != mart_rows:
            problems.append(f"staged {written.rows:,} rows of {mart_rows:,}")
        if read.rows != written.rows:
            problems.append(
                f"Cassandra holds {read.rows:,} rows for {written.rows:,} written "
                "(rows with the same primary key in the mart collapse into one)"
            )
        if read.checksum != written.checksum:
            problems.append(
                f"checksum {checksum_text(read.checksum)} read back != "
                f"{checksum_text(written.checksum)} of the mart"
            )
        if problems:
            raise LoadFailed(f"verification of {spec.table} failed: " + "; ".join(problems))
        return TableReport(
            mart=spec.mart,
            table=spec.table,
            rows=read.rows,
            checksum=checksum_text(read.checksum),
            seconds=finished - started,
            write_seconds=write_done - started,
            verify_seconds=finished - write_done,
            stage_seconds=staged - started,
        )

    def flip(self, reports: list[TableReport]) -> None:
        """Point readers at the new load: one conditional batch on one partition."""
        from cassandra import ConsistencyLevel
        from cassandra.query import BatchStatement, BatchType

        batch = BatchStatement(
            BatchType.LOGGED,
            consistency_level=self.book.cl,
            serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
        )
        flipped_at = _now()
        for report in reports:
            batch.add(
                self.book.flip,
                (self.load_id, flipped_at, DATASET, report.table, self.previous.get(report.table)),
            )
        result = self.session.execute(batch)
        if not result.was_applied:
            raise LoadFailed(
                "another load changed current_load while this one ran; this load was not "
                "switched on (run it again)"
            )
        finished = _now()
        for report in reports:
            self.session.execute(
                self.book.record,
                (
                    "current",
                    report.rows,
                    report.checksum,
                    self.started,
                    finished,
                    None,
                    DATASET,
                    self.load_id,
                    report.table,
                ),
            )
            previous = self.previous.get(report.table)
            if previous is not None:
                self.session.execute(
                    self.book.set_status,
                    (
                        "superseded",
                        finished,
                        f"replaced by {self.load_id}",
                        DATASET,
                        previous,
                        report.table,
                    ),
                )

    def cleanup(self) -> dict[str, list[uuid.UUID]]:
        """Delete the rows of all but the last ``keep_loads`` loads of each loaded table.

        Failed or abandoned loads older than this one are deleted too; loads newer than this
        one (another loader running now) are left alone.
        """
        from cassandra.query import BatchStatement, BatchType, SimpleStatement

        ks = self.params.keyspace
        history: dict[str, list[tuple[uuid.UUID, str]]] = {}
        for load_id, table, status in self.session.execute(self.book.history, (DATASET,)):
            history.setdefault(table, []).append((load_id, status))
        deleted: dict[str, list[uuid.UUID]] = {}
        for spec in self.specs:
            rows = history.get(spec.table, [])  # newest first (clustering order)
            keep = {lid for lid, status in rows if status in ("current", "superseded")}
            keep = set(sorted(keep, key=lambda lid: lid.time, reverse=True)[: self.keep_loads])
            keep.add(self.load_id)
            keys = ", ".join(("load_id", *spec.partition_key))
            scan = SimpleStatement(
                f"SELECT DISTINCT {keys} FROM {ks}.{spec.table}",
                fetch_size=5000,
                consistency_level=self.book.cl,
            )
            doomed = [
                key
                for key in self.session.execute(scan, timeout=60)
                if key[0] not in keep and key[0].time <= self.load_id.time
            ]
            if not doomed:
                continue
            where = " AND ".join(f"{name} = ?" for name in ("load_id", *spec.partition_key))
            delete = self.session.prepare(f"DELETE FROM {ks}.{spec.table} WHERE {where}")
            delete.consistency_level = self.book.cl
            delete.is_idempotent = True
            self.writer.run([delete.bind(key) for key in doomed], f"deleting old {spec.table}")
            gone = sorted({key[0] for key in doomed}, key=lambda lid: lid.time)
            deleted[spec.table] = gone
            marks = BatchStatement(BatchType.UNLOGGED, consistency_level=self.book.cl)
            for lid in gone:
                marks.add(
                    self.book.set_status,
                    (
                        "deleted",
                        _now(),
                        f"kept the last {self.keep_loads}",
                        DATASET,
                        lid,
                        spec.table,
                    ),
                )
            self.session.execute(marks)
        return deleted

    def mark_failed(self, message: str) -> None:
        """Best effort: the node may be the thing that failed."""
        if self.session is None or not hasattr(self, "book"):
            return
        try:
            for spec in self.specs:
                self.session.execute(
                    self.book.set_status,
                    ("failed", _now(), message[:500], DATASET, self.load_id, spec.table),
                    timeout=3,
                )
        except Exception:
            log.debug("could not record the failure of load %s", self.load_id)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.queue.put(None)
            if self.queue_thread is not None:
                self.queue_thread.join(timeout=5)
            self.pool = None
        if self.cluster is not None:
            self.cluster.shutdown()
        shutil.rmtree(self.stage_root, ignore_errors=True)


def _worker_write(*args: Any) -> ChunkResult:
    from loaders.writer import worker_write

    return worker_write(*args)


def _worker_verify(*args: Any) -> ChunkResult:
    from loaders.writer import worker_verify

    return worker_verify(*args)


def load_marts(
    spark: SparkSession,
    settings: Settings,
    *,
    tables: list[str] | None = None,
    keep_loads: int = 3,
    progress: bool = True,
    source_schema: str = "marts",
    keyspace: str | None = None,
    workers: int | None = None,
    concurrency: int = 32,
    on_rows: Callable[[str, int], None] | None = None,
) -> LoadReport:
    """Load the marts (all, or the named ones) into Cassandra as one new verified load.

    ``tables`` takes mart names (e.g. ``fct_order_lines``) or Cassandra table names; by
    default every mart, and the segment outputs when velos segment has written them. The
    pointers of the loaded tables flip together, only after all of them verified. Raises
    VelosError with a message for the user on any failure; the pointers are then unchanged.
    ``on_rows(table, rows_done)`` is called as rows are acknowledged (tests use it).
    """
    if keep_loads < 1:
        raise VelosError("keep_loads must be at least 1 (the current load)")
    specs = select(tables)
    if tables is None:  # the segment outputs only once velos segment has written them
        specs = [
            spec
            for spec in specs
            if spec.mart not in SEGMENT_MARTS
            or spark.catalog.tableExists(f"{source_schema}.{spec.mart}")
        ]
    params = params_from(settings, keyspace=keyspace)
    workers = workers or max(1, min(MAX_WORKERS, os.cpu_count() or 1))
    bars = _Progress(progress, on_rows)
    loader = _Loader(
        spark,
        settings,
        params,
        specs,
        keep_loads=keep_loads,
        source_schema=source_schema,
        workers=workers,
        concurrency=concurrency,
        progress=bars,
    )
    started = time.monotonic()
    try:
        loader.open()
        reports = [loader.load_table(spec) for spec in specs]
        loader.flip(reports)
        report = LoadReport(
            load_id=loader.load_id,
            keyspace=params.keyspace,
            tables=reports,
            previous=dict(loader.previous),
        )
        try:
            report.deleted = loader.cleanup()
        except Exception as exc:  # the load itself succeeded: keep it, warn
            report.cleanup_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("cleaning old loads failed: %s", report.cleanup_error)
    except Exception as exc:
        bars.close()
        error = _failure(exc, params, loader)
        loader.mark_failed(str(error))
        raise error from None
    finally:
        loader.close()
    report.seconds = time.monotonic() - started
    if progress:
        for line in report.summary_lines():
            print(line)
    return report


def _failure(exc: BaseException, params: ConnParams, loader: _Loader) -> VelosError:
    previous = getattr(loader, "previous", None)
    if previous:
        kept = ", ".join(f"{t}={lid}" for t, lid in sorted(previous.items()))
        tail = f" Nothing was switched: current_load still points to the previous load ({kept})."
    else:
        tail = " Nothing was switched: current_load is unchanged."
    if isinstance(exc, VelosError):
        if loader.session is None:  # failed before anything was written
            return exc
        return VelosError(f"{exc}.{tail}")
    if isinstance(exc, LoadFailed):
        return VelosError(
            f"the Cassandra load {loader.load_id} failed at {params.where}: {exc}.{tail} "
            "Check the node (`velos cassandra status`) and run the load again."
        )
    if isinstance(exc, BrokenProcessPool):
        return VelosError(
            f"a loader worker process died during load {loader.load_id}.{tail} (Worker "
            "processes are spawned: a script that calls load_marts must guard its top level "
            "with `if __name__ == '__main__':`.)"
        )
    return VelosError(f"{translate(exc, params, 'loading')}.{tail}")


# -- readers ----------------------------------------------------------------------------------
def current_load_ids(settings: Settings, *, keyspace: str | None = None) -> dict[str, uuid.UUID]:
    """The current load_id of each table (what applications read first)."""
    params = params_from(settings, keyspace=keyspace)
    cluster, session = connect(params)
    try:
        rows = session.execute(
            f"SELECT table_name, load_id FROM {params.keyspace}.current_load WHERE dataset = %s",
            (DATASET,),
        )
        return dict(rows.all())
    except Exception as exc:
        raise translate(exc, params, "reading current_load") from None
    finally:
        cluster.shutdown()


def read_current(
    settings: Settings, table: str, *, keyspace: str | None = None
) -> tuple[uuid.UUID | None, list[dict[str, Any]]]:
    """All rows of ``table``'s current load (load_id left out), for tests and the demo.

    It scans the table with a filter on load_id: fine for checks, not an application query.
    """
    from cassandra.query import SimpleStatement

    spec = select([table])[0]
    params = params_from(settings, keyspace=keyspace)
    cluster, session = connect(params)
    try:
        pointer = session.execute(
            f"SELECT load_id FROM {params.keyspace}.current_load "
            "WHERE dataset = %s AND table_name = %s",
            (DATASET, spec.table),
        ).one()
        if pointer is None:
            return None, []
        names = ", ".join(spec.names)
        statement = SimpleStatement(
            f"SELECT {names} FROM {params.keyspace}.{spec.table} WHERE load_id = %s "
            "ALLOW FILTERING",
            fetch_size=5000,
        )
        rows = [
            dict(zip(spec.names, row, strict=True))
            for row in session.execute(statement, (pointer[0],), timeout=120)
        ]
        return pointer[0], rows
    except VelosError:
        raise
    except Exception as exc:
        raise translate(exc, params, f"reading {spec.table}") from None
    finally:
        cluster.shutdown()


def current_counts(settings: Settings, *, keyspace: str | None = None) -> dict[str, int]:
    """Rows of each table's current load (the demo's closing summary)."""
    from cassandra.query import SimpleStatement

    params = params_from(settings, keyspace=keyspace)
    cluster, session = connect(params)
    counts: dict[str, int] = {}
    try:
        pointers = dict(
            session.execute(
                f"SELECT table_name, load_id FROM {params.keyspace}.current_load "
                "WHERE dataset = %s",
                (DATASET,),
            ).all()
        )
        for table, load_id in sorted(pointers.items()):
            statement = SimpleStatement(
                f"SELECT count(*) FROM {params.keyspace}.{schema.check_name(table, 'table')} "
                "WHERE load_id = %s ALLOW FILTERING"
            )
            counts[table] = session.execute(statement, (load_id,), timeout=120).one()[0]
        return counts
    except Exception as exc:
        raise translate(exc, params, "counting the current load") from None
    finally:
        cluster.shutdown()
