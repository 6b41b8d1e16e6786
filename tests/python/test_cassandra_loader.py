"""The Cassandra node, the loader and the faults it must survive, against a real local node.

Fixtures:
- ``node`` (session): reuses a node that already answers on CASSANDRA_PORT (e.g. started by
  `velos cassandra start` or .ci/run), else starts one with velos.cassandra_node and stops it
  at the end of the session.
- ``spark`` (session, conftest.py): velos.spark.get_session() under the run's VELOS_HOME.
- ``marts`` (session): real Spark tables with known rows in the schema ``cass_test_marts``
  (the four answer marts and a small fct_order_lines) and a 300,000-row fct_order_lines in
  ``cass_test_big``, through velos.spark.get_session() (so under the run's VELOS_HOME).
- ``auth_node`` (module): a second, secured node on ports 9142/7100 (PasswordAuthenticator,
  and TLS with a self-signed certificate, optional so plain sessions work too).
"""

from __future__ import annotations

import dataclasses
import decimal
import logging
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from loaders.cassandra import current_counts, current_load_ids, load_marts, read_current
from loaders.marts import TABLES, select
from velos import cassandra_node
from velos import settings as velos_settings
from velos.errors import VelosError

pytestmark = pytest.mark.cassandra

SMALL = "cass_test_marts"
BIG = "cass_test_big"
BIG_ROWS = 300_000
AUTH_PORT, AUTH_STORAGE_PORT = 9142, 7100


# -- data ---------------------------------------------------------------------------------------
def order_lines_sql(rows: int) -> str:
    """Synthetic fct_order_lines rows (customers have ~30 lines each)."""
    return f"""
        select
            cast(floor(id / 3) + 1 as bigint) as order_id,
            cast(id % 3 + 1 as int) as order_line,
            date_add(date'2011-01-01', cast(floor(id / 3) % 1800 as int)) as order_date,
            cast(date_format(date_add(date'2011-01-01', cast(floor(id / 3) % 1800 as int)),
                 'yyyyMMdd') as int) as date_id,
            cast(pmod(hash(floor(id / 3)), {max(rows // 30, 1)}) + 1 as bigint) as customer_id,
            cast(pmod(hash(id), 97) + 1 as bigint) as bike_id,
            cast(pmod(hash(floor(id / 3)), 30) + 1 as bigint) as bikeshop_id,
            cast(pmod(hash(id, 7), 5) + 1 as int) as quantity,
            cast((1000 + pmod(hash(id), 9000)) / 100 as decimal(18, 2)) as unit_price,
            cast((pmod(hash(id, 7), 5) + 1) * (1000 + pmod(hash(id), 9000)) / 100
                 as decimal(18, 2)) as total_amount
        from range({rows})
    """


SMALL_MARTS = {
    "top_model_by_store": """
        select * from values
            (1L, 'Vélo Ville', 'Austin', 'TX', 'Scalpel 29 Carbon Race', 120L,
             cast(123456.78 as decimal(18,2)), 0.25D),
            (2L, 'Bike "Shop"; Ltd', 'Dallas', 'TX', 'Trigger Carbon 1', 80L,
             cast(null as decimal(18,2)), 0.5D),
            (3L, 'Pedal Co', 'Denver', 'CO', 'CAAD12 Red', 5L, cast(0 as decimal(18,2)), 1.0D)
        as t(bikeshop_id, bikeshop_name, city, state, model, units, revenue,
             share_of_store_units)
    """,
    "purchases_by_city": """
        select * from values
            ('Trigger Carbon 1', 'Austin', 'TX', 10L, 3L, cast(12000.5 as decimal(18,2)), 0.5D),
            ('CAAD12 Red', 'Austin', 'TX', 10L, 2L, cast(9000 as decimal(18,2)), 0.5D),
            ('Scalpel', 'Dallas', 'TX', 7L, 7L, cast(700.1 as decimal(18,2)), 1.0D),
            ('Synapse', 'Denver', 'CO', 3L, 1L, cast(-1.25 as decimal(18,2)), 1.0D)
        as t(model, city, state, units, order_lines, revenue, share_of_city_units)
    """,
    # int-typed counts on purpose: the loader must cast them to Cassandra bigint losslessly
    "purchases_by_gender": """
        select * from values
            ('Trigger Carbon 1', 'Mountain', 'Trail', 'F', 5, 2, 2, cast(5000 as decimal(18,2))),
            ('Trigger Carbon 1', 'Mountain', 'Trail', 'M', 7, 3, 3, cast(7000 as decimal(18,2))),
            ('Trigger Carbon 1', 'Mountain', 'Trail', 'U', 1, 1, 1, cast(1000 as decimal(18,2))),
            ('CAAD12 Red', 'Road', cast(null as string), 'F', 2, 2, 1, cast(1.5 as decimal(18,2)))
        as t(model, category1, category2, gender, units, order_lines, customers, revenue)
    """,
    "model_city_histogram": """
        select * from values
            ('Trigger Carbon 1', 'Austin', 'TX', 10L, 0.625D, 1L),
            ('Trigger Carbon 1', 'Dallas', 'TX', 6L, 0.375D, 2L),
            ('CAAD12 Red', 'Austin', 'TX', 10L, 1.0D, 1L),
            ('Tie Model', 'A', 'TX', 1L, 0.5D, 1L),
            ('Tie Model', 'B', 'TX', 1L, 0.5D, 1L)
        as t(model, city, state, units, share_of_model_units, rank_in_model)
    """,
    # the outputs of velos segment; int segment ids as Spark writes them (cast to bigint)
    "customer_segments": """
        select * from values
            (11L, 0, 0.5D, 'v0001'), (12L, 0, 1.25D, 'v0001'), (13L, 1, 0.0D, 'v0001')
        as t(customer_id, segment_id, distance_to_centre, model_version)
    """,
    "store_segments": """
        select * from values (1L, 0, 2.5D, 'v0001'), (2L, 1, 0.75D, 'v0001')
        as t(bikeshop_id, segment_id, distance_to_centre, model_version)
    """,
    "segment_profiles": """
        select * from values
            ('customer', 0, 'High Road (Elite Road), Carbon', 2L, 0.6667D, 9L, 'Road', 0.9D,
             'Elite Road', 0.5D, 'Carbon', 0.8D, 'High', 0.7D, 5975.5D, 0.5D, 0.5D, 41.5D,
             '35-44', 'v0001'),
            ('store', 0, 'Entry mixed, Aluminum', 1L, 0.5D, 4L, 'Mountain', 0.55D, 'Trail',
             0.3D, 'Aluminum', 0.6D, 'Entry', 0.9D, 1200.0D, cast(null as double),
             cast(null as double), cast(null as double), cast(null as string), 'v0001')
        as t(segment_kind, segment_id, segment_label, members, share_of_members, units,
             dominant_category1, dominant_category1_share, dominant_category2,
             dominant_category2_share, dominant_frame, dominant_frame_share,
             dominant_price_tier, dominant_price_tier_share, mean_price_paid, female_share,
             male_share, mean_age, dominant_age_band, model_version)
    """,
    "demand_forecast": """
        select * from values
            ('Trail', date'2016-01-01', 31.5D, 20.25D, 48.0D, 'v0001'),
            ('Trail', date'2016-02-01', 35.0D, 22.5D, 54.5D, 'v0001'),
            ('Elite Road', date'2016-01-01', 12.0D, 7.75D, 18.5D, 'v0001')
        as t(category2, month_start_date, predicted_units, lower_units, upper_units,
             model_version)
    """,
}


@pytest.fixture(scope="session")
def marts(spark: Any) -> dict[str, str]:
    spark.sql(f"create database if not exists {SMALL}")
    for name, sql in SMALL_MARTS.items():
        spark.sql(f"create or replace table {SMALL}.{name} using delta as {sql}")
    spark.sql(
        f"create or replace table {SMALL}.fct_order_lines using delta as {order_lines_sql(3000)}"
    )
    return {"small": SMALL}


@pytest.fixture(scope="session")
def big_mart(spark: Any, marts: dict[str, str]) -> str:
    spark.sql(f"create database if not exists {BIG}")
    spark.sql(
        f"create or replace table {BIG}.top_model_by_store using delta as "
        f"select * from {SMALL}.top_model_by_store"
    )
    spark.sql(
        f"create or replace table {BIG}.fct_order_lines using delta as {order_lines_sql(BIG_ROWS)}"
    )
    return BIG


def settings_for(keyspace: str, **changes: Any) -> velos_settings.Settings:
    values: dict[str, Any] = {
        "cassandra_hosts": ["127.0.0.1"],
        "cassandra_keyspace": keyspace,
        "cassandra_replication": "SimpleStrategy:1",
        "cassandra_consistency": "ONE",
        "cassandra_user": None,
        "cassandra_password": None,
    }
    values.update(changes)
    return dataclasses.replace(velos_settings.load(), **values)


@pytest.fixture(scope="session")
def node() -> Any:
    settings = velos_settings.load()
    started = None
    if cassandra_node.query_ok("127.0.0.1", settings.cassandra_port) is None:
        started = cassandra_node.start(settings)
    yield settings
    if started is not None:
        cassandra_node.stop(settings)


# -- comparing Cassandra with the mart --------------------------------------------------------
def _norm(value: Any) -> Any:
    if hasattr(value, "days_from_epoch"):  # cassandra.util.Date
        return value.date()
    if isinstance(value, decimal.Decimal):
        return value.normalize()
    return value


def mart_rows(spark: Any, schema: str, table: str) -> Counter[tuple[Any, ...]]:
    spec = select([table])[0]
    frame = spark.table(f"{schema}.{spec.mart}").select(*spec.names)
    return Counter(tuple(_norm(v) for v in row.values()) for row in frame.toArrow().to_pylist())


def cassandra_rows(settings: Any, table: str) -> Counter[tuple[Any, ...]]:
    spec = select([table])[0]
    _load_id, rows = read_current(settings, spec.table)
    return Counter(tuple(_norm(row[name]) for name in spec.names) for row in rows)


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


def test_node_start_without_jars_says_make_jars(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VELOS_JARS", str(tmp_path / "jars"))
    settings = dataclasses.replace(
        velos_settings.load(), home=tmp_path, project_dir=tmp_path, cassandra_port=9199
    )
    with pytest.raises(VelosError, match="run `make jars`"):
        cassandra_node.start(settings, storage_port=7199)


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
    cluster = Cluster(["127.0.0.1"], port=node.cassandra_port)
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
    with pytest.raises(VelosError, match="verification of top_model_by_store failed") as info:
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
    handle = cassandra_node.node_for(node)
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
    with pytest.raises(VelosError) as info:
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
        ({"cassandra_hosts": ["127.0.0.2"], "cassandra_port": 9042}, r"127\.0\.0\.2:9042"),
        ({"cassandra_port": 9}, r"127\.0\.0\.1:9 .*(refused|did not answer)"),
    ],
    ids=["unreachable-host", "wrong-port"],
)
def test_bad_configuration_fails_fast_and_clearly(
    node: Any, marts: dict[str, str], spark: Any, changes: dict[str, Any], expected: str
) -> None:
    settings = settings_for("velos_test_bad", **changes)
    started = time.monotonic()
    with pytest.raises(VelosError, match=expected) as info:
        load_marts(spark, settings, source_schema=SMALL, progress=False)
    assert time.monotonic() - started < 15
    assert "Traceback" not in str(info.value)


# -- auth ---------------------------------------------------------------------------------------
SECRET = "Not-The-Password-42"


@pytest.fixture(scope="module")
def auth_node() -> Any:
    settings = velos_settings.load()
    started = time.monotonic()
    cassandra_node.start(settings, auth=True, native_port=AUTH_PORT, storage_port=AUTH_STORAGE_PORT)
    print(f"\nauth node ready in {time.monotonic() - started:.1f}s")
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster

    cluster = Cluster(
        ["127.0.0.1"],
        port=AUTH_PORT,
        auth_provider=PlainTextAuthProvider(*cassandra_node.DEV_SUPERUSER),
    )
    session = cluster.connect()
    session.execute(
        "CREATE ROLE IF NOT EXISTS velos_nobody WITH LOGIN = true AND PASSWORD = 'nobody-pass'"
    )
    session.execute(
        "CREATE ROLE IF NOT EXISTS velos_loader WITH LOGIN = true AND PASSWORD = 'loader-pass'"
    )
    yield session
    cluster.shutdown()
    cassandra_node.stop(settings, auth=True, native_port=AUTH_PORT, storage_port=AUTH_STORAGE_PORT)


def auth_settings(user: str | None, password: str | None) -> Any:
    return settings_for(
        "velos_auth", cassandra_port=AUTH_PORT, cassandra_user=user, cassandra_password=password
    )


def test_wrong_password_is_clear_and_never_shown(
    auth_node: Any,
    marts: dict[str, str],
    spark: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(VelosError, match="wrong user name or password") as info:
        load_marts(spark, auth_settings("velos_loader", SECRET), source_schema=SMALL)
    assert time.monotonic() - started < 15
    out, err = capsys.readouterr()
    everything = "\n".join([str(info.value), caplog.text, out, err, repr(info.value.args)])
    assert SECRET not in everything
    assert "velos_loader" not in str(info.value)


def test_no_credentials_on_an_auth_node_asks_for_them(
    auth_node: Any, marts: dict[str, str], spark: Any
) -> None:
    with pytest.raises(VelosError, match="set CASSANDRA_USER and CASSANDRA_PASSWORD"):
        load_marts(spark, auth_settings(None, None), source_schema=SMALL, progress=False)


def test_missing_keyspace_permission_then_granted(
    auth_node: Any,
    marts: dict[str, str],
    spark: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = auth_settings(*cassandra_node.DEV_SUPERUSER)
    # the admin creates the keyspace once (a loader role is not allowed to)
    load_marts(spark, admin, tables=["purchases_by_city"], source_schema=SMALL, progress=False)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(VelosError, match="lacks a permission on keyspace 'velos_auth'") as info:
        load_marts(
            spark,
            auth_settings("velos_nobody", "nobody-pass"),
            source_schema=SMALL,
            progress=False,
        )
    assert time.monotonic() - started < 15
    out, err = capsys.readouterr()
    assert "nobody-pass" not in "\n".join([str(info.value), caplog.text, out, err])
    assert "velos_nobody" not in str(info.value)

    auth_node.execute("GRANT SELECT ON KEYSPACE velos_auth TO velos_loader")
    auth_node.execute("GRANT MODIFY ON KEYSPACE velos_auth TO velos_loader")
    report = load_marts(
        spark,
        auth_settings("velos_loader", "loader-pass"),
        tables=["purchases_by_city"],
        source_schema=SMALL,
        progress=False,
    )
    assert report.tables[0].rows == 4


# -- TLS ----------------------------------------------------------------------------------------
def _auth_node_certificate() -> str:
    node = cassandra_node.node_for(
        velos_settings.load(), auth=True, native_port=AUTH_PORT, storage_port=AUTH_STORAGE_PORT
    )
    return str(cassandra_node.tls_certificate(node))


def test_tls_load_verifies_the_node_certificate(
    auth_node: Any, marts: dict[str, str], spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loaders.connection import connect, params_from

    monkeypatch.setenv("CASSANDRA_SSL_CA", _auth_node_certificate())
    admin = auth_settings(*cassandra_node.DEV_SUPERUSER)
    report = load_marts(
        spark, admin, tables=["purchases_by_city"], source_schema=SMALL, progress=False
    )
    assert report.tables[0].rows == 4

    # the node itself reports a session opened the loader's way as encrypted
    auth_node.execute(
        "CREATE ROLE IF NOT EXISTS velos_tls_probe WITH LOGIN = true AND PASSWORD = 'probe-pass'"
    )
    cluster, _session = connect(params_from(auth_settings("velos_tls_probe", "probe-pass")))
    try:
        clients = list(auth_node.execute("SELECT username, ssl_enabled FROM system_views.clients"))
    finally:
        cluster.shutdown()
    probe = [client.ssl_enabled for client in clients if client.username == "velos_tls_probe"]
    assert probe and all(probe)
    # the fixture's plain session works beside it: TLS is optional on this node
    assert any(client.username == "cassandra" and not client.ssl_enabled for client in clients)


def test_tls_with_an_unknown_certificate_is_refused_clearly(
    auth_node: Any,
    marts: dict[str, str],
    spark: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # a certificate of another (self-signed) authority: the node's must not pass for it
    other = tmp_path / "other.pem"
    cassandra_node.self_signed_certificate(tmp_path / "other.p12", other, "other-pass", "other")
    monkeypatch.setenv("CASSANDRA_SSL_CA", str(other))
    started = time.monotonic()
    with pytest.raises(
        VelosError, match=r"127\.0\.0\.1:9142 failed: the node.s certificate is not"
    ):
        load_marts(
            spark,
            auth_settings(*cassandra_node.DEV_SUPERUSER),
            source_schema=SMALL,
            progress=False,
        )
    assert time.monotonic() - started < 15
