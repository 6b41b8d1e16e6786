"""segment_profiles: one row per segment (customers and stores), with a label derived by rule.

Every figure is aggregated from the feature tables (dbt) and the segments; nothing is typed in.

Label rule, for each segment:
    "<price tier> <category1>[ (<category2>)], <frame>"
- price tier: the price tier (dim_bikes.price_tier) with the most units in the segment;
- category1: the one with the most units when it has at least 60 % of them, else "mixed";
- category2: added in brackets when the top one has at least 40 % of the segment's units;
- frame: the frame with the most units.
Ties on units go to the name first in alphabetical order. Two segments of one kind that end
up with the same label get " #<segment_id>" appended, so labels are unique per kind.
Example: "Premium Road (Elite Road), Carbon", "Entry mixed, Aluminum".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import reduce
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CATEGORY1_MIN_SHARE = 0.6
CATEGORY2_MIN_SHARE = 0.4
DIMENSIONS = ("category1", "category2", "frame", "price_tier")

PROFILE_SCHEMA = (
    "segment_kind string, segment_id int, segment_label string, members bigint, "
    "share_of_members double, units bigint, dominant_category1 string, "
    "dominant_category1_share double, dominant_category2 string, "
    "dominant_category2_share double, dominant_frame string, dominant_frame_share double, "
    "dominant_price_tier string, dominant_price_tier_share double, mean_price_paid double, "
    "female_share double, male_share double, mean_age double, dominant_age_band string, "
    "model_version string"
)


def label(profile: dict[str, Any]) -> str:
    """The readable label of one profile, by the rule of this module's docstring."""
    category1 = (
        profile["dominant_category1"]
        if profile["dominant_category1_share"] >= CATEGORY1_MIN_SHARE
        else "mixed"
    )
    category2 = (
        f" ({profile['dominant_category2']})"
        if profile["dominant_category2_share"] >= CATEGORY2_MIN_SHARE
        else ""
    )
    return f"{profile['dominant_price_tier']} {category1}{category2}, {profile['dominant_frame']}"


def _unique_labels(profiles: list[dict[str, Any]]) -> None:
    counts = Counter(profile["segment_label"] for profile in profiles)
    for profile in profiles:
        if counts[profile["segment_label"]] > 1:
            profile["segment_label"] += f" #{profile['segment_id']}"


def _dominant(units_by_key: DataFrame) -> dict[tuple[int, str], tuple[str, float]]:
    """(segment_id, dimension) -> (key with the most units, its share of the segment's units)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    group = Window.partitionBy("segment_id", "dimension")
    ranked = units_by_key.select(
        "segment_id", "dimension", "key",
        (F.col("units") / F.sum("units").over(group)).alias("share"),
        F.row_number().over(group.orderBy(F.desc("units"), F.asc("key"))).alias("rank"),
    ).where("rank = 1")  # fmt: skip
    return {
        (row["segment_id"], row["dimension"]): (row["key"], float(row["share"]))
        for row in ranked.collect()
    }


def _demographics(members: DataFrame) -> dict[int, dict[str, Any]]:
    """Per segment: shares of women and men, mean age, the age band with the most members."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    base = members.groupBy("segment_id").agg(
        F.avg((F.col("gender") == "F").cast("double")).alias("female_share"),
        F.avg((F.col("gender") == "M").cast("double")).alias("male_share"),
        F.avg("age").alias("mean_age"),
    )
    bands = (
        members.groupBy("segment_id", "age_band").count()
        .select(
            "segment_id", "age_band",
            F.row_number().over(Window.partitionBy("segment_id")
                                .orderBy(F.desc("count"), F.asc("age_band"))).alias("rank"),
        ).where("rank = 1")
    )  # fmt: skip
    out: dict[int, dict[str, Any]] = {row["segment_id"]: row.asDict() for row in base.collect()}
    for row in bands.collect():
        out[row["segment_id"]]["dominant_age_band"] = row["age_band"]
    return out


def _profiles(
    kind: str,
    sizes: DataFrame,
    units_by_key: DataFrame,
    demographics: dict[int, dict[str, Any]],
    model_version: str,
) -> list[dict[str, Any]]:
    dominant = _dominant(units_by_key)
    total = sum(row["members"] for row in sizes.collect())
    profiles = []
    for row in sizes.orderBy("segment_id").collect():
        segment = row["segment_id"]
        profile: dict[str, Any] = {
            "segment_kind": kind,
            "segment_id": segment,
            "members": row["members"],
            "share_of_members": row["members"] / total,
            "units": row["units"],
            "mean_price_paid": float(row["revenue"]) / row["units"],
            "model_version": model_version,
        }
        for dimension in DIMENSIONS:
            key, share = dominant[(segment, dimension)]
            profile[f"dominant_{dimension}"] = key
            profile[f"dominant_{dimension}_share"] = share
        profile.update(
            {
                name: demographics.get(segment, {}).get(name)
                for name in ("female_share", "male_share", "mean_age", "dominant_age_band")
            }
        )
        profile["segment_label"] = label(profile)
        profiles.append(profile)
    _unique_labels(profiles)
    return profiles


def _stacked(parts: Iterable[DataFrame]) -> DataFrame:
    """One long frame (segment_id, dimension, key, units) from one frame per dimension."""
    return reduce(lambda stacked, part: stacked.unionByName(part), parts)


def customer_profiles(
    customer_features: DataFrame, customer_segments: DataFrame, model_version: str
) -> list[dict[str, Any]]:
    """Profiles of the customer segments, from customer_features."""
    from pyspark.sql import functions as F

    members = customer_features.join(customer_segments, "customer_id")
    sizes = members.groupBy("segment_id").agg(
        F.count("*").alias("members"),
        F.sum("units").alias("units"),
        F.sum("total_spend").alias("revenue"),
    )
    # a customer's units spread over each dimension's keys by its purchase-mix shares
    long = _stacked(
        members.select(
            "segment_id", F.lit(dimension).alias("dimension"), "units",
            F.explode(f"{dimension}_shares").alias("key", "share"),
        ).groupBy("segment_id", "dimension", "key").agg(
            F.sum(F.col("units") * F.col("share")).alias("units")
        )
        for dimension in DIMENSIONS
    )  # fmt: skip
    return _profiles("customer", sizes, long, _demographics(members), model_version)


def store_profiles(
    store_model_mix: DataFrame,
    store_segments: DataFrame,
    customer_features: DataFrame,
    model_version: str,
) -> list[dict[str, Any]]:
    """Profiles of the store segments: the stores' sales, and the customers they are home to."""
    from pyspark.sql import functions as F

    sales = store_model_mix.join(store_segments, "bikeshop_id")
    sizes = sales.groupBy("segment_id").agg(
        F.countDistinct("bikeshop_id").alias("members"),
        F.sum("units").alias("units"),
        F.sum("revenue").alias("revenue"),
    )
    long = _stacked(
        sales.groupBy("segment_id", F.lit(dimension).alias("dimension"),
                      F.col(dimension).alias("key")).agg(
            F.sum("units").cast("double").alias("units"))
        for dimension in DIMENSIONS
    )  # fmt: skip
    customers = customer_features.join(store_segments, "bikeshop_id")
    return _profiles("store", sizes, long, _demographics(customers), model_version)


def profiles_frame(spark: SparkSession, profiles: list[dict[str, Any]]) -> DataFrame:
    """The profiles as a DataFrame of segment_profiles' schema."""
    columns = [part.split()[0] for part in PROFILE_SCHEMA.split(", ")]
    return spark.createDataFrame(
        [tuple(profile[column] for column in columns) for profile in profiles], PROFILE_SCHEMA
    )
