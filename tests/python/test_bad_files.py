"""Bad export files: each gives one clear message naming the file, before anything is written.

Whole-file problems stop the run (missing file, empty, header only, missing / renamed / extra
column, wrong delimiter, bytes that are not UTF-8). Line-level problems (too many or too few
fields, an unbalanced quote) are quarantined line by line and the run goes on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from velos import settings
from velos.errors import VelosError
from velos.pipeline import EXPORT_FILES, RAW_TABLES, check_export, run
from velos.settings import find_project

PROJECT_DIR = find_project(Path(__file__).parent)

pytestmark = pytest.mark.spark

SEEDS = PROJECT_DIR / "seeds"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A copy of the demo export that a test may break."""
    for name in EXPORT_FILES:
        shutil.copy(SEEDS / name, tmp_path / name)
    return tmp_path


def _rewrite(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(change(lines)), encoding="utf-8")


def _check_fails(folder: Path) -> str:
    with pytest.raises(VelosError) as error:
        check_export(settings.load(VELOS_DATA_DIR=folder))
    return str(error.value)


def test_missing_file(export: Path, spark) -> None:
    (export / "customers.csv").unlink()
    message = _check_fails(export)
    assert "missing customers.csv" in message
    assert "bikes.csv, bikeshops.csv, orders.csv, customers.csv" in message


def test_empty_file(export: Path, spark) -> None:
    (export / "bikes.csv").write_bytes(b"")
    assert "bikes.csv: the file is empty" in _check_fails(export)


def test_header_only(export: Path, spark) -> None:
    _rewrite(export / "bikeshops.csv", lambda lines: lines[:1])
    assert "bikeshops.csv: the file has a header but no data lines" in _check_fails(export)


def test_missing_column(export: Path, spark) -> None:
    _rewrite(export / "orders.csv", lambda lines: [line.rsplit(",", 1)[0] for line in lines])
    message = _check_fails(export)
    assert "orders.csv, line 1: the header does not match the contract" in message
    assert "Missing column(s): quantity." in message
    assert "Unexpected" not in message


def test_renamed_column(export: Path, spark) -> None:
    _rewrite(
        export / "orders.csv", lambda lines: [lines[0].replace("order.date", "date"), *lines[1:]]
    )
    message = _check_fails(export)
    assert "Missing column(s): order.date. Unexpected column(s): date." in message


def test_extra_column(export: Path, spark) -> None:
    _rewrite(export / "bikes.csv", lambda lines: [line + ",x" for line in lines])
    message = _check_fails(export)
    assert "bikes.csv, line 1" in message
    assert "Unexpected column(s): x." in message


def test_wrong_delimiter(export: Path, spark) -> None:
    _rewrite(export / "customers.csv", lambda lines: [line.replace(",", ";") for line in lines])
    message = _check_fails(export)
    assert "customers.csv, line 1: the fields are separated by ';', not by commas" in message


def test_latin1_bytes(export: Path, spark) -> None:
    path = export / "customers.csv"
    data = path.read_bytes().split(b"\n")
    # line 6 of the file (5th data line) gets a first name written in Latin-1
    fields = data[5].split(b",")
    fields[1] = "Séverine".encode("latin-1")
    data[5] = b",".join(fields)
    path.write_bytes(b"\n".join(data))
    message = _check_fails(export)
    assert "customers.csv, line 6: bytes that are not UTF-8 (1 line(s) in all)" in message
    assert "iconv -f latin1 -t utf-8" in message


def _raw_versions(spark) -> dict[str, int | None]:
    """The Delta version of each raw table (None when it does not exist)."""
    versions: dict[str, int | None] = {}
    for table in RAW_TABLES:
        if spark.catalog.tableExists(table):
            versions[table] = (
                spark.sql(f"describe history {table}").agg({"version": "max"}).first()[0]
            )
        else:
            versions[table] = None
    return versions


def test_a_bad_file_leaves_the_raw_layer_untouched(export: Path, spark) -> None:
    """`velos run` checks all four files before loading any: nothing is half-replaced."""
    before = _raw_versions(spark)
    # bikes.csv and orders.csv are fine (and come first); customers.csv is not
    _rewrite(
        export / "customers.csv", lambda lines: [lines[0].replace("gender", "sex"), *lines[1:]]
    )
    with pytest.raises(VelosError, match=r"customers\.csv, line 1"):
        run(settings.load(VELOS_DATA_DIR=export), skip={"build", "report", "load"})
    assert _raw_versions(spark) == before


def test_cli_prints_a_message_not_a_traceback(export: Path, tmp_path: Path) -> None:
    (export / "orders.csv").write_bytes(b"")
    # its own VELOS_HOME: the embedded Derby metastore admits one JVM at a time
    environment = {**os.environ, "VELOS_HOME": str(tmp_path / "home")}
    completed = subprocess.run(
        [sys.executable, "-m", "velos.cli", "check", "--data", str(export)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=environment,
    )
    assert completed.returncode == 2
    assert "velos: error:" in completed.stderr
    assert "orders.csv: the file is empty" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
