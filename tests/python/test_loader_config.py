"""The loader's configuration and its retries, without a node: fast."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest

from loaders import CassandraConfig, LoaderError, load_marts
from loaders.execute import Executor, LoadFailed

# made per run: no password is written in the tests
PASSWORD = secrets.token_urlsafe(16)


# -- consistency ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("replication", "expected"),
    [
        ("SimpleStrategy:1", "ONE"),
        ("SimpleStrategy:3", "QUORUM"),
        ("NetworkTopologyStrategy:dc1=3,dc2=3", "LOCAL_QUORUM"),
        ("NetworkTopologyStrategy:dc1=1", "ONE"),
    ],
)
def test_consistency_defaults_to_a_quorum_above_one_replica(
    replication: str, expected: str
) -> None:
    config = CassandraConfig(replication=replication)
    assert config.consistency_level == expected
    assert config.consistency_warning is None


def test_an_explicit_weak_level_with_replicas_is_kept_and_warned_about() -> None:
    config = CassandraConfig(replication="SimpleStrategy:3", consistency="one")
    assert config.consistency_level == "ONE"
    assert "may read a replica that missed writes" in (config.consistency_warning or "")


def test_an_unknown_consistency_is_refused() -> None:
    with pytest.raises(LoaderError, match="invalid CASSANDRA_CONSISTENCY 'MOST'"):
        CassandraConfig(consistency="MOST")


# -- passwords and TLS ---------------------------------------------------------------------
def test_a_password_is_not_sent_to_a_remote_host_without_tls() -> None:
    with pytest.raises(LoaderError, match=r"password to 10\.1\.2\.3 without TLS"):
        CassandraConfig(hosts=("127.0.0.1", "10.1.2.3"), user="velos", password=PASSWORD)


def test_a_password_over_tls_or_to_loopback_is_accepted() -> None:
    CassandraConfig(hosts=("10.1.2.3",), user="velos", password=PASSWORD, ssl_ca="ca.pem")
    CassandraConfig(hosts=("10.1.2.3",), user="velos", password=PASSWORD, ssl=True)
    CassandraConfig(hosts=("127.0.0.1", "localhost", "::1"), user="velos", password=PASSWORD)


def test_a_plain_password_when_explicitly_allowed_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    config = CassandraConfig(
        hosts=("10.1.2.3",), user="velos", password=PASSWORD, allow_plaintext_password=True
    )
    assert config.user == "velos"
    assert "password goes over a plain connection" in caplog.text
    assert "secret" not in caplog.text and "secret" not in repr(config)


# -- keep_loads ----------------------------------------------------------------------------
@pytest.mark.parametrize("keep", [0, 1])
def test_keep_loads_below_two_is_refused(keep: int) -> None:
    with pytest.raises(LoaderError, match="keep_loads must be at least 2"):
        load_marts(None, CassandraConfig(), keep_loads=keep)  # type: ignore[arg-type]


# -- retries and backoff -------------------------------------------------------------------
class _Future:
    """What the driver's execute_async returns, answering at once."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    def add_callbacks(self, callback: Any, errback: Any) -> None:
        if isinstance(self.outcome, BaseException):
            errback(self.outcome)
        else:
            callback(self.outcome)

    def result(self) -> Any:
        return self.outcome


def _executor(script: dict[str, list[Any]], waits: list[float], **kwargs: Any) -> Executor:
    """An executor whose statement ``s`` answers script[s] in turn (an error or a value)."""

    def submit(statement: str) -> _Future:
        return _Future(script[statement].pop(0))

    executor = Executor(None, submit=submit, concurrency=2, backoff=0.5, **kwargs)
    executor.sleep = waits.append
    return executor


def test_only_failed_statements_are_retried_with_growing_waits() -> None:
    from cassandra import OperationTimedOut, Unavailable

    waits: list[float] = []
    script: dict[str, list[Any]] = {
        "a": ["a1"],
        "b": [Unavailable("busy"), OperationTimedOut("slow"), "b3"],
        "c": ["c1"],
    }
    executor = _executor(script, waits)
    assert executor.run(["a", "b", "c"], "writing t") == ["a1", "b3", "c1"]
    assert all(not answers for answers in script.values())  # a and c ran once, b three times
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 0.75 and 1.0 <= waits[1] <= 1.25  # exponential, jittered


def test_retries_stop_after_max_attempts_with_the_last_error() -> None:
    from cassandra import Unavailable

    waits: list[float] = []
    executor = _executor({"a": [Unavailable("busy")] * 3}, waits, max_attempts=3)
    with pytest.raises(LoadFailed, match=r"writing t: Cassandra kept failing after 3 attempts"):
        executor.run(["a"], "writing t")
    assert len(waits) == 2


def test_an_error_that_is_not_transient_fails_at_once() -> None:
    from cassandra import InvalidRequest

    waits: list[float] = []
    executor = _executor({"a": [InvalidRequest("bad column")]}, waits)
    with pytest.raises(LoadFailed, match="writing t: InvalidRequest"):
        executor.run(["a"], "writing t")
    assert waits == []


# -- one direction between packages --------------------------------------------------------
def test_loaders_import_nothing_from_velos() -> None:
    import ast
    from pathlib import Path

    import loaders

    offending = []
    for path in Path(loaders.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offending += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "velos"]
    assert offending == []
