"""Running many statements at once, with bounded retries of the transient failures.

Only this thread submits; the driver's callbacks just queue outcomes. (The driver's
``execute_concurrent`` submits from its callbacks, which recurses without bound when every
request fails at once, e.g. when the node dies.) Retries use tenacity's exponential backoff
with jitter, and re-run only the statements that failed.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from loaders.connection import scrub

if TYPE_CHECKING:
    from cassandra.cluster import Session

log = logging.getLogger(__name__)


class LoadFailed(Exception):
    """A write or read-back failed for good; the message is meant for the user."""


class _SomeFailed(Exception):
    """Some statements of an attempt failed with a transient error: try those again."""

    def __init__(self, indexes: list[int], error: BaseException) -> None:
        super().__init__(describe(error))
        self.indexes = indexes
        self.error = error


def retryable(exc: BaseException) -> bool:
    """Timeouts, unavailable replicas, overloaded nodes and dropped connections."""
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


def describe(exc: BaseException) -> str:
    """One line about a driver error, without user names."""
    text = str(exc)
    if type(exc).__name__ == "NoHostAvailable":
        text = "no node answered (all connections to the node are down)"
    return f"{type(exc).__name__}: {scrub(text)[:200]}"


Submit = Callable[[Any], Any]  # statement -> a ResponseFuture


def execute_all(
    submit: Submit, statements: Sequence[Any], indexes: list[int], concurrency: int
) -> list[tuple[bool, Any]]:
    """Run ``statements[i]`` for ``i`` in ``indexes``, at most ``concurrency`` in flight.

    Returns (ok, rows or exception) per index, in the order of ``indexes``.
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
                future = submit(statements[indexes[slot]])
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


class Executor:
    """Executes statements concurrently through one session, retrying transient failures."""

    def __init__(
        self,
        session: Session | None,
        *,
        concurrency: int = 64,
        max_attempts: int = 4,
        backoff: float = 0.5,
        submit: Submit | None = None,
        is_retryable: Callable[[BaseException], bool] = retryable,
    ) -> None:
        if submit is None:
            assert session is not None
            submit = session.execute_async
        self.submit = submit
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.is_retryable = is_retryable
        self.sleep: Callable[[float], None] = time.sleep  # tests record the waits instead

    def run(
        self, statements: Sequence[Any], during: str, concurrency: int | None = None
    ) -> list[Any]:
        """Execute ``statements``; retry the failed ones, at most ``max_attempts`` in all.

        Only what :func:`retryable` accepts is retried; anything else fails at once with
        :class:`LoadFailed`. Returns each statement's result, in order.
        """
        results: list[Any] = [None] * len(statements)
        pending = list(range(len(statements)))

        def attempt() -> None:
            nonlocal pending
            failed: list[int] = []
            error: BaseException | None = None
            outcomes = execute_all(
                self.submit, statements, pending, concurrency or self.concurrency
            )
            for index, (ok, value) in zip(pending, outcomes, strict=True):
                if ok:
                    results[index] = value
                elif not self.is_retryable(value):
                    raise LoadFailed(f"{during}: {describe(value)}") from None
                else:
                    failed.append(index)
                    error = value
            if failed:
                assert error is not None
                log.debug("%s: %d requests failed", during, len(failed))
                pending = failed
                raise _SomeFailed(failed, error)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential_jitter(multiplier=self.backoff, jitter=self.backoff / 2),
            retry=retry_if_exception_type(_SomeFailed),
            sleep=self.sleep,
        )
        try:
            retrying(attempt)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            cause = last.error if isinstance(last, _SomeFailed) else last
            raise LoadFailed(
                f"{during}: Cassandra kept failing after {self.max_attempts} attempts "
                f"({describe(cause) if cause else 'unknown error'})"
            ) from None
        return results


def prepare(session: Session, cql: str, consistency: int, table: str) -> Any:
    """A prepared, idempotent statement (plain upserts and reads of fixed values: retry-safe)."""
    try:
        prepared = session.prepare(cql)
    except Exception as exc:
        raise LoadFailed(f"cannot prepare on table {table}: {describe(exc)}") from None
    prepared.consistency_level = consistency
    prepared.is_idempotent = True
    return prepared
