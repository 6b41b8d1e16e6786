"""The settings: where they come from, how they are checked, which project velos acts on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from velos.errors import VelosError
from velos.settings import find_project, load

PROJECT_DIR = find_project(Path(__file__).parent)
VARIABLES = ("VELOS_HOME", "VELOS_JARS", "VELOS_DATA_DIR", "VELOS_PROJECT_DIR", "VELOS_TARGET")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty velos project (a dbt_project.yml) with a clean environment."""
    for name in (*VARIABLES, *(n for n in os.environ if n.startswith("CASSANDRA_"))):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "dbt_project.yml").write_text("name: velos\n")
    return tmp_path


def test_defaults_live_in_the_project(project: Path) -> None:
    settings = load(project)
    assert settings.project_dir == project
    assert settings.home == project / ".velos"
    assert settings.data_dir == project / "seeds"
    assert settings.cassandra_hosts == ("127.0.0.1",)
    assert settings.cassandra_config().consistency_level == "ONE"


def test_dotenv_is_read_and_the_environment_wins(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text(
        "VELOS_HOME=state\nCASSANDRA_HOSTS=10.0.0.1, 10.0.0.2\nCASSANDRA_PORT=9043\n"
        "CASSANDRA_PASSWORD='s3cret'\nCASSANDRA_SSL_CA=ca.pem\nCASSANDRA_LOCAL_DC=\n"
    )
    monkeypatch.setenv("CASSANDRA_PORT", "9044")
    settings = load(project)
    assert settings.home == project / "state"  # relative paths: from the project
    assert settings.cassandra_hosts == ("10.0.0.1", "10.0.0.2")
    assert settings.cassandra_port == 9044
    assert settings.cassandra_local_dc is None  # empty means unset
    config = settings.cassandra_config()
    assert config.password == "s3cret" and config.ssl_ca == str(project / "ca.pem")
    assert "s3cret" not in repr(settings) + repr(config)
    assert "VELOS_HOME" not in os.environ  # nothing is written back


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("CASSANDRA_PORT=abc", "CASSANDRA_PORT 'abc': Input should be a valid integer"),
        ("CASSANDRA_PORT=70000", "CASSANDRA_PORT '70000': Input should be less than 65536"),
        ("VELOS_TARGET=cloud", "VELOS_TARGET 'cloud': Input should be 'local' or 'thrift'"),
        ("CASSANDRA_SSL=maybe", "CASSANDRA_SSL 'maybe': Input should be a valid boolean"),
    ],
)
def test_a_bad_value_names_the_variable(project: Path, line: str, message: str) -> None:
    (project / ".env").write_text(line + "\n")
    with pytest.raises(VelosError) as error:
        load(project)
    assert message in str(error.value)


def test_a_bad_cassandra_value_is_refused_when_the_config_is_built(project: Path) -> None:
    from loaders import LoaderError

    (project / ".env").write_text("CASSANDRA_REPLICATION=SimpleStrategy:zero\n")
    with pytest.raises(LoaderError, match="invalid CASSANDRA_REPLICATION"):
        load(project).cassandra_config()


def test_the_project_is_found_from_a_subfolder_or_named(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (project / "models" / "marts").mkdir(parents=True)
    monkeypatch.chdir(project / "models" / "marts")
    assert load().project_dir == project
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    with pytest.raises(VelosError, match="no dbt project in"):
        load()
    monkeypatch.setenv("VELOS_PROJECT_DIR", str(project))
    assert load().project_dir == project


def _copy_project(target: Path) -> Path:
    """A second checkout: the tracked files of this one, without its state or venv."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = PROJECT_DIR / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            (target / name.decode()).write_bytes(source.read_bytes())
    return target


def _clean_environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    environment.update(extra)
    return environment


def test_a_second_clone_sharing_the_venv_runs_on_its_own_project(tmp_path: Path) -> None:
    clone = _copy_project(tmp_path / "second clone")
    done = subprocess.run(
        [sys.executable, "-m", "velos.cli", "config"],
        cwd=clone / "models",
        env=_clean_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"project   {clone}\n" in done.stdout
    assert f"home      {clone / '.velos'}\n" in done.stdout
    assert f"data      {clone / 'seeds'}\n" in done.stdout
    assert str(PROJECT_DIR) not in done.stdout


def test_a_plain_pip_install_finds_its_package_data(tmp_path: Path) -> None:
    """A non-editable install (copied into site) acts on the project it is run in."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps",
         "--target", str(site), str(PROJECT_DIR)],
        check=True, capture_output=True,
    )  # fmt: skip
    clone = _copy_project(tmp_path / "clone")
    script = (
        "import velos, loaders.node.files as f, velos.settings as s;"
        "print(velos.__file__);"
        "print(s.load().log4j_file.is_file(), 'cluster_name' in f.template('cassandra.yaml'),"
        " len(f.jvm_options()) > 40);"
        "print(s.load().project_dir)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=clone / "models",  # not the clone's root: python -c would import its velos/
        env=_clean_environment(PYTHONPATH=str(site)),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith(str(site))  # the installed copy, not this checkout
    assert lines[1:] == ["True True True", str(clone)]


def test_the_spark_master_is_a_setting_that_reaches_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from velos.spark_conf import session_conf

    for name in ("VELOS_SPARK_MASTER", "VELOS_SPARK_DRIVER_MEMORY", "VELOS_SPARK_EXECUTOR_MEMORY"):
        monkeypatch.delenv(name, raising=False)
    embedded = session_conf(load(PROJECT_DIR))
    assert (embedded["spark.master"], embedded["spark.driver.memory"]) == ("local[*]", "6g")
    monkeypatch.setenv("VELOS_SPARK_MASTER", "spark://127.0.0.1:7077")
    monkeypatch.setenv("VELOS_SPARK_DRIVER_MEMORY", "2g")
    on_cluster = session_conf(load(PROJECT_DIR))
    assert on_cluster["spark.master"] == "spark://127.0.0.1:7077"
    assert on_cluster["spark.driver.memory"] == "2g"
    assert on_cluster["spark.executor.memory"] == "1g"
    jars = str(load(PROJECT_DIR).jars / "delta" / "*")
    assert on_cluster["spark.executor.extraClassPath"] == jars  # executors load Delta too
    # nothing else differs: the same warehouse, catalog and SQL settings
    changed = {key for key in embedded if embedded[key] != on_cluster[key]}
    assert changed == {"spark.master", "spark.driver.memory"}


def test_the_compiled_query_classes_kept_are_a_setting_that_reaches_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from velos.spark_conf import session_conf

    conf = "spark.sql.codegen.cache.maxEntries"  # Spark's default 100 (test_codegen_cache.py)
    monkeypatch.delenv("VELOS_CODEGEN_CACHE_ENTRIES", raising=False)
    assert session_conf(load(PROJECT_DIR))[conf] == "10000"
    monkeypatch.setenv("VELOS_CODEGEN_CACHE_ENTRIES", "250")
    assert session_conf(load(PROJECT_DIR))[conf] == "250"


def test_the_driver_jit_follows_the_export_size_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded session of a command: the quick JIT on a small export, HotSpot's default on
    a big one. The Thrift server lives long, so HotSpot's default unless the setting says."""
    from velos import thrift
    from velos.settings import QUICK_JIT, QUICK_JIT_MAX_EXPORT_MB
    from velos.spark_conf import session_conf

    def options(**changes: Any) -> tuple[str, str]:
        # without the class archive, which the server maps (test_thrift.py): the JIT's options
        settings = load(PROJECT_DIR).with_changes(class_archive=False, **changes)
        return (
            session_conf(settings)["spark.driver.extraJavaOptions"],
            thrift.server_conf(settings)["spark.driver.extraJavaOptions"],
        )

    monkeypatch.delenv("VELOS_SPARK_DRIVER_JAVA_OPTIONS", raising=False)
    session, server = options()  # the demo export (seeds/): small
    assert session.startswith("-Dderby.system.home=") and session.endswith(f" {QUICK_JIT}")
    assert server.startswith("-Dderby.system.home=") and "-XX:" not in server
    assert server.endswith("thrift-log4j2.properties")  # no trailing space when unset
    # a plain `dbt` command (no velos vars) gets the small export's default from profiles.yml
    assert f"'{QUICK_JIT}'" in (PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    big = tmp_path / "big-export"
    big.mkdir()
    with (big / "orders.csv").open("wb") as sparse:  # its size, not its bytes, on disk
        sparse.truncate(int(QUICK_JIT_MAX_EXPORT_MB * 2**20) + 1)
    assert all("-XX:" not in found for found in options(data_dir=big))  # HotSpot's default
    monkeypatch.setenv("VELOS_SPARK_DRIVER_JAVA_OPTIONS", "-XX:+UseParallelGC")
    for found in options() + options(data_dir=big):  # the setting wins everywhere
        assert found.endswith(" -XX:+UseParallelGC") and "TieredStopAtLevel" not in found


def test_dbt_gets_the_settings_as_environment_for_its_command_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --vars for the paths (dbt would parse the whole project again for each export):
    the settings are the environment while the command runs, and what was there comes back."""
    import dbt.cli.main

    from velos.dbt import run_dbt

    seen: dict[str, Any] = {}

    class Recording:
        def __init__(self, callbacks: list[Any] | None = None) -> None:
            pass

        def invoke(self, command: list[str]) -> Any:
            seen["command"] = command
            seen["environment"] = dict(os.environ)
            return type("Result", (), {"success": True, "result": "done"})()

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Recording)
    monkeypatch.setenv("VELOS_THREADS", "7")
    monkeypatch.delenv("VELOS_CHECK_ONLY", raising=False)
    settings = load(PROJECT_DIR, VELOS_DATA_DIR=tmp_path, VELOS_THREADS="3")
    before = dict(os.environ)

    assert run_dbt(["seed"], settings=settings, environment={"VELOS_CHECK_ONLY": "1"}) == "done"
    assert "--vars" not in seen["command"]
    during = seen["environment"]
    assert during["VELOS_DATA_DIR"] == str(tmp_path)
    assert during["VELOS_HOME"] == str(settings.home)
    assert (during["VELOS_THREADS"], during["VELOS_CHECK_ONLY"]) == ("3", "1")
    assert dict(os.environ) == before  # VELOS_THREADS back to 7, VELOS_CHECK_ONLY unset again

    run_dbt(["test"], settings=settings, vars={"max_rejected_pct": 1})
    assert seen["command"][seen["command"].index("--vars") + 1] == "{max_rejected_pct: 1}"
