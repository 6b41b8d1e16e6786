"""Build the class archive of the Spark driver: the classes a run loads, read once.

Every velos command starts a JVM that reads, parses and verifies some 20,000 classes from
Spark's 250 jars before its first answer. Class data sharing (CDS) maps them from one archive
instead (BENCHMARKS.md: `velos check` 8.5 -> 6.0 s as a user types it). `make setup` builds it,
in two steps, each a line with its count and seconds:

1. a training JVM, with ``-XX:ArchiveClassesAtExit``, checks the demo export (the CSV scans, the
   profiles, dbt's statements) and makes, merges and reads one Delta table (the build's
   paths), in a throw-away VELOS_HOME;
2. as it exits, that JVM writes the classes it loaded, already parsed and verified, into a
   dynamic archive for its exact classpath, on top of the JDK's own archive. That is faster
   than a class list dumped by a second JVM (`java -Xshare:dump`), which parses and verifies
   them all again (BENCHMARKS.md, "The class archive written at the training JVM's exit").

:func:`velos.spark_conf.with_class_archive` names the archive for a session when one was made
for its classpath and JDK; when none was, the session starts as before, only slower.
"""

from __future__ import annotations

import json
import os
import re
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

# in the training run's folder: the training JVM's pid, its CDS log (what it archived) and
# the training run's output
FACTS = "jvm.json"
CDS_LOG = "cds.log"
TRAINING_LOG = "training.log"
# the JVM writes the archive as it exits: the archive is complete when the JVM has gone
JVM_EXIT_TIMEOUT_S = 120.0
# the lines of one class each that CDS could not archive (classes Spark or Derby generate at
# run time, Janino's signed jar): expected, and too many to show in an error
PER_CLASS_LINES = ("Skipping ", "Pre JDK 6 class", "Preload Warning")
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
    # the work folder sits beside the archive: the finished file moves into place in one
    # rename, and a failed run's goes with the folder
    with tempfile.TemporaryDirectory(prefix=".training-", dir=archive.parent) as folder:
        work = Path(folder)
        written = work / "archive.jsa"
        with console.step("training") as info:
            pid = _train(settings, work, written)
            info["counts"] = "a check of the demo export and a Delta round trip"
        with console.step("archive") as info:
            log = _wait_for_exit(pid, work / CDS_LOG, written)
            count = re.search(r"Number of classes (\d+)", log)
            os.replace(written, archive)
            for stale in archive.parent.glob("spark-driver-*.jsa"):
                if stale != archive:
                    stale.unlink()
            classes = f"{int(count.group(1)):,} classes, " if count else ""
            info["counts"] = f"{classes}{archive.stat().st_size / 2**20:,.0f} MB in {archive}"
    return archive


def _train(settings: Settings, work: Path, archive: Path) -> int:
    """Run the training JVM, which writes ``archive`` as it exits; return its pid."""
    options = (
        f"{settings.driver_java_options} -XX:ArchiveClassesAtExit='{archive}' "
        f"'-Xlog:cds=info:file={work / CDS_LOG}'"
    )
    environment = {
        **os.environ,
        "VELOS_HOME": str(work / "home"),
        "VELOS_METASTORE": "derby",  # its own, throw-away: never a shared metastore
        "VELOS_DATA_DIR": str(settings.project_dir / "seeds"),
        "VELOS_SPARK_DRIVER_JAVA_OPTIONS": options.strip(),
        # an archive of another classpath would be the base of this one: only its difference
        # would be written
        "VELOS_CLASS_ARCHIVE": "0",
    }
    command = [sys.executable, "-m", "velos.class_archive", "--train", str(work / FACTS)]
    output = work / TRAINING_LOG
    # into a file, not a pipe: the JVM holds a pipe open until it has written the archive
    with output.open("wb") as sink:
        done = subprocess.run(
            command, env=environment, cwd=settings.project_dir, stdout=sink, stderr=sink
        )
    facts = work / FACTS
    pid = int(json.loads(facts.read_text(encoding="utf-8"))["pid"]) if facts.is_file() else None
    if done.returncode != 0:
        if pid is not None:  # a JVM that started writes its archive as it exits: let it finish
            _exited(pid)
        lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
        said = "\n".join(line for line in lines if not any(s in line for s in PER_CLASS_LINES))
        # what the JVM said, and the Python error's last line (not the child's traceback)
        said, _, traceback = said.partition("Traceback (most recent call last):")
        said = "\n".join([said.strip()[-2000:], *traceback.strip().splitlines()[-1:]])
        raise VelosError(
            "class archive: the training run failed; velos runs without the archive, only "
            f"slower. Its output ends:\n{said}"
        )
    assert pid is not None  # a training run that succeeded wrote its JVM's pid first
    return pid


def _exited(pid: int) -> bool:
    """Wait, at most JVM_EXIT_TIMEOUT_S, for the JVM ``pid`` to exit; whether it has."""
    deadline = time.monotonic() + JVM_EXIT_TIMEOUT_S
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not pid_alive(pid)


def _wait_for_exit(pid: int, log_file: Path, archive: Path) -> str:
    """Wait until the training JVM has exited and written ``archive``; return its CDS log."""
    exited = _exited(pid)
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.is_file() else ""
    if not (exited and archive.is_file()):
        said = [line for line in log.splitlines() if not any(s in line for s in PER_CLASS_LINES)]
        what = (
            "exited without writing it"
            if exited
            else f"was still writing it after {JVM_EXIT_TIMEOUT_S:.0f} s"
        )
        raise VelosError(
            f"class archive: the training JVM (pid {pid}) {what}; velos runs without the "
            "archive, only slower. Its CDS log ends:\n" + "\n".join(said[-20:])
        )
    return log


def _train_here(facts: Path) -> None:
    """The training run itself, in the JVM that archives the classes it loads."""
    from velos.pipeline import check_export
    from velos.settings import load
    from velos.spark import get_session

    settings = load()
    spark = get_session(settings)
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    # first: the parent waits for this JVM's exit even when the training fails
    runtime = jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    facts.write_text(json.dumps({"pid": int(runtime.getPid())}), encoding="utf-8")
    check_export(settings)
    for statement in DELTA_ROUND_TRIP:
        spark.sql(statement).collect()
    spark.stop()


if __name__ == "__main__":
    if "--train" in sys.argv:  # the training JVM's process, started by _train
        _train_here(Path(sys.argv[sys.argv.index("--train") + 1]))
    else:
        from velos.cli import main

        sys.exit(main(["class-archive"]))
