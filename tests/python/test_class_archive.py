"""The class archive `make setup` builds: the suite's own driver maps it, and a session names
only an archive made for its classpath (velos/class_archive.py, velos/spark_conf.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from velos import class_archive
from velos.class_archive import build
from velos.errors import VelosError
from velos.settings import load
from velos.spark_conf import (
    CLASSPATH_AFTER_SPARK,
    class_archive_file,
    classpath_after_spark,
    session_conf,
    with_class_archive,
    with_classpath_after_spark,
)

OPTIONS = "spark.driver.extraJavaOptions"


def _vm_option(spark: Any, name: str) -> str:
    jvm = spark.sparkContext._jvm
    bean_class = jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    bean = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(bean_class)
    return str(bean.getVMOption(name).getValue())


@pytest.mark.spark
def test_the_suite_driver_maps_the_archive_setup_made(
    spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load()
    archive = class_archive_file(settings, session_conf(settings))
    assert archive.is_file(), f"no class archive at {archive}: run `make class-archive`"
    assert _vm_option(spark, "SharedArchiveFile") == str(archive)
    # the JVM turns sharing off, silently, when the archive's classpath or JDK differ
    assert _vm_option(spark, "UseSharedSpaces") == "true"
    # made already: a second build only says so
    assert build(settings) == archive
    assert capsys.readouterr().out == f"[velos] class archive up to date: {archive}\n"


def test_a_session_names_only_the_archive_made_for_its_classpath(tmp_path: Path) -> None:
    settings = load(VELOS_JARS=tmp_path / "jars")
    jars = tmp_path / "delta"
    jars.mkdir()
    (jars / "delta.jar").write_bytes(b"one")
    conf = {"spark.driver.extraClassPath": f"{jars}/*", OPTIONS: "-Dx=1"}

    assert with_class_archive(settings, conf) == conf  # none made
    archive = class_archive_file(settings, conf)
    assert archive.parent == settings.jars_dir / "cds"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"")
    assert with_class_archive(settings, conf)[OPTIONS] == f"-Dx=1 -XX:SharedArchiveFile='{archive}'"
    off = settings.with_changes(class_archive=False)  # VELOS_CLASS_ARCHIVE=0
    assert with_class_archive(off, conf) == conf

    more = {**conf, "spark.driver.extraClassPath": f"{jars}/*{os.pathsep}{tmp_path}/pg.jar"}
    assert with_class_archive(settings, more) == more  # another classpath
    (jars / "delta.jar").write_bytes(b"two, a new build of the jar")
    assert class_archive_file(settings, conf) != archive
    assert with_class_archive(settings, conf) == conf


@pytest.mark.spark
def test_a_training_jvm_that_cannot_archive_says_why_in_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the JVM writes its classes on top of the JDK's own archive; with sharing off it has none
    # and refuses to start. The error is the JVM's own line, not the training child's traceback
    target = tmp_path / "cds" / "spark-driver-probe.jsa"
    monkeypatch.setattr(class_archive, "class_archive_file", lambda *_: target)
    no_sharing = load().with_changes(spark_driver_java_options="-Xshare:off")
    with pytest.raises(VelosError, match="the training run failed") as caught:
        build(no_sharing)
    message = str(caught.value)
    assert "DynamicDumpSharedSpaces is unsupported when base CDS archive is not loaded" in message
    assert "Traceback" not in message and 'File "' not in message
    assert list(target.parent.iterdir()) == []  # nothing half-written


def test_extra_jars_go_after_sparks_and_the_environment_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # what a driver adds (the Postgres driver, the Thrift server's Hive jar) goes after Spark's
    # jars, where Spark's launcher puts SPARK_DIST_CLASSPATH, after what the user set there
    extra = ["/jars/metastore/*", "/home/metastore-conf"]
    assert with_classpath_after_spark({}, extra) == {CLASSPATH_AFTER_SPARK: os.pathsep.join(extra)}
    mine = {CLASSPATH_AFTER_SPARK: "/opt/hadoop/*", "OTHER": "x"}
    assert with_classpath_after_spark(mine, extra) == {
        CLASSPATH_AFTER_SPARK: os.pathsep.join(["/opt/hadoop/*", *extra]),
        "OTHER": "x",
    }
    assert with_classpath_after_spark(mine, []) == mine  # Derby: nothing added

    # the embedded session: set while pyspark starts its JVM, then as it was
    monkeypatch.delenv(CLASSPATH_AFTER_SPARK, raising=False)
    with classpath_after_spark(extra):
        assert os.environ[CLASSPATH_AFTER_SPARK] == os.pathsep.join(extra)
    assert CLASSPATH_AFTER_SPARK not in os.environ
    monkeypatch.setenv(CLASSPATH_AFTER_SPARK, "/opt/hadoop/*")
    with pytest.raises(RuntimeError), classpath_after_spark(extra):
        raise RuntimeError("the JVM did not start")
    assert os.environ[CLASSPATH_AFTER_SPARK] == "/opt/hadoop/*"
