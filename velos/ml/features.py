"""From the feature tables to numeric columns a VectorAssembler can take.

The tables hold the business definitions (dbt); this module only reshapes them: a map of
shares becomes one column per key (absent key = share 0), the store x model rows become one
row per store with a column per model, and the mean price is put on a log scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from velos.errors import VelosError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# The purchase mix maps of customer_features, all used by the customer clustering.
MIX_COLUMNS = ("category1_shares", "category2_shares", "frame_shares", "price_tier_shares")
# Besides the mix: the log of the mean price paid (what separates high-end from budget buyers
# who buy the same categories). Spend, volume, recency, tenure and age are left out on purpose:
# they measure how much and when a customer buys, not what (see README, "Segments").
PRICE_COLUMN = "log_mean_price_paid"


@dataclass(frozen=True)
class FeatureFrame:
    """A frame with an id column and the numeric feature columns to assemble."""

    frame: DataFrame
    id_column: str
    feature_columns: tuple[str, ...]


def read_table(spark: SparkSession, schema: str, name: str) -> DataFrame:
    """The table ``schema.name``; a clear error when it is missing or empty."""
    table = f"{schema}.{name}"
    if not spark.catalog.tableExists(table):
        raise VelosError(
            f"segment: {table} does not exist; run `velos run` (its build step makes it) first."
        )
    frame = spark.table(table)
    if frame.isEmpty():
        raise VelosError(
            f"segment: {table} is empty: the export has no clean order lines to learn from "
            "(see audit.audit_rejected_rows)."
        )
    return frame


def _column_name(prefix: str, key: str) -> str:
    return f"{prefix}__{re.sub(r'[^0-9A-Za-z]+', '_', key).strip('_').lower()}"


def customer_feature_frame(features: DataFrame) -> FeatureFrame:
    """customer_features -> one numeric column per mix key, plus the log mean price paid.

    Keys are sorted, so the columns (and the fitted model's input) are the same on every run.
    Columns constant over every customer (e.g. a single category1) carry no information and
    are left out; when nothing varies, the clustering has nothing to separate.
    """
    from pyspark.sql import functions as F

    key_rows = features.select(
        *[F.array_sort(F.map_keys(column)).alias(column) for column in MIX_COLUMNS]
    ).agg(*[F.array_sort(F.array_distinct(F.flatten(F.collect_list(c)))).alias(c)
            for c in MIX_COLUMNS]).first()  # fmt: skip
    assert key_rows is not None
    selected = [F.col("customer_id")]
    names: list[str] = []
    for column in MIX_COLUMNS:
        for key in key_rows[column]:
            name = _column_name(column.removesuffix("_shares"), key)
            selected.append(F.coalesce(F.col(column)[key], F.lit(0.0)).alias(name))
            names.append(name)
    selected.append(F.log(F.col("mean_price_paid")).alias(PRICE_COLUMN))
    names.append(PRICE_COLUMN)
    frame = features.select(*selected)
    return FeatureFrame(frame, "customer_id", _varying(frame, names, "customer"))


def store_feature_frame(store_model_mix: DataFrame) -> FeatureFrame:
    """store_model_mix -> one row per store, one column per model (its share of the store)."""
    from pyspark.sql import functions as F

    bike_ids = sorted(
        row["bike_id"] for row in store_model_mix.select("bike_id").distinct().collect()
    )
    pivoted = (
        store_model_mix.groupBy("bikeshop_id")
        .pivot("bike_id", bike_ids)
        .agg(F.first("share_of_store_units"))
        .na.fill(0.0)
    )
    names = [f"model__{bike_id}" for bike_id in bike_ids]
    frame = pivoted.select(
        "bikeshop_id",
        *[F.col(f"`{bike_id}`").alias(name) for bike_id, name in zip(bike_ids, names, strict=True)],
    )
    return FeatureFrame(frame, "bikeshop_id", _varying(frame, names, "store"))


def _varying(frame: DataFrame, names: list[str], kind: str) -> tuple[str, ...]:
    """The columns of ``names`` that take more than one value in ``frame``."""
    from pyspark.sql import functions as F

    bounds = frame.agg(*[(F.max(n) - F.min(n)).alias(n) for n in names]).first()
    assert bounds is not None
    varying = tuple(name for name in names if (bounds[name] or 0.0) > 0.0)
    if not varying:
        raise VelosError(
            f"segment: every {kind} has the same purchase mix and price (a single category "
            "and model in the data?): there is nothing to segment."
        )
    return varying
