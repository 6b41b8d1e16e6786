"""The command line: setup problems and settings reach the user as one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from velos.settings import find_project

PROJECT_DIR = find_project(Path(__file__).parent)


def velos(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VELOS_DATA_DIR", "VELOS_DEBUG")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "velos.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_missing_jars_are_a_user_error_with_the_fix(tmp_path: Path) -> None:
    done = velos("report", VELOS_JARS=str(tmp_path / "jars"), VELOS_HOME=str(tmp_path / "home"))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"velos: error: the Delta Lake jars are missing from {tmp_path / 'jars' / 'delta'}: "
        "run `make jars`"
    ]


def test_velos_data_dir_is_the_export_when_no_data_option_is_given(tmp_path: Path) -> None:
    (tmp_path / "bikes.csv").write_text("bike.id,model\n")
    done = velos("check", VELOS_DATA_DIR=str(tmp_path), VELOS_HOME=str(tmp_path / "home"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{tmp_path}: missing bikeshops.csv, orders.csv, customers.csv" in done.stderr
    # and --data still wins over it
    done = velos("config", "--data", str(PROJECT_DIR / "seeds"), VELOS_DATA_DIR=str(tmp_path))
    assert f"data      {PROJECT_DIR / 'seeds'}\n" in done.stdout


def test_a_bad_setting_is_named_in_one_line() -> None:
    done = velos("config", CASSANDRA_PORT="ninety")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "velos: error: invalid setting(s) in the environment or .env: CASSANDRA_PORT 'ninety': "
        "Input should be a valid integer, unable to parse string as an integer"
    ]
