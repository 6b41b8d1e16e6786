"""Run dbt in this process, on the SparkSession velos already started.

dbt-spark's session method calls ``SparkSession.builder.getOrCreate()``, so a dbt command run
through :class:`dbtRunner` here reuses the session of :func:`velos.spark.get_session` instead of
starting a JVM of its own (about 1 s instead of 15 s or more per command).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from velos.errors import VelosError
from velos.settings import Settings
from velos.settings import load as load_settings

_FAILED = {"error", "fail", "runtime error"}
_WRAPPER = re.compile(
    r"^((Compilation|Runtime|Database|Parsing) Error( in .*)?|> (in|called by) macro .*)$"
)


def status_of(node_result: Any) -> str:
    """A result's status as dbt prints it (``pass``, ``warn``, ``error``...)."""
    return str(getattr(node_result.status, "value", node_result.status)).lower()


def run_dbt(
    args: list[str],
    *,
    vars: dict[str, Any] | None = None,
    settings: Settings | None = None,
    environment: dict[str, str] | None = None,
) -> Any:
    """Run one dbt command (e.g. ``["build"]``) on the settings' project; return its results.

    The settings reach dbt as environment variables (:meth:`Settings.dbt_environment`), set
    for this command only, with ``environment`` on top; ``vars`` become ``--vars``. Keep
    what changes from run to run out of ``vars``: dbt parses the whole project again
    whenever the vars differ from its saved parse's (seconds), not when the environment does.

    Raises :class:`VelosError` naming each failed node and its message when the command
    fails, so callers never see a traceback for a data or SQL problem.
    """
    import yaml
    from dbt.cli.main import dbtRunner

    settings = settings or load_settings()
    project = str(settings.project_dir)
    command = [*args, "--project-dir", project, "--profiles-dir", project]
    command += ["--target", settings.target, "--target-path", str(settings.dbt_target_path)]
    if vars:
        command += ["--vars", yaml.safe_dump(vars, default_flow_style=True).strip()]
    # a macro's error (run-operation) reaches no result, only dbt's event stream
    operation_errors: list[str] = []

    def on_event(event: Any) -> None:
        if event.info.name in ("RunningOperationCaughtError", "RunningOperationUncaughtError"):
            operation_errors.append(event.data.exc)

    with dbt_environment({**settings.dbt_environment(), **(environment or {})}):
        result = dbtRunner(callbacks=[on_event]).invoke(command)
    if result.success:
        return result.result
    if result.exception is not None:
        raise VelosError(f"dbt {args[0]} failed: {_essential(str(result.exception))}")
    problems = [
        f"{_name_of(node_result)}: "
        + _essential(node_result.message or " ".join(operation_errors))
        + _null_columns(node_result, settings)
        for node_result in getattr(result.result, "results", [])
        if status_of(node_result) in _FAILED
    ]
    if len(problems) == 1:  # one line: the file, the line and what to do
        raise VelosError(f"dbt {args[0]} failed: {problems[0]}")
    raise VelosError(
        f"dbt {args[0]} failed:\n"
        + "\n".join(f"- {problem}" for problem in problems or ["(see the dbt log above)"])
    )


def _name_of(node_result: Any) -> str:
    """The failed node's name; a run-operation's result carries the macro's id instead."""
    node = getattr(node_result, "node", None)
    return str(node.name if node is not None else node_result.unique_id.rsplit(".", 1)[-1])


def _null_columns(node_result: Any, settings: Settings) -> str:
    """For a failed not_null_columns test (the not-null rules of a model in one query), each
    rule on its own: the columns that hold nulls, with their counts. The test's rows are one
    per failing column, so running its SQL again reads a handful of rows."""
    node = getattr(node_result, "node", None)
    metadata = getattr(node, "test_metadata", None)
    sql = getattr(node, "compiled_code", None)
    if metadata is None or metadata.name != "not_null_columns" or not sql:
        return ""
    if settings.target != "local":  # another engine: dbt's count and `dbt show` tell
        return ""
    from velos.spark import get_session

    rows = get_session(settings).sql(sql).collect()
    counted = ", ".join(
        f"{row['column_name']} {row['failing_rows']:,}"
        for row in sorted(rows, key=lambda row: str(row["column_name"]))
    )
    return f" (nulls per column: {counted})" if counted else ""


def _essential(message: str) -> str:
    """dbt's message without its wrapper lines ("Compilation Error in seed bikes (...)")."""
    lines = [line.strip() for line in message.strip().splitlines()]
    kept = [line for line in lines if line and not _WRAPPER.match(line)]
    return " ".join(kept) or message.strip()


@contextmanager
def dbt_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for one dbt command (dbt runs in this process and reads
    them when the command starts), then put back what was there."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
