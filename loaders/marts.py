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
    for name in names:
        if BY_NAME[name] not in result:
            result.append(BY_NAME[name])
    return result
