"""Marts with known rows for the Cassandra tests, and reading back what a load left.

``create_marts`` writes the four answer marts and a small fct_order_lines into the schema
``cass_test_marts``; ``create_big_mart`` a 300,000-row fct_order_lines into ``cass_test_big``
(long enough a load to kill a node in the middle of it). Both through the tests' one Spark
session, so under the run's VELOS_HOME.
"""

from __future__ import annotations

import decimal
import uuid
from collections import Counter
from typing import Any

from loaders import CassandraConfig, current_load_ids, select
from loaders.connection import session as open_session
from loaders.publish import DATASET

SMALL = "cass_test_marts"
BIG = "cass_test_big"
BIG_ROWS = 300_000


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


def create_marts(spark: Any) -> str:
    spark.sql(f"create database if not exists {SMALL}")
    for name, sql in SMALL_MARTS.items():
        spark.sql(f"create or replace table {SMALL}.{name} using delta as {sql}")
    spark.sql(
        f"create or replace table {SMALL}.fct_order_lines using delta as {order_lines_sql(3000)}"
    )
    return SMALL


def create_big_mart(spark: Any) -> str:
    """Needs create_marts first (it copies its top_model_by_store)."""
    spark.sql(f"create database if not exists {BIG}")
    spark.sql(
        f"create or replace table {BIG}.top_model_by_store using delta as "
        f"select * from {SMALL}.top_model_by_store"
    )
    spark.sql(
        f"create or replace table {BIG}.fct_order_lines using delta as {order_lines_sql(BIG_ROWS)}"
    )
    return BIG


# -- reading what a load left (checks only: these scan tables with ALLOW FILTERING) ----------
def read_current(
    config: CassandraConfig, table: str
) -> tuple[uuid.UUID | None, list[dict[str, Any]]]:
    """All rows of ``table``'s current load (load_id left out)."""
    from cassandra.query import SimpleStatement

    spec = select([table])[0]
    with open_session(config) as session:
        pointer = session.execute(
            f"SELECT load_id FROM {config.keyspace}.current_load "
            "WHERE dataset = %s AND table_name = %s",
            (DATASET, spec.table),
        ).one()
        if pointer is None:
            return None, []
        statement = SimpleStatement(
            f"SELECT {', '.join(spec.names)} FROM {config.keyspace}.{spec.table} "
            "WHERE load_id = %s ALLOW FILTERING",
            fetch_size=5000,
        )
        rows = [
            dict(zip(spec.names, row, strict=True))
            for row in session.execute(statement, (pointer[0],), timeout=120)
        ]
        return pointer[0], rows


def current_counts(config: CassandraConfig) -> dict[str, int]:
    """Rows of each table's current load."""
    from cassandra.query import SimpleStatement

    counts: dict[str, int] = {}
    with open_session(config) as session:
        for table, load_id in sorted(current_load_ids(config).items()):
            statement = SimpleStatement(
                f"SELECT count(*) FROM {config.keyspace}.{table} WHERE load_id = %s ALLOW FILTERING"
            )
            counts[table] = session.execute(statement, (load_id,), timeout=120).one()[0]
    return counts


def load_statuses(config: CassandraConfig) -> dict[uuid.UUID, set[str]]:
    """The statuses in the loads history, per load_id."""
    statuses: dict[uuid.UUID, set[str]] = {}
    with open_session(config) as session:
        for load_id, status in session.execute(
            f"SELECT load_id, status FROM {config.keyspace}.loads WHERE dataset = %s",
            (DATASET,),
        ):
            statuses.setdefault(load_id, set()).add(status)
    return statuses


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
