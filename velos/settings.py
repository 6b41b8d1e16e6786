"""Every setting velos reads, in one place.

Values come from the environment (and from a ``.env`` file at the project root when one
exists). Each has a safe local default, so ``make demo`` needs no configuration at all.
Secrets (passwords) are only ever read from the environment, never written anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from velos.errors import VelosError

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Export KEY=VALUE lines of ``path`` that the environment does not already set."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _k_range(name: str, default: str) -> tuple[int, int]:
    """A range of cluster counts written ``LOW-HIGH`` (e.g. ``2-8``), both inclusive."""
    text = _env(name, default)
    low, _, high = text.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        bounds = (0, 0)
    if not 2 <= bounds[0] <= bounds[1]:
        raise VelosError(
            f"{name}={text!r}: write a range of cluster counts LOW-HIGH, 2 <= LOW <= HIGH."
        )
    return bounds


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment. Build it with :func:`load`."""

    project_dir: Path
    home: Path  # VELOS_HOME: all state a run writes (warehouse, metastore, jars, node data)
    target: str  # dbt target: local (embedded Spark) or thrift
    data_dir: Path  # folder holding the four export files
    cassandra_hosts: list[str] = field(default_factory=list)
    cassandra_port: int = 9042
    cassandra_user: str | None = None
    cassandra_password: str | None = field(default=None, repr=False)
    cassandra_keyspace: str = "velos"
    cassandra_replication: str = "SimpleStrategy:1"
    cassandra_consistency: str = "ONE"
    cassandra_local_dc: str | None = None
    # velos segment (velos/ml): the k ranges searched by silhouette, the seed of every fit,
    # and MLflow tracking (off with VELOS_MLFLOW=0)
    customer_k_range: tuple[int, int] = (2, 8)
    store_k_range: tuple[int, int] = (2, 6)
    ml_seed: int = 42
    mlflow_enabled: bool = True
    mlflow_tracking_uri: str = ""

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def metastore_dir(self) -> Path:
        return self.home / "metastore_db"

    @property
    def jars_dir(self) -> Path:
        return Path(os.environ["VELOS_JARS"])

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def models_dir(self) -> Path:
        """Fitted Spark ML pipelines, one versioned folder per run (v0001, v0002...)."""
        return self.home / "models"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.home / "mlflow" / "artifacts"


def load() -> Settings:
    """Read the settings from the environment (after ``.env``, if present)."""
    _load_dotenv(PROJECT_DIR / ".env")
    home = Path(_env("VELOS_HOME", str(PROJECT_DIR / ".velos"))).resolve()
    # dbt's profiles.yml reads VELOS_HOME too: keep both sides on the same folder.
    os.environ["VELOS_HOME"] = str(home)
    # The jar cache is shared by every VELOS_HOME (tests use throw-away homes).
    os.environ.setdefault("VELOS_JARS", str(PROJECT_DIR / ".velos" / "jars"))
    os.environ.setdefault("VELOS_LOG4J", str(PROJECT_DIR / "velos" / "log4j2.properties"))
    return Settings(
        project_dir=PROJECT_DIR,
        home=home,
        target=_env("VELOS_TARGET", "local"),
        data_dir=Path(_env("VELOS_DATA_DIR", str(PROJECT_DIR / "seeds"))).resolve(),
        cassandra_hosts=_env("CASSANDRA_HOSTS", "127.0.0.1").split(","),
        cassandra_port=int(_env("CASSANDRA_PORT", "9042")),
        cassandra_user=os.environ.get("CASSANDRA_USER") or None,
        cassandra_password=os.environ.get("CASSANDRA_PASSWORD") or None,
        cassandra_keyspace=_env("CASSANDRA_KEYSPACE", "velos"),
        cassandra_replication=_env("CASSANDRA_REPLICATION", "SimpleStrategy:1"),
        cassandra_consistency=_env("CASSANDRA_CONSISTENCY", "ONE"),
        cassandra_local_dc=os.environ.get("CASSANDRA_LOCAL_DC") or None,
        customer_k_range=_k_range("VELOS_SEGMENT_K_CUSTOMERS", "2-8"),
        store_k_range=_k_range("VELOS_SEGMENT_K_STORES", "2-6"),
        ml_seed=int(_env("VELOS_ML_SEED", "42")),
        mlflow_enabled=_env("VELOS_MLFLOW", "1").lower() not in ("0", "false", "off", "no"),
        mlflow_tracking_uri=_env(
            "MLFLOW_TRACKING_URI", f"sqlite:///{home / 'mlflow' / 'mlflow.db'}"
        ),
    )
