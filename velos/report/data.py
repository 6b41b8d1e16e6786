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
        name: _rows(spark, f"select * from audit.{name} order by {order}")
        if _exists(spark, f"audit.{name}")
        else None
        for name, order in AUDIT_TABLES.items()
    }
    return ReportData(marts=marts, totals=totals, audit=audit, segments=_read_segments(spark))


def _read_segments(spark: SparkSession) -> dict[str, list[Row]] | None:
    """The outputs of velos segment, or None until every one of them is written."""
    tables = [sql.split(" from ")[1].split()[0] for sql in SEGMENT_TABLES.values()]
    if not all(_exists(spark, table) for table in tables):
        return None
    return {name: _rows(spark, sql) for name, sql in SEGMENT_TABLES.items()}
