"""MLflow tracking of a segment run: parameters, metrics and the model, in a local store.

The store is SQLite under VELOS_HOME (``mlflow ui --backend-store-uri sqlite:///...`` shows
it), or whatever MLFLOW_TRACKING_URI names. VELOS_MLFLOW=0 switches tracking off: the run
then does the same work and records nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from velos.settings import Settings

EXPERIMENT = "velos-segment"


class Tracker(Protocol):
    def params(self, values: Mapping[str, Any]) -> None: ...
    def metrics(self, values: Mapping[str, float], step: int | None = None) -> None: ...
    def artifacts(self, folder: Path, name: str) -> None: ...

    @property
    def run_id(self) -> str | None: ...


class _Off:
    """Tracking switched off: records nothing."""

    run_id = None

    def params(self, values: Mapping[str, Any]) -> None:
        pass

    def metrics(self, values: Mapping[str, float], step: int | None = None) -> None:
        pass

    def artifacts(self, folder: Path, name: str) -> None:
        pass


class _MLflow:
    def __init__(self, mlflow: Any, run_id: str) -> None:
        self._mlflow = mlflow
        self.run_id = run_id

    def params(self, values: Mapping[str, Any]) -> None:
        self._mlflow.log_params(dict(values))

    def metrics(self, values: Mapping[str, float], step: int | None = None) -> None:
        self._mlflow.log_metrics(dict(values), step=step)

    def artifacts(self, folder: Path, name: str) -> None:
        self._mlflow.log_artifacts(str(folder), name)


@contextmanager
def tracked_run(settings: Settings, run_name: str) -> Iterator[Tracker]:
    """An MLflow run in the configured store, or a tracker that records nothing."""
    if not settings.mlflow_enabled:
        yield _Off()
        return
    import mlflow

    # MLflow logs its database migrations at INFO on the first run; keep velos's output short
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if settings.mlflow_uri.startswith("sqlite:///"):
        Path(settings.mlflow_uri.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    mlflow.set_tracking_uri(settings.mlflow_uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        settings.mlflow_artifacts_dir.mkdir(parents=True, exist_ok=True)
        mlflow.create_experiment(
            EXPERIMENT, artifact_location=settings.mlflow_artifacts_dir.as_uri()
        )
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=run_name) as run:
        yield _MLflow(mlflow, run.info.run_id)
