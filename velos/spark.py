"""The one SparkSession of a velos run.

Its configuration is the ``server_side_parameters`` of the ``local`` target in profiles.yml,
so that ``dbt`` (dbt-spark's session method calls ``getOrCreate()``) and the Python stages of
``velos run`` share one JVM and one session instead of starting several.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from velos.settings import PROJECT_DIR

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


class SetupError(RuntimeError):
    """Something the project needs is not installed; the message says what to run."""


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SetupError(f"profiles.yml needs the environment variable {name}")
    return value


def profile_output(target: str = "local") -> dict[str, Any]:
    """Render profiles.yml the way dbt does (env_var only) and return one target."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for name in ("as_number", "as_bool", "as_native", "as_text"):
        environment.filters[name] = lambda value: value
    template = environment.from_string((PROJECT_DIR / "profiles.yml").read_text())
    rendered = yaml.safe_load(template.render(env_var=_env_var))
    return rendered["velos"]["outputs"][target]


def session_conf() -> dict[str, str]:
    """Spark configuration of the embedded session, from profiles.yml."""
    conf = {str(k): str(v) for k, v in profile_output("local")["server_side_parameters"].items()}
    conf["spark.sql.ansi.enabled"] = "false"  # what dbt-spark forces; keep both sides equal
    return conf


def _check_jars(conf: dict[str, str]) -> None:
    jar_glob = conf.get("spark.driver.extraClassPath", "").split(os.pathsep)[0]
    jar_dir = os.path.dirname(jar_glob)
    if jar_dir and not (os.path.isdir(jar_dir) and os.listdir(jar_dir)):
        raise SetupError(f"the Delta Lake jars are missing from {jar_dir}: run `make jars`")


@cache
def get_session() -> SparkSession:
    """Start (once) and return the embedded SparkSession with Delta and the Hive metastore."""
    from pyspark.sql import SparkSession

    from velos import metastore, settings, thrift

    current = settings.load()
    thrift.refuse_shared_derby(current)
    conf = metastore.spark_conf(current, session_conf())
    metastore.ensure_running(current)
    _check_jars(conf)
    os.makedirs(os.environ.get("VELOS_HOME", PROJECT_DIR / ".velos"), exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
