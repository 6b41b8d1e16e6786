"""The Spark configuration velos's JVMs start with: the ``local`` target of profiles.yml,
rendered as dbt renders it, and the jars it needs.

The embedded session (velos.spark), the metastore (velos.metastore) and the Thrift server
(velos.thrift) build on it; it imports none of them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from glob import glob
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jinja2
import yaml

from velos.errors import VelosError
from velos.settings import Settings

# what Spark's launcher puts on the driver's classpath after Spark's own jars
CLASSPATH_AFTER_SPARK = "SPARK_DIST_CLASSPATH"


def profile_output(settings: Settings, target: str = "local") -> dict[str, Any]:
    """Render profiles.yml as dbt does in a command of velos, and return one target.

    ``env_var`` reads velos's settings (:meth:`Settings.dbt_environment`, what velos sets for
    dbt), else gives its default. velos passes dbt no ``--vars`` for its settings, so a
    ``var`` in profiles.yml is refused.
    """
    environment_values = settings.dbt_environment()

    def env_var(name: str, default: str | None = None) -> str:
        value = environment_values.get(name, default)
        if value is None:
            raise VelosError(f"profiles.yml needs the environment variable {name}")
        return value

    def var(name: str, default: str | None = None) -> str:
        raise VelosError(
            f"profiles.yml reads the dbt var {name!r}; velos passes its settings as environment "
            "variables: read one with env_var()"
        )

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for name in ("as_number", "as_bool", "as_native", "as_text"):
        environment.filters[name] = lambda value: value
    path = settings.project_dir / "profiles.yml"
    template = environment.from_string(path.read_text(encoding="utf-8"))
    rendered = yaml.safe_load(template.render(env_var=env_var, var=var))
    output: dict[str, Any] = rendered["velos"]["outputs"][target]
    return output


def session_conf(settings: Settings) -> dict[str, str]:
    """Spark configuration of the embedded session, from profiles.yml."""
    parameters = profile_output(settings, "local")["server_side_parameters"]
    conf = {str(k): str(v) for k, v in parameters.items()}
    conf["spark.sql.ansi.enabled"] = "false"  # what dbt-spark forces; keep both sides equal
    return conf


def with_classpath_after_spark(
    environment: Mapping[str, str], entries: list[str]
) -> dict[str, str]:
    """``environment`` for Spark's launcher, with ``entries`` after Spark's jars on the driver's
    classpath (what only some drivers need: a Postgres metastore's JDBC driver, the Thrift
    server's Hive jars).

    spark.driver.extraClassPath would put them before Spark's jars, and the driver's classpath
    would no longer begin as the class archive's does: the JVM then maps no archive
    (velos.class_archive). The launcher appends SPARK_DIST_CLASSPATH after Spark's jars.
    """
    if not entries:
        return dict(environment)
    classpath = [environment.get(CLASSPATH_AFTER_SPARK, ""), *entries]
    return {**environment, CLASSPATH_AFTER_SPARK: os.pathsep.join(e for e in classpath if e)}


@contextmanager
def classpath_after_spark(entries: list[str]) -> Iterator[None]:
    """In the block, this process's environment puts ``entries`` after Spark's jars, for a JVM
    that pyspark starts there (it starts one with this process's environment); then as it was."""
    before = os.environ.get(CLASSPATH_AFTER_SPARK)
    value = with_classpath_after_spark(os.environ, entries).get(CLASSPATH_AFTER_SPARK)
    if value is not None:
        os.environ[CLASSPATH_AFTER_SPARK] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CLASSPATH_AFTER_SPARK, None)
        else:
            os.environ[CLASSPATH_AFTER_SPARK] = before


def check_jars(settings: Settings) -> None:
    """Stop with the one command that fixes it when the Delta jars are not in the cache."""
    folder = settings.jars_dir / "delta"
    if not (folder.is_dir() and any(folder.glob("*.jar"))):
        raise VelosError(f"the Delta Lake jars are missing from {folder}: run `make jars`")


def class_archive_file(settings: Settings, conf: dict[str, str]) -> Path:
    """Where the class archive of a driver started with ``conf`` is (velos.class_archive).

    The JVM maps an archive only on the classpath and the JVM build it was made with (else it
    runs without one); the name holds a digest of both (every jar's size and time), so a
    session names only an archive made for it, and a new jar or JDK asks for a new one.
    """
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if "JAVA_HOME" in os.environ else None
    java = (java or Path(shutil.which("java") or "java")).resolve()
    parts = [str(java), *_identity(java.parent.parent / "lib" / "modules")]
    spec = find_spec("pyspark")
    spark_home = os.environ.get("SPARK_HOME") or str(Path(spec.origin or "").parent if spec else "")
    classpath = conf.get("spark.driver.extraClassPath", "").split(os.pathsep)
    for entry in [*classpath, os.path.join(spark_home, "jars", "*")]:
        for path in sorted(glob(entry)) if "*" in entry else [entry]:
            parts += [path, *_identity(Path(path))]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return settings.jars_dir / "cds" / f"spark-driver-{digest}.jsa"


def _identity(path: Path) -> list[str]:
    try:
        stat = path.stat()
    except OSError:
        return ["missing"]
    return [str(stat.st_size), str(stat.st_mtime_ns)]


def with_class_archive(settings: Settings, conf: dict[str, str]) -> dict[str, str]:
    """``conf`` with the driver mapping its class archive, when `make setup` made one for it."""
    archive = class_archive_file(settings, conf)
    if not (settings.class_archive and archive.is_file()):
        return conf
    options = f"{conf.get('spark.driver.extraJavaOptions', '')} -XX:SharedArchiveFile='{archive}'"
    return {**conf, "spark.driver.extraJavaOptions": options.strip()}
