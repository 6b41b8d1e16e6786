"""The one SparkSession of a velos run.

Its configuration is the ``server_side_parameters`` of the ``local`` target in profiles.yml,
so that ``dbt`` (dbt-spark's session method calls ``getOrCreate()``) and the Python stages of
``velos run`` share one JVM and one session instead of starting several.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from velos.errors import VelosError
from velos.settings import Settings
from velos.settings import load as load_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
_SESSION: dict[str, SparkSession] = {}


def profile_output(settings: Settings, target: str = "local") -> dict[str, Any]:
    """Render profiles.yml as dbt does with velos's ``--vars``, and return one target.

    ``env_var`` gives its default here: velos's own values come from its settings.
    """

    def env_var(name: str, default: str | None = None) -> str:
        if default is None:
            raise VelosError(f"profiles.yml needs the environment variable {name}")
        return default

    def var(name: str, default: str | None = None) -> str:
        value = settings.dbt_vars().get(name, default)
        if value is None:
            raise VelosError(f"profiles.yml reads the dbt var {name!r}, which velos does not set")
        return value

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


def with_driver_classpath(conf: dict[str, str], *entries: str) -> dict[str, str]:
    """``conf`` with ``entries`` appended to the driver's classpath (what it held first stays)."""
    classpath = [conf.get("spark.driver.extraClassPath", ""), *entries]
    return {**conf, "spark.driver.extraClassPath": os.pathsep.join(e for e in classpath if e)}


def check_jars(settings: Settings) -> None:
    """Stop with the one command that fixes it when the Delta jars are not in the cache."""
    folder = settings.jars_dir / "delta"
    if not (folder.is_dir() and any(folder.glob("*.jar"))):
        raise VelosError(f"the Delta Lake jars are missing from {folder}: run `make jars`")


def get_session(settings: Settings | None = None) -> SparkSession:
    """Start (once) and return the embedded SparkSession with Delta and the Hive metastore."""
    if "spark" in _SESSION:
        return _SESSION["spark"]
    from pyspark.sql import SparkSession

    from velos import metastore, thrift

    settings = settings or load_settings()
    thrift.refuse_shared_derby(settings)
    conf = metastore.spark_conf(settings, session_conf(settings))
    check_jars(settings)
    metastore.ensure_running(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _SESSION["spark"] = spark
    return spark


def warm_catalog(spark: SparkSession) -> threading.Thread:
    """Open the Hive metastore in the background and return the thread doing it.

    The first catalog call of a JVM boots Derby and the Hive client (seconds); dbt's first
    statement would wait for it after parsing the project. Started right after the session,
    it runs while dbt parses (pure Python), on the other core. An error here is not reported:
    the same call fails again, with its message, in the step that needs the catalog.
    """

    def touch() -> None:
        try:
            spark.sql("show databases").collect()
        except Exception:  # reported by the next catalog call, in its step
            log.debug("catalog warm-up failed", exc_info=True)

    thread = threading.Thread(target=touch, name="velos-warm-catalog", daemon=True)
    thread.start()
    return thread
