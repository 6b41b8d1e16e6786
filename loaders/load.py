"""Load the marts into Cassandra: versioned, verified, never half-visible.

One call of :func:`load_marts`:
1. connects (clear errors within seconds for bad hosts, ports, credentials, permissions) and
   applies loaders/schema.cql idempotently (loaders/schema.py);
2. records a new ``load_id`` (timeuuid) as ``writing`` in the ``loads`` history;
3. per mart, reads it through Spark typed for Cassandra (loaders/source.py) and writes its
   rows under the new load_id (loaders/write.py): a small mart as one Arrow table in this
   process; a large one staged as Parquet and written by worker processes
   (loaders/workers.py), each taking the partitions whose key hashes to it;
4. reads every written partition back and compares the row count and an order-independent
   checksum with the mart (loaders/verify.py); any difference fails the load;
5. only when every table is verified, flips the per-table pointers in ``current_load`` in one
   conditional single-partition batch (loaders/publish.py);
6. deletes the rows of loads older than the last ``keep_loads`` (loaders/cleanup.py).

If anything fails before step 5 the pointers are untouched, so readers keep the previous load.
If the outcome of step 5 is unknown, the pointers are read back and the error says what is
true. Writes and the read-back use the configuration's consistency level (a quorum when the
replication factor is above 1).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from loaders import schema, workers
from loaders.cleanup import MIN_KEEP_LOADS, delete_old_loads
from loaders.columns import ChunkResult, checksum_text
from loaders.config import CassandraConfig
from loaders.connection import connect, translate
from loaders.errors import LoaderError
from loaders.execute import Executor, LoadFailed
from loaders.marts import SEGMENT_MARTS, TableSpec, select
from loaders.publish import Book, now
from loaders.source import mart_frame, stage
from loaders.verify import TableVerifier
from loaders.write import TableWriter

if TYPE_CHECKING:
    from cassandra.cluster import Cluster, Session
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

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
    consistency: str = "ONE"
    tables: list[TableReport] = field(default_factory=list)
    previous: dict[str, uuid.UUID | None] = field(default_factory=dict)
    deleted: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    seconds: float = 0.0
    cleanup_error: str | None = None

    def __str__(self) -> str:
        counts = ", ".join(f"{t.table} {t.rows:,}" for t in self.tables)
        return (
            f"{counts} (load {self.load_id}, verified at {self.consistency}, "
            f"keyspace {self.keyspace})"
        )

    def summary_lines(self) -> list[str]:
        lines = [table.summary() for table in self.tables]
        lines.append(
            f"load {self.load_id} is now current in keyspace {self.keyspace} "
            f"({sum(t.rows for t in self.tables):,} rows, {self.seconds:.1f}s, written and "
            f"verified at {self.consistency}); old loads deleted: "
            f"{sum(len(v) for v in self.deleted.values())}"
        )
        if self.cleanup_error:
            lines.append(
                f"warning: cleaning old loads failed ({self.cleanup_error}); "
                "the next load will retry it"
            )
        return lines


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
    """The state of one load: its session, its worker pool, where the flip stands."""

    def __init__(
        self,
        spark: SparkSession,
        config: CassandraConfig,
        specs: list[TableSpec],
        *,
        keep_loads: int,
        source_schema: str,
        workers: int,
        concurrency: int,
        progress: _Progress,
    ) -> None:
        self.spark = spark
        self.config = config
        self.specs = specs
        self.keep_loads = keep_loads
        self.source_schema = source_schema
        self.workers = workers
        self.concurrency = concurrency
        self.progress = progress
        self.load_id = uuid.uuid1()
        self.started = now()
        self.cluster: Cluster | None = None
        self.session: Session | None = None
        self.book: Book | None = None
        self.previous: dict[str, uuid.UUID | None] = {}
        self.flip_tried = False
        self.pool: ProcessPoolExecutor | None = None
        self.queue: Any = None
        self.queue_thread: threading.Thread | None = None
        self.stage_root = os.path.join(
            config.stage_dir or tempfile.gettempdir(), f"velos-load-{self.load_id}"
        )

    @property
    def tables(self) -> list[str]:
        return [spec.table for spec in self.specs]

    def open(self) -> None:
        from cassandra import ConsistencyLevel

        self.cluster, self.session = connect(self.config)
        level = ConsistencyLevel.name_to_value[self.config.consistency_level]
        try:
            schema.apply(self.session, self.config.keyspace, self.config.replication)
            self.book = Book(self.session, self.config.keyspace, level)
            self.previous = dict(self.book.current())
            # Recording the load is also the check that the role may write here.
            self.book.record_writing(self.load_id, self.tables, self.started)
        except LoaderError:
            raise
        except Exception as exc:
            raise translate(exc, self.config, "preparing the keyspace") from None
        self.executor = Executor(self.session, concurrency=self.concurrency)
        self.writer = TableWriter(
            self.session, self.config.keyspace, level, self.executor, self.progress.update
        )
        self.verifier = TableVerifier(self.session, self.config.keyspace, level, self.executor)

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            context = multiprocessing.get_context("spawn")  # no fork of the JVM-holding parent
            self.queue = context.Queue()
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=workers.init,
                initargs=(self.config, self.queue, self.concurrency),
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

    def _in_shares(self, job: Callable[..., ChunkResult], spec: TableSpec, paths: list[str]) -> Any:
        pool = self._pool()
        shares = self.workers
        return self._gather(
            [pool.submit(job, spec, self.load_id, paths, i, shares) for i in range(shares)]
        )

    def load_table(self, spec: TableSpec) -> TableReport:
        started = time.monotonic()
        frame = mart_frame(self.spark, self.source_schema, spec)
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
            read = self.verifier.verify_table(spec, self.load_id, head)
        else:
            del head
            directory = os.path.join(self.stage_root, spec.table)
            paths = stage(frame, spec, directory)
            mart_rows = sum(pq.read_metadata(path).num_rows for path in paths)
            staged = time.monotonic()
            self.progress.open(spec.table, mart_rows)
            try:
                if self.workers <= 1:
                    written = self.writer.write_share(spec, self.load_id, paths, 0, 1)
                else:
                    written = self._in_shares(workers.write, spec, paths)
            finally:
                self.progress.close()
            write_done = time.monotonic()
            if self.workers <= 1:
                read = self.verifier.verify_share(spec, self.load_id, paths, 0, 1)
            else:
                read = self._in_shares(workers.verify, spec, paths)
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

    def publish(self, reports: list[TableReport]) -> None:
        """Flip the pointers to this load, then record it as current."""
        assert self.book is not None
        self.flip_tried = True
        if not self.book.flip(self.load_id, self.previous, self.tables):
            raise LoadFailed(
                "another load changed current_load while this one ran; this load was not "
                "switched on (run it again)"
            )
        self.book.record_current(
            self.load_id,
            self.started,
            [(report.table, report.rows, report.checksum) for report in reports],
            self.previous,
        )

    def pointers_now(self) -> dict[str, uuid.UUID] | None:
        """The pointers read back after a failure (None when they cannot be read)."""
        if self.book is None:
            return None
        try:
            return self.book.current_serial()
        except Exception:
            log.debug("could not read current_load back after a failure", exc_info=True)
            return None

    def mark_failed(self, message: str) -> None:
        """Best effort: the node may be the thing that failed."""
        if self.book is None:
            return
        try:
            self.book.mark(self.load_id, self.tables, "failed", message)
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


def load_marts(
    spark: SparkSession,
    config: CassandraConfig,
    *,
    tables: list[str] | None = None,
    keep_loads: int = 3,
    progress: bool = True,
    source_schema: str = "marts",
    workers: int | None = None,
    concurrency: int = 32,
    on_rows: Callable[[str, int], None] | None = None,
) -> LoadReport:
    """Load the marts (all, or the named ones) into Cassandra as one new verified load.

    ``tables`` takes mart names (e.g. ``fct_order_lines``) or Cassandra table names; by
    default every mart, and the segment outputs when velos segment has written them. The
    pointers of the loaded tables flip together, only after all of them verified. Raises
    :class:`~loaders.errors.LoaderError` with a message for the user on any failure, saying
    whether readers still see the previous load. ``on_rows(table, rows_done)`` is called as
    rows are acknowledged (tests use it). ``keep_loads`` (at least 2) is how many verified
    loads of each table stay in Cassandra.
    """
    if keep_loads < MIN_KEEP_LOADS:
        raise LoaderError(
            f"keep_loads must be at least {MIN_KEEP_LOADS}: the current load and the one "
            "before it, which a reader that read current_load just before the switch may "
            "still be reading"
        )
    specs = select(tables)
    if tables is None:  # the segment outputs only once velos segment has written them
        specs = [
            spec
            for spec in specs
            if spec.mart not in SEGMENT_MARTS
            or spark.catalog.tableExists(f"{source_schema}.{spec.mart}")
        ]
    if config.consistency_warning:
        log.warning(config.consistency_warning)
    bars = _Progress(progress, on_rows)
    loader = _Loader(
        spark,
        config,
        specs,
        keep_loads=keep_loads,
        source_schema=source_schema,
        workers=workers or max(1, min(MAX_WORKERS, os.cpu_count() or 1)),
        concurrency=concurrency,
        progress=bars,
    )
    started = time.monotonic()
    try:
        loader.open()
        reports = [loader.load_table(spec) for spec in specs]
        loader.publish(reports)
        report = LoadReport(
            load_id=loader.load_id,
            keyspace=config.keyspace,
            consistency=config.consistency_level,
            tables=reports,
            previous=dict(loader.previous),
        )
        try:
            assert loader.book is not None
            report.deleted = delete_old_loads(
                loader.book,
                loader.executor,
                config.keyspace,
                specs,
                loader.load_id,
                keep_loads,
            )
        except Exception as exc:  # the load itself succeeded: keep it, warn
            report.cleanup_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("cleaning old loads failed: %s", report.cleanup_error)
    except Exception as exc:
        bars.close()
        raise _failure(exc, config, loader) from None
    finally:
        loader.close()
    report.seconds = time.monotonic() - started
    if progress:
        for line in report.summary_lines():
            print(line)
    return report


def _cause(exc: BaseException, config: CassandraConfig, loader: _Loader) -> str:
    if isinstance(exc, LoaderError | LoadFailed):
        return str(exc)
    if isinstance(exc, BrokenProcessPool):
        return (
            "a loader worker process died (worker processes are spawned: a script that calls "
            "load_marts must guard its top level with `if __name__ == '__main__':`)"
        )
    return str(translate(exc, config, "loading"))


def _failure(exc: BaseException, config: CassandraConfig, loader: _Loader) -> LoaderError:
    """The error to show: what failed, and what readers see now (read back, not assumed)."""
    cause = _cause(exc, config, loader)
    if loader.session is None or loader.book is None:  # failed before anything was written
        return exc if isinstance(exc, LoaderError) else LoaderError(cause)
    where = f"the Cassandra load {loader.load_id} at {config.where}"
    if loader.flip_tried:
        pointers = loader.pointers_now()
        if pointers is None:
            return LoaderError(
                f"{where} failed while switching readers to it: {cause}. Whether it was "
                "switched on is unknown: current_load could not be read back. Check it with "
                f"SELECT * FROM {config.keyspace}.current_load, then run the load again."
            )
        if all(pointers.get(table) == loader.load_id for table in loader.tables):
            return LoaderError(
                f"{where} is current: current_load, read back after the error, points every "
                f"loaded table to it, and readers see it. What failed after the switch: "
                f"{cause}. Its status in the loads history may be stale; the next load "
                "brings it up to date."
            )
        loader.mark_failed(cause)
        kept = ", ".join(f"{t}={pointers.get(t)}" for t in loader.tables)
        return LoaderError(
            f"{where} failed: {cause}. Nothing was switched: current_load, read back, still "
            f"points to the previous loads ({kept})."
        )
    loader.mark_failed(cause)
    if loader.previous:
        kept = ", ".join(f"{t}={lid}" for t, lid in sorted(loader.previous.items()))
        tail = f"Nothing was switched: current_load still points to the previous load ({kept})."
    else:
        tail = "Nothing was switched: current_load is unchanged."
    return LoaderError(
        f"{where} failed: {cause}. {tail} Check the node (`velos cassandra status`) and run "
        "the load again."
    )
