"""The one SparkSession of a velos run.

Its configuration is the ``server_side_parameters`` of the ``local`` target in profiles.yml,
so that ``dbt`` (dbt-spark's session method calls ``getOrCreate()``) and the Python stages of
``velos run`` share one JVM and one session instead of starting several.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from velos import metastore, thrift
from velos.settings import Settings
from velos.settings import load as load_settings
from velos.spark_conf import (
    check_jars,
    classpath_after_spark,
    session_conf,
    with_class_archive,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
_SESSION: dict[str, SparkSession] = {}


def get_session(settings: Settings | None = None) -> SparkSession:
    """Start (once) and return the embedded SparkSession with Delta and the Hive metastore."""
    if "spark" in _SESSION:
        return _SESSION["spark"]
    from pyspark.sql import SparkSession

    settings = settings or load_settings()
    thrift.refuse_shared_derby(settings)
    conf = with_class_archive(settings, metastore.spark_conf(settings, session_conf(settings)))
    check_jars(settings)
    metastore.ensure_running(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    # the metastore's jars after Spark's: the driver maps the class archive (velos.spark_conf)
    with classpath_after_spark(metastore.classpath(settings)):
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
