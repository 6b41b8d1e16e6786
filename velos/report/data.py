"""Read what the report shows from the warehouse, as plain Python rows.

Spark I/O only: every function returns lists of dicts (or None for a table that is not
built), so the charts and the HTML never touch Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from velos.errors import VelosError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Row = dict[str, Any]

MARTS = (
    "purchases_by_gender",
    "purchases_by_city",
    "model_city_histogram",
    "top_model_by_store",
    "dim_bikeshops",
)
AUDIT_TABLES = ("audit_quality_scorecard", "audit_row_reconciliation")
SEGMENTS_TABLE = "marts.customer_segments"


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows. Optional sections are None when their table is absent."""

    marts: dict[str, list[Row]]
    totals: Row
    audit: dict[str, list[Row] | None]
    segments: list[Row] | None


def _rows(spark: SparkSession, sql: str) -> list[Row]:
    return [row.asDict() for row in spark.sql(sql).collect()]


def _exists(spark: SparkSession, table: str) -> bool:
    return bool(spark.catalog.tableExists(table))


def read_report_data(spark: SparkSession) -> ReportData:
    """Read the marts (required), the audit tables and the segments (both optional)."""
    missing = [name for name in MARTS if not _exists(spark, f"marts.{name}")]
    if missing:
        raise VelosError(
            "the report needs the marts, and these are not built: "
            + ", ".join(f"marts.{name}" for name in missing)
            + ". Build them first: `velos run` (or `dbt seed` then `dbt build`)."
        )
    marts = {name: _rows(spark, f"select * from marts.{name}") for name in MARTS}
    totals = _rows(
        spark,
        """
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
        """,
    )[0]
    audit = {
        name: _rows(spark, f"select * from audit.{name}")
        if _exists(spark, f"audit.{name}")
        else None
        for name in AUDIT_TABLES
    }
    segments = _read_segments(spark) if _exists(spark, SEGMENTS_TABLE) else None
    return ReportData(marts=marts, totals=totals, audit=audit, segments=segments)


def _read_segments(spark: SparkSession) -> list[Row]:
    """Customers per segment, from the clustering's output (column names vary by version)."""
    columns = spark.table(SEGMENTS_TABLE).columns
    candidates = ("segment", "segment_name", "segment_id")
    segment_column = next((name for name in candidates if name in columns), None)
    if segment_column is None:
        return [{"note": f"{SEGMENTS_TABLE} has no segment column (columns: {columns})"}]
    return _rows(
        spark,
        f"select `{segment_column}` as segment, count(*) as customers from {SEGMENTS_TABLE} "
        f"group by `{segment_column}` order by `{segment_column}`",
    )
