"""Every setting velos reads, in one place: typed, validated once, passed down.

Values come from the environment and from the ``.env`` file of the project (the environment
wins), read by pydantic-settings. Each has a safe local default, so ``make demo`` needs no
configuration. No other module reads ``os.environ``, and nothing here writes it: dbt gets
what it needs as environment variables for the duration of its command
(:meth:`Settings.dbt_environment`, set by :func:`velos.dbt.run_dbt`).

The project is the dbt project velos acts on: ``--project-dir``, else ``VELOS_PROJECT_DIR``,
else the current folder or the nearest parent holding a ``dbt_project.yml`` (as dbt does).
Relative paths in the settings are taken from the project folder. Secrets (passwords) are
only ever read from the environment or an untracked ``.env``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from loaders import CassandraConfig
from loaders.node import NodeConfig, ring
from velos.errors import VelosError

PROJECT_FILE = "dbt_project.yml"
# The embedded driver's JIT. On a small export, HotSpot's quick compiler (C1) only: each query's
# generated code is new, and the optimizing compiler (C2) spent about a third of the JVM's CPU
# recompiling it. From about 1M order lines (32 MB of CSV) the two break even, and above it the
# data's own loops want C2: HotSpot's default. BENCHMARKS.md, "Where the JVM's CPU goes".
# (C1 alone also needs room for its code: its default code cache fills up within a build.)
QUICK_JIT = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m"
QUICK_JIT_MAX_EXPORT_MB = 32.0


def find_project(start: Path | None = None) -> Path:
    """The folder of the nearest ``dbt_project.yml`` from ``start`` (default: cwd) upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise VelosError(
        f"no dbt project in {here} or its parents: run velos in the folder of the velos "
        "project (where dbt_project.yml is), or pass --project-dir / set VELOS_PROJECT_DIR"
    )


def package_file(name: str) -> Path:
    """A file shipped inside the velos package (e.g. ``log4j2.properties``)."""
    return Path(str(resources.files("velos").joinpath(name)))


def spark_readable(folder: Path) -> Path:
    """``folder``, or a link to it under the temp folder when Spark cannot read its path.

    Hadoop reads a path as a glob: the seed macros escape its glob characters, but an escaped
    path that also holds a colon fails ("Relative path in absolute URI"). A link with a plain
    name (one per folder, made again each run) reads the same files.
    """
    path = str(folder)
    if ":" not in path or not any(character in path for character in "\\*?[]{}"):
        return folder
    digest = hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]
    link = Path(tempfile.gettempdir()) / f"velos-data-{digest}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(folder, target_is_directory=True)
    return link


class Settings(BaseSettings):
    """The environment (and ``.env``), typed. Build it with :func:`load`."""

    model_config = SettingsConfigDict(
        extra="ignore", env_ignore_empty=True, frozen=True, validate_default=True
    )

    project_dir: Path = Field(validation_alias="VELOS_PROJECT_DIR")
    # all state a run writes: warehouse, metastore, local node data, reports
    home: Path = Field(Path(".velos"), validation_alias="VELOS_HOME")
    # the JVM jar cache (make jars), shared by every VELOS_HOME
    jars: Path = Field(Path(".velos/jars"), validation_alias="VELOS_JARS")
    target: Literal["local", "thrift"] = Field("local", validation_alias="VELOS_TARGET")
    # folder of the four export files
    data_dir: Path = Field(Path("seeds"), validation_alias="VELOS_DATA_DIR")
    debug: bool = Field(False, validation_alias="VELOS_DEBUG")
    # where dbt writes its target/ (dbt reads the same variable)
    dbt_target_path: Path = Field(Path("target"), validation_alias="DBT_TARGET_PATH")
    # speed of the embedded Spark (BENCHMARKS.md, "Whole run"): nodes dbt runs at once, and
    # the partitions of a Delta table's snapshot (read when the session starts)
    threads: int = Field(4, ge=1, validation_alias="VELOS_THREADS")
    delta_snapshot_partitions: int = Field(
        1, ge=1, validation_alias="VELOS_DELTA_SNAPSHOT_PARTITIONS"
    )
    # Spark's cache for the data tests (macros/cache/cache_for_tests.sql): on or off, and the
    # largest table it holds, in MB of Delta files (a larger one is left to Delta)
    cache_tables: bool = Field(True, validation_alias="VELOS_CACHE_TABLES")
    cache_max_mb: float = Field(64.0, ge=0, validation_alias="VELOS_CACHE_MAX_MB")
    # the compiled query code a session keeps (Spark's default 100): a demo build runs about
    # 1,850 query shapes, and a session that keeps them skips Janino and the JIT on each
    # repeat (BENCHMARKS.md, "Compiled query code kept"); read when the session starts
    codegen_cache_entries: int = Field(10_000, ge=1, validation_alias="VELOS_CODEGEN_CACHE_ENTRIES")

    # where Spark runs: local[*] (the embedded session) or a cluster's master URL, e.g.
    # spark://127.0.0.1:7077 (velos cluster start), yarn, k8s://... (README, "Running on a
    # Spark cluster"); and the memory of each executor there
    spark_master: str = Field("local[*]", validation_alias="VELOS_SPARK_MASTER")
    spark_driver_memory: str = Field("6g", validation_alias="VELOS_SPARK_DRIVER_MEMORY")
    # extra options of the embedded driver's JVM (and of the Thrift server's); unset: the JIT
    # by the export's size (driver_java_options, QUICK_JIT above), and HotSpot's default for
    # the server, whose JVM lives long enough for the optimizing compiler to pay
    spark_driver_java_options: str | None = Field(
        None, validation_alias="VELOS_SPARK_DRIVER_JAVA_OPTIONS"
    )
    # the driver maps the class archive `make setup` made for its classpath (velos/class_archive.py)
    class_archive: bool = Field(True, validation_alias="VELOS_CLASS_ARCHIVE")
    spark_executor_memory: str = Field("1g", validation_alias="VELOS_SPARK_EXECUTOR_MEMORY")
    # the local standalone cluster (velos cluster): master port, its web UI (workers take the
    # next ports), workers and what each offers
    cluster_port: int = Field(7077, gt=0, lt=65536, validation_alias="VELOS_CLUSTER_PORT")
    cluster_ui_port: int = Field(8090, gt=0, lt=65000, validation_alias="VELOS_CLUSTER_UI_PORT")
    cluster_workers: int = Field(2, ge=1, le=8, validation_alias="VELOS_CLUSTER_WORKERS")
    cluster_worker_cores: int = Field(1, ge=1, validation_alias="VELOS_CLUSTER_WORKER_CORES")
    cluster_worker_memory: str = Field("2g", validation_alias="VELOS_CLUSTER_WORKER_MEMORY")

    cassandra_hosts: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1",)
    cassandra_port: int = Field(9042, gt=0, lt=65536)
    cassandra_keyspace: str = "velos"
    cassandra_replication: str = "SimpleStrategy:1"
    cassandra_consistency: str | None = None  # default: ONE with one replica, else a quorum
    cassandra_local_dc: str | None = None
    cassandra_user: str | None = None
    cassandra_password: SecretStr | None = None
    cassandra_ssl: bool = False
    cassandra_ssl_ca: Path | None = None
    cassandra_ssl_verify: bool = True
    cassandra_ssl_certfile: Path | None = None
    cassandra_ssl_keyfile: Path | None = None
    cassandra_allow_plaintext_password: bool = False
    # the local node, or a local ring of that many nodes on 127.0.0.1, 127.0.0.2, ...
    cassandra_storage_port: int = Field(7000, gt=0, lt=65536)
    cassandra_local_auth: bool = False
    cassandra_local_nodes: int = Field(1, ge=1, le=9)
    cassandra_heap: str = "2G"

    # serving: the Spark Thrift Server (velos thrift) and the Hive metastore it shares
    thrift_host: str = Field("127.0.0.1", validation_alias="SPARK_THRIFT_HOST")
    thrift_port: int = Field(10000, gt=0, lt=65536, validation_alias="SPARK_THRIFT_PORT")
    thrift_ui_port: int = Field(4040, gt=0, lt=65536, validation_alias="SPARK_THRIFT_UI_PORT")
    thrift_memory: str = Field("3g", validation_alias="VELOS_THRIFT_MEMORY")
    thrift_start_timeout: float = Field(180.0, gt=0, validation_alias="VELOS_THRIFT_START_TIMEOUT")
    # derby (embedded, one JVM at a time) or postgres (shared by the server and velos run)
    metastore: Literal["derby", "postgres"] = Field("derby", validation_alias="VELOS_METASTORE")
    metastore_host: str = Field("127.0.0.1", validation_alias="VELOS_METASTORE_HOST")
    metastore_port: int = Field(5433, gt=0, lt=65536, validation_alias="VELOS_METASTORE_PORT")
    metastore_db: str = Field("metastore", validation_alias="VELOS_METASTORE_DB")
    metastore_user: str = Field("velos", validation_alias="VELOS_METASTORE_USER")
    metastore_password: SecretStr | None = Field(None, validation_alias="VELOS_METASTORE_PASSWORD")
    # velos segment (velos/ml): the ranges of k tried by silhouette (LOW-HIGH), the seed of
    # every fit, MLflow tracking (VELOS_MLFLOW=0 switches it off) and its store (default: SQLite
    # under VELOS_HOME/mlflow)
    customer_k_range: Annotated[tuple[int, int], NoDecode] = Field(
        (2, 8), validation_alias="VELOS_SEGMENT_K_CUSTOMERS"
    )
    store_k_range: Annotated[tuple[int, int], NoDecode] = Field(
        (2, 6), validation_alias="VELOS_SEGMENT_K_STORES"
    )
    ml_seed: int = Field(42, validation_alias="VELOS_ML_SEED")
    mlflow_enabled: bool = Field(True, validation_alias="VELOS_MLFLOW")
    mlflow_tracking_uri: str | None = Field(None, validation_alias="MLFLOW_TRACKING_URI")

    @field_validator("cassandra_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(host.strip() for host in value.split(",") if host.strip())
        return value

    @field_validator("customer_k_range", "store_k_range", mode="before")
    @classmethod
    def _k_range(cls, value: Any) -> Any:
        if isinstance(value, str):  # "2-8"
            first, _, last = value.partition("-")
            value = (first.strip(), (last or first).strip())
        low, high = (int(bound) for bound in value)
        if not 2 <= low <= high:
            raise ValueError("a range of cluster counts LOW-HIGH with 2 <= LOW <= HIGH, e.g. 2-8")
        return (low, high)

    @field_validator(
        "home", "jars", "data_dir", "dbt_target_path", "cassandra_ssl_ca",
        "cassandra_ssl_certfile", "cassandra_ssl_keyfile",
    )  # fmt: skip
    @classmethod
    def _from_project(cls, value: Path | None, info: Any) -> Path | None:
        if value is None:
            return None
        project = Path(info.data.get("project_dir") or ".")
        return (project / value.expanduser()).resolve()

    # -- derived paths --------------------------------------------------------------------
    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def metastore_dir(self) -> Path:
        return self.home / "metastore_db"

    @property
    def jars_dir(self) -> Path:
        return self.jars

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def models_dir(self) -> Path:
        """Fitted Spark ML pipelines, one versioned folder per segment run (v0001, v0002...)."""
        return self.home / "models"

    @property
    def mlflow_uri(self) -> str:
        """MLflow's tracking store: MLFLOW_TRACKING_URI, else SQLite under VELOS_HOME."""
        return self.mlflow_tracking_uri or f"sqlite:///{self.home / 'mlflow' / 'mlflow.db'}"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.home / "mlflow" / "artifacts"

    @property
    def log4j_file(self) -> Path:
        return package_file("log4j2.properties")

    @property
    def driver_java_options(self) -> str:
        """The driver JVM's extra options: the setting, else the quick JIT for a small export."""
        if self.spark_driver_java_options is not None:
            return self.spark_driver_java_options
        files = self.data_dir.glob("*.csv") if self.data_dir.is_dir() else ()
        export_mb = sum(path.stat().st_size for path in files) / 2**20
        return QUICK_JIT if export_mb <= QUICK_JIT_MAX_EXPORT_MB else ""

    def dbt_environment(self) -> dict[str, str]:
        """What profiles.yml and the seed and cache macros read, as the environment variables
        a plain `dbt` command reads them from (:func:`velos.dbt.run_dbt` sets them for its
        command). Not ``--vars``: dbt keys its saved parse on the vars, and these paths change
        with every export and home, so each change would parse the whole project again."""
        return {
            "VELOS_HOME": str(self.home),
            "VELOS_JARS": str(self.jars),
            "VELOS_LOG4J": str(self.log4j_file),
            "VELOS_DATA_DIR": str(spark_readable(self.data_dir)),
            "VELOS_THREADS": str(self.threads),
            "VELOS_DELTA_SNAPSHOT_PARTITIONS": str(self.delta_snapshot_partitions),
            "VELOS_CACHE_TABLES": "1" if self.cache_tables else "0",
            "VELOS_CACHE_MAX_MB": str(self.cache_max_mb),
            "VELOS_CODEGEN_CACHE_ENTRIES": str(self.codegen_cache_entries),
            "VELOS_SPARK_MASTER": self.spark_master,
            "VELOS_SPARK_DRIVER_MEMORY": self.spark_driver_memory,
            "VELOS_SPARK_DRIVER_JAVA_OPTIONS": self.driver_java_options,
            "VELOS_SPARK_EXECUTOR_MEMORY": self.spark_executor_memory,
        }

    # -- Cassandra ------------------------------------------------------------------------
    def cassandra_node(
        self,
        *,
        auth: bool | None = None,
        native_port: int | None = None,
        storage_port: int | None = None,
    ) -> NodeConfig:
        """The local node ``velos cassandra`` acts on (a secured one keeps its own folder)."""
        auth = self.cassandra_local_auth if auth is None else auth
        return NodeConfig(
            dir=self.home / ("cassandra-auth" if auth else "cassandra"),
            jars_dir=self.jars / "cassandra",
            native_port=native_port or self.cassandra_port,
            storage_port=storage_port or self.cassandra_storage_port,
            auth=auth,
            heap_max=self.cassandra_heap,
            role=self.cassandra_user if auth else None,
            role_password=self._password() if auth else None,
        )

    def cassandra_nodes(
        self,
        *,
        count: int | None = None,
        auth: bool | None = None,
        native_port: int | None = None,
        storage_port: int | None = None,
    ) -> list[NodeConfig]:
        """The local node, or the nodes of the local ring (CASSANDRA_LOCAL_NODES above 1)."""
        count = count or self.cassandra_local_nodes
        node = self.cassandra_node(auth=auth, native_port=native_port, storage_port=storage_port)
        if count > 1:
            node = dataclasses.replace(node, dir=node.dir.with_name(f"{node.dir.name}-ring"))
        return ring.nodes_of(node, count)

    def _password(self) -> str | None:
        return self.cassandra_password.get_secret_value() if self.cassandra_password else None

    def cassandra_config(self, *, keyspace: str | None = None) -> CassandraConfig:
        """The loader's configuration (the secured local node's certificate by default)."""
        ca = self.cassandra_ssl_ca
        if ca is None and self.cassandra_local_auth:
            ca = self.cassandra_nodes()[0].ca_file
        return CassandraConfig(
            hosts=self.cassandra_hosts,
            port=self.cassandra_port,
            keyspace=keyspace or self.cassandra_keyspace,
            replication=self.cassandra_replication,
            consistency=self.cassandra_consistency,
            local_dc=self.cassandra_local_dc,
            user=self.cassandra_user,
            password=self._password(),
            ssl=self.cassandra_ssl,
            ssl_ca=str(ca) if ca else None,
            ssl_verify=self.cassandra_ssl_verify,
            ssl_certfile=str(self.cassandra_ssl_certfile) if self.cassandra_ssl_certfile else None,
            ssl_keyfile=str(self.cassandra_ssl_keyfile) if self.cassandra_ssl_keyfile else None,
            allow_plaintext_password=self.cassandra_allow_plaintext_password,
            stage_dir=str(self.home / "tmp"),
        )

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some values replaced (given in their types: Path, tuple, int...)."""
        return self.model_copy(update=changes)


def _explain(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        field = Settings.model_fields.get(name)
        alias = field.validation_alias if field else None
        variable = alias if isinstance(alias, str) else name.upper()
        value = item.get("input")
        shown = "" if "password" in name or isinstance(value, dict) else f" {value!r}"
        problems.append(f"{variable}{shown}: {item['msg']}")
    return "invalid setting(s) in the environment or .env: " + "; ".join(problems)


def load(project_dir: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings of the project in ``project_dir`` (see the module docstring)."""
    environment_project = os.environ.get("VELOS_PROJECT_DIR")
    if project_dir is None:
        project_dir = Path(environment_project) if environment_project else find_project()
    project_dir = project_dir.resolve()
    if not (project_dir / PROJECT_FILE).is_file():
        raise VelosError(f"{project_dir} holds no {PROJECT_FILE}: it is not a velos project")
    try:
        return Settings(
            _env_file=project_dir / ".env",
            VELOS_PROJECT_DIR=project_dir,
            **overrides,
        )
    except ValidationError as error:
        raise VelosError(_explain(error)) from None
