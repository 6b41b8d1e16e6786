"""Which mart goes to which Cassandra table, and with which key (see loaders/schema.cql)."""

from __future__ import annotations

from dataclasses import dataclass

from loaders.errors import LoaderError

# Cassandra column type -> Spark types the mart may have for it (cast losslessly by Spark).
SPARK_TYPES = {
    "bigint": {"bigint", "int", "smallint", "tinyint"},
    "decimal": {"decimal"},
    "double": {"double", "float"},
    "text": {"string"},
    "date": {"date"},
}


@dataclass(frozen=True)
class TableSpec:
    """One mart and the query-first Cassandra table it is loaded into."""

    mart: str  # Spark table <source schema>.<mart>
    table: str  # Cassandra table
    columns: tuple[tuple[str, str], ...]  # (name, cassandra type), load_id excluded
    partition_key: tuple[str, ...]  # after load_id
    clustering: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # the writer groups rows by their leading columns: the partition key must come first
        assert self.names[: len(self.partition_key)] == self.partition_key, self.table

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def key(self) -> tuple[str, ...]:
        return self.partition_key + self.clustering


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        mart="top_model_by_store",
        table="top_model_by_store",
        columns=(
            ("bikeshop_id", "bigint"),
            ("bikeshop_name", "text"),
            ("city", "text"),
            ("state", "text"),
            ("model", "text"),
            ("units", "bigint"),
            ("revenue", "decimal"),
            ("share_of_store_units", "double"),
        ),
        partition_key=("bikeshop_id",),
    ),
    TableSpec(
        mart="purchases_by_city",
        table="purchases_by_city",
        columns=(
            ("state", "text"),
            ("city", "text"),
            ("units", "bigint"),
            ("model", "text"),
            ("order_lines", "bigint"),
            ("revenue", "decimal"),
            ("share_of_city_units", "double"),
        ),
        partition_key=("state", "city"),
        clustering=("units", "model"),
    ),
    TableSpec(
        mart="purchases_by_gender",
        table="purchases_by_gender",
        columns=(
            ("model", "text"),
            ("gender", "text"),
            ("category1", "text"),
            ("category2", "text"),
            ("units", "bigint"),
            ("order_lines", "bigint"),
            ("customers", "bigint"),
            ("revenue", "decimal"),
        ),
        partition_key=("model",),
        clustering=("gender",),
    ),
    TableSpec(
        mart="model_city_histogram",
        table="model_city_histogram",
        columns=(
            ("model", "text"),
            ("rank_in_model", "bigint"),
            ("state", "text"),
            ("city", "text"),
            ("units", "bigint"),
            ("share_of_model_units", "double"),
        ),
        partition_key=("model",),
        clustering=("rank_in_model", "state", "city"),
    ),
    TableSpec(
        mart="fct_order_lines",
        table="order_lines_by_customer",
        columns=(
            ("customer_id", "bigint"),
            ("order_date", "date"),
            ("order_id", "bigint"),
            ("order_line", "bigint"),
            ("date_id", "bigint"),
            ("bike_id", "bigint"),
            ("bikeshop_id", "bigint"),
            ("quantity", "bigint"),
            ("unit_price", "decimal"),
            ("total_amount", "decimal"),
        ),
        partition_key=("customer_id",),
        clustering=("order_date", "order_id", "order_line"),
    ),
    # the outputs of velos segment (velos/ml), written into the marts schema after the build
    TableSpec(
        mart="customer_segments",
        table="segment_by_customer",
        columns=(
            ("customer_id", "bigint"),
            ("segment_id", "bigint"),
            ("distance_to_centre", "double"),
            ("model_version", "text"),
        ),
        partition_key=("customer_id",),
    ),
    TableSpec(
        mart="customer_segments",
        table="customers_by_segment",
        columns=(
            ("segment_id", "bigint"),
            ("distance_to_centre", "double"),
            ("customer_id", "bigint"),
            ("model_version", "text"),
        ),
        partition_key=("segment_id",),
        clustering=("distance_to_centre", "customer_id"),
    ),
    TableSpec(
        mart="store_segments",
        table="segment_by_store",
        columns=(
            ("bikeshop_id", "bigint"),
            ("segment_id", "bigint"),
            ("distance_to_centre", "double"),
            ("model_version", "text"),
        ),
        partition_key=("bikeshop_id",),
    ),
    TableSpec(
        mart="segment_profiles",
        table="segment_profiles",
        columns=(
            ("segment_kind", "text"),
            ("segment_id", "bigint"),
            ("segment_label", "text"),
            ("members", "bigint"),
            ("share_of_members", "double"),
            ("units", "bigint"),
            ("dominant_category1", "text"),
            ("dominant_category1_share", "double"),
            ("dominant_category2", "text"),
            ("dominant_category2_share", "double"),
            ("dominant_frame", "text"),
            ("dominant_frame_share", "double"),
            ("dominant_price_tier", "text"),
            ("dominant_price_tier_share", "double"),
            ("mean_price_paid", "double"),
            ("female_share", "double"),
            ("male_share", "double"),
            ("mean_age", "double"),
            ("dominant_age_band", "text"),
            ("model_version", "text"),
        ),
        partition_key=("segment_kind",),
        clustering=("segment_id",),
    ),
    TableSpec(
        mart="demand_forecast",
        table="demand_forecast",
        columns=(
            ("category2", "text"),
            ("month_start_date", "date"),
            ("predicted_units", "double"),
            ("lower_units", "double"),
            ("upper_units", "double"),
            ("model_version", "text"),
        ),
        partition_key=("category2",),
        clustering=("month_start_date",),
    ),
)
# marts written by velos segment rather than dbt: absent until the segment step has run
SEGMENT_MARTS = frozenset(
    ("customer_segments", "store_segments", "segment_profiles", "demand_forecast")
)

BY_NAME = {spec.mart: spec for spec in TABLES} | {spec.table: spec for spec in TABLES}


def select(names: list[str] | tuple[str, ...] | None) -> list[TableSpec]:
    """The specs for mart (or Cassandra table) names; all of them when ``names`` is None."""
    if names is None:
        return list(TABLES)
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        known = ", ".join(spec.mart for spec in TABLES)
        raise LoaderError(f"unknown mart(s) {', '.join(unknown)}: choose among {known}")
    result: list[TableSpec] = []
    for name in names:  # a mart name selects every table loaded from it
        for spec in TABLES:
            if name in (spec.mart, spec.table) and spec not in result:
                result.append(spec)
    return result
