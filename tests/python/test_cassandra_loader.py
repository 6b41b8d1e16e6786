"""The Cassandra node, the loader and the faults it must survive, against a real local node.

Fixtures:
- ``node`` (session): the local node's NodeConfig; reuses a node that already answers on
  CASSANDRA_PORT (e.g. started by `velos cassandra start` or .ci/run), else starts one with
  loaders.node and stops it at the end of the session.
- ``spark`` (session, conftest.py): velos.spark.get_session() under the run's VELOS_HOME.
- ``marts`` and ``big_mart`` (session): real Spark tables with known rows
  (cassandra_marts.py): the four answer marts and a small fct_order_lines in
  ``cass_test_marts``, a 300,000-row fct_order_lines in ``cass_test_big``.
- ``auth_node`` (module): a second, secured node on ports 9142/7100 (PasswordAuthenticator,
  TLS-only with a self-signed certificate, its own admin role instead of the default superuser).
"""

from __future__ import annotations

import decimal
import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cassandra_marts import (
    BIG,
    BIG_ROWS,
    SMALL,
    cassandra_rows,
    create_big_mart,
    create_marts,
    current_counts,
    load_statuses,
    mart_rows,
    read_current,
)

from loaders import TABLES, CassandraConfig, current_load_ids, load_marts
from loaders import node as cassandra_node
from loaders.connection import session as open_session
from loaders.errors import LoaderError, NothingAnswers
from loaders.node import NodeConfig
from velos import settings as velos_settings

pytestmark = pytest.mark.cassandra

AUTH_PORT, AUTH_STORAGE_PORT = 9142, 7100


@pytest.fixture(scope="session")
def marts(spark: Any) -> dict[str, str]:
    return {"small": create_marts(spark)}


@pytest.fixture(scope="session")
def big_mart(spark: Any, marts: dict[str, str]) -> str:
    return create_big_mart(spark)


def settings_for(keyspace: str, **changes: Any) -> CassandraConfig:
    """A loader config for ``keyspace`` on the local node (changes: CassandraConfig fields)."""
    values: dict[str, Any] = {
        "hosts": ("127.0.0.1",),
        "port": velos_settings.load().cassandra_port,
        "keyspace": keyspace,
        "replication": "SimpleStrategy:1",
    }
    values.update(changes)
    return CassandraConfig(**values)


@pytest.fixture(scope="session")
def node() -> Any:
    local = velos_settings.load().cassandra_node(auth=False)
    started = cassandra_node.ensure_running(settings_for("velos"), [local])
    yield local
    if started:
        cassandra_node.stop(local)


# -- node -----------------------------------------------------------------------------------------
def test_node_start_twice_is_harmless_and_status_is_healthy(node: Any) -> None:
    pid_before = cassandra_node.status(node)["pid"]
    if pid_before is None:
        pytest.skip("the node answering was not started by velos (no pid file)")
    cassandra_node.start(node)  # already running: must return quickly and keep the same pid
    info = cassandra_node.status(node)
    assert info["pid"] == pid_before
    assert info["healthy"] is True and str(info["version"]).startswith("5.0")
    assert f"pid {pid_before}" in cassandra_node.format_status(info)


def test_node_start_without_jars_says_make_jars(tmp_path: Path) -> None:
    empty = NodeConfig(
        dir=tmp_path, jars_dir=tmp_path / "jars", native_port=9199, storage_port=7199
    )
    with pytest.raises(LoaderError, match="run `make jars`"):
        cassandra_node.start(empty)


# -- loading ------------------------------------------------------------------------------------
def test_load_equals_the_marts_and_a_second_load_changes_nothing(
    node: Any, marts: dict[str, str], spark: Any
) -> None:
    settings = settings_for("velos_test_load")
    first = load_marts(spark, settings, source_schema=SMALL, keep_loads=2, progress=False)
    assert [t.table for t in first.tables] == [spec.table for spec in TABLES]
    assert {t.table: t.rows for t in first.tables} == {
        "top_model_by_store": 3,
        "purchases_by_city": 4,
        "purchases_by_gender": 4,
        "model_city_histogram": 5,
        "order_lines_by_customer": 3000,
        "segment_by_customer": 3,
        "customers_by_segment": 3,
        "segment_by_store": 2,
        "segment_profiles": 2,
        "demand_forecast": 3,
    }
    assert set(current_load_ids(settings).values()) == {first.load_id}
    assert current_counts(settings) == {t.table: t.rows for t in first.tables}
    expected = {spec.table: mart_rows(spark, SMALL, spec.table) for spec in TABLES}
    for spec in TABLES:
        assert cassandra_rows(settings, spec.table) == expected[spec.table], spec.table
    # spot-check values that are easy to get wrong: unicode, quotes, null, negative, int->bigint
    _, stores = read_current(settings, "top_model_by_store")
    by_id = {row["bikeshop_id"]: row for row in stores}
    assert by_id[1]["bikeshop_name"] == "Vélo Ville"
    assert by_id[1]["revenue"] == decimal.Decimal("123456.78")
    assert by_id[2]["bikeshop_name"] == 'Bike "Shop"; Ltd' and by_id[2]["revenue"] is None
    # the customers of a segment come back most typical (closest to the centre) first
    _, members = read_current(settings, "customers_by_segment")
    assert [row["customer_id"] for row in members if row["segment_id"] == 0] == [11, 12]
    _, profiles = read_current(settings, "segment_profiles")
    assert {row["segment_kind"]: row["mean_age"] for row in profiles} == {
        "customer": 41.5,
        "store": None,
    }

    second = load_marts(spark, settings, source_schema=SMALL, keep_loads=2, progress=False)
    assert second.load_id != first.load_id
    assert [t.checksum for t in second.tables] == [t.checksum for t in first.tables]
    assert set(current_load_ids(settings).values()) == {second.load_id}
    for spec in TABLES:  # same final state, no duplicates
        assert cassandra_rows(settings, spec.table) == expected[spec.table], spec.table


def test_old_loads_are_cleaned_keeping_the_last_n(
    node: Any, marts: dict[str, str], spark: Any
) -> None:
    from cassandra.cluster import Cluster

    settings = settings_for("velos_test_keep")
    loads = [
        load_marts(
            spark,
            settings,
            tables=["purchases_by_city"],
            source_schema=SMALL,
            keep_loads=2,
            progress=False,
        ).load_id
        for _ in range(4)
    ]
    cluster = Cluster(["127.0.0.1"], port=node.native_port)
    try:
        session = cluster.connect("velos_test_keep")
        present = {
            row.load_id
            for row in session.execute(
                "SELECT DISTINCT load_id, state, city FROM purchases_by_city"
            )
        }
        statuses = {
            row.load_id: row.status
            for row in session.execute("SELECT load_id, status FROM loads WHERE dataset = 'marts'")
        }
    finally:
        cluster.shutdown()
    assert present == set(loads[-2:])
    assert [statuses[lid] for lid in loads] == ["deleted", "deleted", "superseded", "current"]


def test_a_mart_with_duplicate_keys_fails_verification_and_keeps_the_pointer(
    node: Any, marts: dict[str, str], spark: Any
) -> None:
    settings = settings_for("velos_test_dupes")
    good = load_marts(
        spark, settings, tables=["top_model_by_store"], source_schema=SMALL, progress=False
    )
    spark.sql("create database if not exists cass_test_dupes")
    spark.sql(
        "create or replace table cass_test_dupes.top_model_by_store using delta as "
        f"select * from {SMALL}.top_model_by_store union all "
        f"select * from {SMALL}.top_model_by_store where bikeshop_id = 1"
    )
    with pytest.raises(LoaderError, match="verification of top_model_by_store failed") as info:
        load_marts(
            spark,
            settings,
            tables=["top_model_by_store"],
            source_schema="cass_test_dupes",
            progress=False,
        )
    assert "current_load still points to the previous load" in str(info.value)
    assert current_load_ids(settings) == {"top_model_by_store": good.load_id}


def test_node_killed_mid_load_then_restart_and_reload(
    node: Any, marts: dict[str, str], big_mart: str, spark: Any
) -> None:
    handle = node
    if cassandra_node.status(node)["pid"] is None:
        pytest.skip("the node answering was not started by velos: cannot kill -9 it")
    settings = settings_for("velos_test_kill")
    previous = load_marts(
        spark,
        settings,
        tables=["top_model_by_store", "fct_order_lines"],
        source_schema=SMALL,
        progress=False,
    ).load_id

    killed = threading.Event()
    progress_seen = threading.Event()

    def on_rows(table: str, rows: int) -> None:
        if table == "order_lines_by_customer" and rows >= 40_000:
            progress_seen.set()

    killed_at: list[float] = []

    def killer() -> None:
        if progress_seen.wait(timeout=240):
            cassandra_node.kill(handle)
            killed_at.append(time.monotonic())
            killed.set()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    started = time.monotonic()
    with pytest.raises(LoaderError) as info:
        load_marts(
            spark,
            settings,
            tables=["top_model_by_store", "fct_order_lines"],
            source_schema=BIG,
            progress=False,
            on_rows=on_rows,
        )
    failed_at = time.monotonic()
    thread.join(timeout=5)
    assert killed.is_set(), f"the load failed before the node was killed: {info.value}"
    message = str(info.value)
    assert "Nothing was switched" in message and str(previous) in message
    assert "Traceback" not in message
    after_kill = failed_at - killed_at[0]
    print(
        f"\nkill -9 mid-load: load started {killed_at[0] - started:.1f}s before the kill, "
        f"failed {after_kill:.1f}s after it: {message}"
    )
    assert after_kill < 30

    restart_started = time.monotonic()
    cassandra_node.start(node)
    print(f"node restarted in {time.monotonic() - restart_started:.1f}s")
    assert current_load_ids(settings) == {
        "top_model_by_store": previous,
        "order_lines_by_customer": previous,
    }

    again = load_marts(
        spark,
        settings,
        tables=["top_model_by_store", "fct_order_lines"],
        source_schema=BIG,
        progress=False,
    )
    assert current_load_ids(settings) == {
        "top_model_by_store": again.load_id,
        "order_lines_by_customer": again.load_id,
    }
    assert {t.table: t.rows for t in again.tables}["order_lines_by_customer"] == BIG_ROWS
    assert cassandra_rows(settings, "fct_order_lines") == mart_rows(spark, BIG, "fct_order_lines")


# -- bad configuration ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # a loopback address nothing listens on: tests never send traffic off this machine
        ({"hosts": ("127.0.0.2",), "port": 9042}, r"127\.0\.0\.2:9042"),
        ({"port": 9}, r"127\.0\.0\.1:9 .*(refused|did not answer)"),
    ],
    ids=["unreachable-host", "wrong-port"],
)
def test_bad_configuration_fails_fast_and_clearly(
    node: Any, marts: dict[str, str], spark: Any, changes: dict[str, Any], expected: str
) -> None:
    settings = settings_for("velos_test_bad", **changes)
    started = time.monotonic()
    with pytest.raises(NothingAnswers, match=expected) as info:
        load_marts(spark, settings, source_schema=SMALL, progress=False)
    assert time.monotonic() - started < 15
    assert "Traceback" not in str(info.value)


def test_probe_uses_the_second_host_when_the_first_is_down(node: NodeConfig) -> None:
    """velos run's look for a node goes through the loader's connection: every host counts."""
    config = settings_for("velos", hosts=("127.0.0.3", "127.0.0.1"))
    assert cassandra_node.ensure_running(config, [node]) is False  # used, nothing started


# -- what a load is told, and what is true --------------------------------------------------
def _fail_after(method: Any) -> Any:
    """``method`` runs for real, then reports a timeout: its outcome looks unknown."""
    from cassandra import OperationTimedOut

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        method(*args, **kwargs)
        raise OperationTimedOut("injected: no answer in time")

    return wrapper


@pytest.mark.parametrize("step", ["flip", "record_current"])
def test_a_failure_after_the_switch_says_the_new_load_is_current(
    node: Any, marts: dict[str, str], spark: Any, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    from loaders.publish import Book

    settings = settings_for("velos_test_readback")
    tables = ["purchases_by_city"]
    first = load_marts(spark, settings, tables=tables, source_schema=SMALL, progress=False)
    monkeypatch.setattr(Book, step, _fail_after(getattr(Book, step)))
    with pytest.raises(LoaderError) as info:
        load_marts(spark, settings, tables=tables, source_schema=SMALL, progress=False)
    monkeypatch.undo()
    pointers = current_load_ids(settings)
    second = pointers["purchases_by_city"]
    assert second != first.load_id  # the second load is the one readers see
    message = str(info.value)
    assert f"load {second} at 127.0.0.1:" in message and "is current" in message
    assert "Nothing was switched" not in message
    assert "OperationTimedOut" in message  # what failed is named too
    assert "failed" not in load_statuses(settings)[second]


def test_names_with_markup_quotes_and_accents_are_loaded_as_written(node: Any, spark: Any) -> None:
    names = ["Cost $5 <b>", "O'Brien's {{ model }}", "Ciclope \u00d1and\u00fa S\u00e3o", "{% x %}"]
    frame = spark.createDataFrame(
        [
            (name, "TX", name, i + 1, 1, decimal.Decimal("1.50"), 1.0)
            for i, name in enumerate(names)
        ],
        "model string, state string, city string, units bigint, order_lines bigint, "
        "revenue decimal(18,2), share_of_city_units double",
    )
    spark.sql("create database if not exists cass_test_names")
    frame.write.format("delta").mode("overwrite").saveAsTable("cass_test_names.purchases_by_city")
    settings = settings_for("velos_test_names")
    load_marts(
        spark,
        settings,
        tables=["purchases_by_city"],
        source_schema="cass_test_names",
        progress=False,
    )
    _, stored = read_current(settings, "purchases_by_city")
    assert sorted(row["model"] for row in stored) == sorted(names)
    assert sorted(row["city"] for row in stored) == sorted(names)


# -- the secured node ------------------------------------------------------------------------
# made per run, so no password is written in the tests: a wrong one, and the two roles' own
SECRET, NOBODY_PASSWORD, LOADER_PASSWORD = (secrets.token_urlsafe(16) for _ in range(3))
PROJECT_ROLE, PROJECT_PASSWORD = "velos_project", secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def auth_node() -> Any:
    import dataclasses

    local = dataclasses.replace(
        velos_settings.load().cassandra_node(
            auth=True, native_port=AUTH_PORT, storage_port=AUTH_STORAGE_PORT
        ),
        role=PROJECT_ROLE,
        role_password=PROJECT_PASSWORD,
    )
    started = time.monotonic()
    cassandra_node.start(local)
    print(f"\nauth node ready in {time.monotonic() - started:.1f}s")
    with open_session(local.client()) as admin:
        roles = (("velos_nobody", NOBODY_PASSWORD), ("velos_loader", LOADER_PASSWORD))
        for role, password in roles:
            admin.execute(
                f"CREATE ROLE IF NOT EXISTS {role} WITH LOGIN = true AND PASSWORD = %s", [password]
            )
    yield local
    cassandra_node.stop(local)


def auth_settings(user: str | None, password: str | None, **changes: Any) -> CassandraConfig:
    node = velos_settings.load().cassandra_node(auth=True, native_port=AUTH_PORT)
    values: dict[str, Any] = {"ssl_ca": str(node.certificate)}
    values.update(changes)
    keyspace = values.pop("keyspace", "velos_auth")
    return settings_for(keyspace, port=AUTH_PORT, user=user, password=password, **values)


def admin_settings(auth_node: NodeConfig) -> CassandraConfig:
    return auth_node.client(keyspace="velos_auth")


def test_wrong_password_is_clear_and_never_shown(
    auth_node: Any,
    marts: dict[str, str],
    spark: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(LoaderError, match="wrong user name or password") as info:
        load_marts(spark, auth_settings("velos_loader", SECRET), source_schema=SMALL)
    assert time.monotonic() - started < 15
    out, err = capsys.readouterr()
    everything = "\n".join([str(info.value), caplog.text, out, err, repr(info.value.args)])
    assert SECRET not in everything
    assert "velos_loader" not in str(info.value)


def test_no_credentials_on_an_auth_node_asks_for_them(
    auth_node: Any, marts: dict[str, str], spark: Any
) -> None:
    with pytest.raises(LoaderError, match="set CASSANDRA_USER and CASSANDRA_PASSWORD"):
        load_marts(spark, auth_settings(None, None), source_schema=SMALL, progress=False)


def test_missing_keyspace_permission_then_granted(
    auth_node: Any,
    marts: dict[str, str],
    spark: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = admin_settings(auth_node)
    # the admin creates the keyspace once (a loader role is not allowed to)
    load_marts(spark, admin, tables=["purchases_by_city"], source_schema=SMALL, progress=False)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(LoaderError, match="lacks a permission on keyspace 'velos_auth'") as info:
        load_marts(
            spark,
            auth_settings("velos_nobody", NOBODY_PASSWORD),
            source_schema=SMALL,
            progress=False,
        )
    assert time.monotonic() - started < 15
    out, err = capsys.readouterr()
    assert NOBODY_PASSWORD not in "\n".join([str(info.value), caplog.text, out, err])
    assert "velos_nobody" not in str(info.value)

    with open_session(admin) as session:
        session.execute("GRANT SELECT ON KEYSPACE velos_auth TO velos_loader")
        session.execute("GRANT MODIFY ON KEYSPACE velos_auth TO velos_loader")
    report = load_marts(
        spark,
        auth_settings("velos_loader", LOADER_PASSWORD),
        tables=["purchases_by_city"],
        source_schema=SMALL,
        progress=False,
    )
    assert report.tables[0].rows == 4


def test_default_superuser_is_disabled_and_the_project_role_is_not_a_superuser(
    auth_node: NodeConfig, marts: dict[str, str], spark: Any
) -> None:
    with pytest.raises(LoaderError, match="rejected the login"):
        cassandra_node.ensure_running(auth_settings("cassandra", "cassandra"), [auth_node])
    project = auth_settings(PROJECT_ROLE, PROJECT_PASSWORD, keyspace="velos_project_ks")
    report = load_marts(
        spark, project, tables=["purchases_by_city"], source_schema=SMALL, progress=False
    )
    assert report.tables[0].rows == 4
    with open_session(auth_node.client()) as admin:
        roles = dict(admin.execute("SELECT role, is_superuser FROM system_auth.roles").all())
    assert roles[PROJECT_ROLE] is False
    assert roles["cassandra"] is True  # still exists, but can no longer log in (above)


def test_secured_node_files_holding_a_secret_are_private(auth_node: NodeConfig) -> None:
    for name in ("cassandra.yaml", "node-keystore.password", "admin.password"):
        assert (auth_node.conf_dir / name).stat().st_mode & 0o777 == 0o600, name
    assert auth_node.conf_dir.stat().st_mode & 0o777 == 0o700


def test_keytool_never_gets_the_password_on_its_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from loaders.node import files

    password = secrets.token_urlsafe(16)
    (tmp_path / "password").write_text(password)
    seen: list[list[str]] = []
    real_run = subprocess.run

    def spy(command: list[str], **kwargs: Any) -> Any:
        seen.append(list(command))
        return real_run(command, **kwargs)

    monkeypatch.setattr(files.subprocess, "run", spy)
    files.self_signed_certificate(
        tmp_path / "ks.p12", tmp_path / "cert.pem", tmp_path / "password", "test"
    )
    assert len(seen) == 2 and (tmp_path / "cert.pem").read_text().startswith("-----BEGIN")
    assert not any(password in argument for command in seen for argument in command)


# -- TLS ----------------------------------------------------------------------------------------
def test_tls_load_verifies_the_node_certificate(
    auth_node: Any, marts: dict[str, str], spark: Any
) -> None:
    from loaders.connection import connect

    report = load_marts(
        spark,
        admin_settings(auth_node),
        tables=["purchases_by_city"],
        source_schema=SMALL,
        progress=False,
    )
    assert report.tables[0].rows == 4

    # the node itself reports a session opened the loader's way as encrypted
    with open_session(auth_node.client()) as admin:
        admin.execute(
            "CREATE ROLE IF NOT EXISTS velos_tls_probe WITH LOGIN = true "
            "AND PASSWORD = 'probe-pass'"
        )
        cluster, _session = connect(auth_settings("velos_tls_probe", "probe-pass"))
        try:
            clients = list(admin.execute("SELECT username, ssl_enabled FROM system_views.clients"))
        finally:
            cluster.shutdown()
    probe = [ssl_enabled for username, ssl_enabled in clients if username == "velos_tls_probe"]
    assert probe and all(probe)
    assert all(ssl_enabled for _, ssl_enabled in clients)  # TLS-only: no plain session at all


def test_a_tls_only_node_is_found_with_tls_and_named_without(
    auth_node: NodeConfig,
) -> None:
    """The look for a node (velos run) connects like the loader: with TLS when configured."""
    admin_user, admin_password = auth_node.admin_credentials()
    found = cassandra_node.ensure_running(auth_settings(admin_user, admin_password), [auth_node])
    assert found is False
    plain = auth_settings(admin_user, admin_password, ssl_ca=None)
    with pytest.raises(LoaderError) as info:
        cassandra_node.ensure_running(plain, [auth_node])
    assert not isinstance(info.value, NothingAnswers)
    assert "requires TLS; set CASSANDRA_SSL_CA" in str(info.value)


def test_wrong_password_is_named_when_looking_for_a_node(auth_node: NodeConfig) -> None:
    with pytest.raises(LoaderError, match="wrong user name or password"):
        cassandra_node.ensure_running(auth_settings("velos_loader", SECRET), [auth_node])


def test_tls_with_an_unknown_certificate_is_refused_clearly(
    auth_node: Any,
    marts: dict[str, str],
    spark: Any,
    tmp_path: Path,
) -> None:
    # a certificate of another (self-signed) authority: the node's must not pass for it
    other = tmp_path / "other.pem"
    (tmp_path / "other.password").write_text("other-pass")
    cassandra_node.self_signed_certificate(
        tmp_path / "other.p12", other, tmp_path / "other.password", "other"
    )
    admin_user, admin_password = auth_node.admin_credentials()
    started = time.monotonic()
    with pytest.raises(
        LoaderError, match=r"127\.0\.0\.1:9142 failed: the node.s certificate is not"
    ):
        load_marts(
            spark,
            auth_settings(admin_user, admin_password, ssl_ca=str(other)),
            source_schema=SMALL,
            progress=False,
        )
    assert time.monotonic() - started < 15
