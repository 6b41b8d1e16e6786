"""Read what the report shows from the warehouse, as plain Python rows.

Spark I/O only: every function returns lists of dicts (or None for a table that is not
built), so the charts and the HTML never touch Spark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from velos.errors import VelosError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Row = dict[str, Any]
K = TypeVar("K")
V = TypeVar("V")

MARTS = (
    "purchases_by_gender",
    "purchases_by_city",
    "model_city_histogram",
    "top_model_by_store",
    "dim_bikeshops",
)
# a Delta table keeps no row order: each is read in the order the report shows
AUDIT_TABLES = {
    "audit_quality_scorecard": "table_order, column_name = 'row_reconciliation', "
    "column_name <> '*', dimension, column_name",
    "audit_row_reconciliation": "source_file",
}
# written by velos segment (velos/ml); the section is empty until they exist
SEGMENT_TABLES = {
    "profiles": "select * from marts.segment_profiles order by segment_kind, segment_id",
    "k_scores": "select * from marts.segment_k_scores order by segment_kind, k",
    "classifier": "select * from marts.classifier_metrics order by macro_f1 desc",
    "forecast_metrics": "select * from marts.forecast_metrics order by mape",
    "forecast_holdout": "select * from marts.forecast_holdout order by month_start_date, category2",
    "demand_forecast": "select * from marts.demand_forecast order by month_start_date, category2",
}


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows. Optional sections are None when their table is absent."""

    marts: dict[str, list[Row]]
    totals: Row
    audit: dict[str, list[Row] | None]
    segments: dict[str, list[Row]] | None


def _rows(spark: SparkSession, sql: str) -> list[Row]:
    return [row.asDict() for row in spark.sql(sql).collect()]


def _exists(spark: SparkSession, table: str) -> bool:
    return bool(spark.catalog.tableExists(table))


# Each read is a small query whose time is mostly the driver's (planning, Delta's snapshot),
# so several overlap well; the session is thread-safe, as dbt's threads use it too.
READ_THREADS = 4
TOTALS = """
    select
        count(*) as order_lines,
        coalesce(sum(quantity), 0) as units,
        coalesce(sum(total_amount), 0) as revenue,
        count(distinct customer_id) as customers,
        count(distinct bikeshop_id) as stores,
        count(distinct bike_id) as bikes,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from marts.fct_order_lines
"""


def read_report_data(spark: SparkSession) -> ReportData:
    """Read the marts (required), the audit tables and the segments (both optional)."""
    segment_tables = [sql.split(" from ")[1].split()[0] for sql in SEGMENT_TABLES.values()]
    tables = [f"marts.{name}" for name in MARTS] + [f"audit.{name}" for name in AUDIT_TABLES]
    with ThreadPoolExecutor(READ_THREADS) as pool:
        exists = _each(pool, lambda table: _exists(spark, table), tables + segment_tables)
        missing = [name for name in MARTS if not exists[f"marts.{name}"]]
        if missing:
            raise VelosError(
                "the report needs the marts, and these are not built: "
                + ", ".join(f"marts.{name}" for name in missing)
                + ". Build them first: `velos run` (or `dbt seed` then `dbt build`)."
            )
        queries = {("marts", name): f"select * from marts.{name}" for name in MARTS}
        queries["totals", ""] = TOTALS
        for name, order in AUDIT_TABLES.items():
            if exists[f"audit.{name}"]:
                queries["audit", name] = f"select * from audit.{name} order by {order}"
        # the segments, once velos segment has written every one of them
        if all(exists[table] for table in segment_tables):
            queries.update((("segments", name), sql) for name, sql in SEGMENT_TABLES.items())
        read = _each(pool, lambda key: _rows(spark, queries[key]), list(queries))
    sections: dict[str, dict[str, list[Row]]] = defaultdict(dict)
    for (section, name), rows in read.items():
        sections[section][name] = rows
    return ReportData(
        marts=sections["marts"],
        totals=sections["totals"][""][0],
        audit={name: sections["audit"].get(name) for name in AUDIT_TABLES},
        segments=sections.get("segments"),
    )


def _each(pool: ThreadPoolExecutor, read: Callable[[K], V], keys: list[K]) -> dict[K, V]:
    """``read`` of every key, on the pool's threads."""
    return dict(zip(keys, pool.map(read, keys), strict=True))
