"""Build the class archive of the Spark driver: the classes a run loads, read once.

Every velos command starts a JVM that reads, parses and verifies some 20,000 classes from
Spark's 250 jars before its first answer. Class data sharing (CDS) maps them from one archive
instead (BENCHMARKS.md: `velos check` 8.5 -> 6.0 s as a user types it). `make setup` builds it,
in two steps, each a line with its count and seconds:

1. a training JVM, with ``-XX:DumpLoadedClassList``, checks the demo export (the CSV scans, the
   profiles, dbt's statements) and makes, merges and reads one Delta table (the build's
   paths), in a throw-away VELOS_HOME;
2. ``java -Xshare:dump`` writes those classes for the training JVM's exact classpath.

:func:`velos.spark_conf.with_class_archive` names the archive for a session when one was made
for its classpath and JDK; when none was, the session starts as before, only slower.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loaders.node.processes import pid_alive
from velos import console
from velos.errors import VelosError
from velos.settings import Settings
from velos.spark_conf import class_archive_file, session_conf

# in the training run's folder: the class list its JVM writes, and that JVM's facts (pid,
# classpath, JDK and options) the dump needs
CLASSES = "classes.lst"
FACTS = "jvm.json"
JVM_EXIT_TIMEOUT_S = 60.0  # the class list is complete when the training JVM has exited
DELTA_ROUND_TRIP = (
    "create table class_archive_probe using delta as select id, id % 7 as k from range(100)",
    "merge into class_archive_probe t using (select id, 1 as k from range(50, 150)) s "
    "on t.id = s.id when matched then update set * when not matched then insert *",
    "select k, count(*) as n from class_archive_probe group by k",
    "describe history class_archive_probe",
    "drop table class_archive_probe",
)


def build(settings: Settings) -> Path:
    """Make the class archive of this project's driver, unless it is there; return its path."""
    archive = class_archive_file(settings, session_conf(settings))
    if archive.is_file():
        console.say(f"class archive up to date: {archive}")
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="velos-class-archive-") as folder:
        work = Path(folder)
        with console.step("classes") as info:
            facts = _train(settings, work)
            lines = (work / CLASSES).read_text(encoding="utf-8").splitlines()
            count = sum(1 for line in lines if not line.startswith("#"))
            info["counts"] = f"{count:,} classes loaded by a check and a Delta round trip"
        with console.step("archive") as info:
            partial = archive.with_suffix(".partial")
            _dump(work / CLASSES, facts, partial)
            os.replace(partial, archive)
            for stale in archive.parent.glob("spark-driver-*.jsa"):
                if stale != archive:
                    stale.unlink()
            info["counts"] = f"{archive.stat().st_size / 2**20:,.0f} MB in {archive}"
    return archive


def _train(settings: Settings, work: Path) -> dict[str, object]:
    """Run the training JVM; return its facts once it has exited."""
    options = f"{settings.driver_java_options} -XX:DumpLoadedClassList={work / CLASSES}"
    environment = {
        **os.environ,
        "VELOS_HOME": str(work / "home"),
        "VELOS_METASTORE": "derby",  # its own, throw-away: never a shared metastore
        "VELOS_DATA_DIR": str(settings.project_dir / "seeds"),
        "VELOS_SPARK_DRIVER_JAVA_OPTIONS": options.strip(),
    }
    command = [sys.executable, "-m", "velos.class_archive", "--train", str(work / FACTS)]
    done = subprocess.run(
        command, env=environment, cwd=settings.project_dir, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise VelosError(
            "class archive: the training run failed; velos runs without the archive, only "
            f"slower. Its output ends:\n{(done.stdout + done.stderr)[-2000:]}"
        )
    facts: dict[str, object] = json.loads((work / FACTS).read_text(encoding="utf-8"))
    deadline = time.monotonic() + JVM_EXIT_TIMEOUT_S
    while pid_alive(int(str(facts["pid"]))) and time.monotonic() < deadline:
        time.sleep(0.2)
    return facts


def _dump(classes: Path, facts: dict[str, object], archive: Path) -> None:
    """``java -Xshare:dump`` of ``classes`` for the training JVM's classpath and modules."""
    options = [str(option) for option in facts["options"]]  # type: ignore[attr-defined]
    command = [
        str(Path(str(facts["java_home"])) / "bin" / "java"),
        "-Xshare:dump",
        f"-XX:SharedClassListFile={classes}",
        f"-XX:SharedArchiveFile={archive}",
        "-cp",
        str(facts["classpath"]),
        *[option for option in options if option.startswith(("--add-modules", "-Xmx"))],
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        archive.unlink(missing_ok=True)
        raise VelosError(
            f"class archive: `java -Xshare:dump` failed (exit {done.returncode}); velos runs "
            f"without the archive, only slower. Its output ends:\n{done.stdout[-2000:]}"
        )


def _train_here(facts: Path) -> None:
    """The training run itself, in the JVM that lists the classes it loads."""
    from velos.pipeline import check_export
    from velos.settings import load
    from velos.spark import get_session

    settings = load()
    spark = get_session(settings)
    check_export(settings)
    for statement in DELTA_ROUND_TRIP:
        spark.sql(statement).collect()
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    system = jvm.java.lang.System
    runtime = jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    facts.write_text(
        json.dumps({
            "pid": int(runtime.getPid()),
            "java_home": system.getProperty("java.home"),
            "classpath": system.getProperty("java.class.path"),
            "options": list(runtime.getInputArguments()),
        }),
        encoding="utf-8",
    )  # fmt: skip
    spark.stop()


if __name__ == "__main__":
    if "--train" in sys.argv:  # the training JVM's process, started by _train
        _train_here(Path(sys.argv[sys.argv.index("--train") + 1]))
    else:
        from velos.cli import main

        sys.exit(main(["class-archive"]))
