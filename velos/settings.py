"""Every setting velos reads, in one place.

Values come from the environment (and from a ``.env`` file at the project root when one
exists). Each has a safe local default, so ``make demo`` needs no configuration at all.
Secrets (passwords) are only ever read from the environment, never written anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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
    # serving: the Spark Thrift Server (velos thrift) and the Hive metastore it shares
    thrift_host: str = "127.0.0.1"
    thrift_port: int = 10000
    thrift_ui_port: int = 4040
    thrift_memory: str = "3g"
    thrift_start_timeout: float = 180.0
    metastore: str = "derby"  # derby (embedded, one JVM at a time) or postgres (shared)
    metastore_host: str = "127.0.0.1"
    metastore_port: int = 5433
    metastore_db: str = "metastore"
    metastore_user: str = "velos"
    metastore_password: str | None = field(default=None, repr=False)

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
        thrift_host=_env("SPARK_THRIFT_HOST", "127.0.0.1"),
        thrift_port=int(_env("SPARK_THRIFT_PORT", "10000")),
        thrift_ui_port=int(_env("SPARK_THRIFT_UI_PORT", "4040")),
        thrift_memory=_env("VELOS_THRIFT_MEMORY", "3g"),
        thrift_start_timeout=float(_env("VELOS_THRIFT_START_TIMEOUT", "180")),
        metastore=_env("VELOS_METASTORE", "derby").lower(),
        metastore_host=_env("VELOS_METASTORE_HOST", "127.0.0.1"),
        metastore_port=int(_env("VELOS_METASTORE_PORT", "5433")),
        metastore_db=_env("VELOS_METASTORE_DB", "metastore"),
        metastore_user=_env("VELOS_METASTORE_USER", "velos"),
        metastore_password=os.environ.get("VELOS_METASTORE_PASSWORD") or None,
    )
