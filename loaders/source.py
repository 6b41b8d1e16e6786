"""The Spark side of a load: read a mart typed for Cassandra, and stage a large one.

A mart's columns are selected in the order of its :class:`~loaders.marts.TableSpec` and cast
losslessly to the Cassandra types (``int`` to ``bigint``...); a missing column or a type that
cannot be cast fails with the mart, the column and what to do. A large mart is written by
Spark as Parquet (no shuffle); each writer process then reads the partitions whose key hashes
to its share (:func:`read_share`).
"""

from __future__ import annotations

import glob
import os
from typing import TYPE_CHECKING

from loaders import columns
from loaders.errors import LoaderError
from loaders.marts import SPARK_TYPES, TableSpec
from loaders.schema import check_name

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession


def mart_frame(spark: SparkSession, source_schema: str, spec: TableSpec) -> DataFrame:
    """The mart's columns, cast losslessly to the Cassandra types; clear errors otherwise."""
    from pyspark.sql import functions as F

    name = f"{check_name(source_schema, 'source schema')}.{spec.mart}"
    try:
        frame = spark.table(name)
        fields = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
    except Exception as exc:
        if "TABLE_OR_VIEW_NOT_FOUND" in str(exc) or "not found" in str(exc).lower():
            raise LoaderError(
                f"the mart {name} does not exist: build the marts first (`velos run` or "
                "`dbt build`)"
            ) from None
        raise LoaderError(f"cannot read the mart {name}: {str(exc).splitlines()[0]}") from None
    selected = []
    for column, cassandra_type in spec.columns:
        if column not in fields:
            raise LoaderError(
                f"the mart {name} has no column {column!r} (it has {', '.join(fields)}): "
                "rebuild the marts"
            )
        spark_type = fields[column].split("(")[0]
        if spark_type not in SPARK_TYPES[cassandra_type]:
            raise LoaderError(
                f"the mart {name} column {column!r} is {fields[column]}, but Cassandra stores "
                f"it as {cassandra_type}: fix the model's type"
            )
        casts = {"bigint": "bigint", "double": "double"}
        expr = F.col(column)
        if cassandra_type in casts and spark_type != casts[cassandra_type]:
            expr = expr.cast(casts[cassandra_type])
        selected.append(expr.alias(column))
    return frame.select(*selected)


def stage(frame: DataFrame, spec: TableSpec, directory: str) -> list[str]:
    """Have Spark write the mart's columns as Parquet files (no shuffle: workers split it)."""
    try:
        frame.write.mode("overwrite").parquet(directory)
    except Exception as exc:
        raise LoaderError(
            f"Spark could not stage the mart {spec.mart} in {directory}: {str(exc).splitlines()[0]}"
        ) from None
    return sorted(glob.glob(os.path.join(directory, "*.parquet")))


def read_share(spec: TableSpec, path: str, names: list[str], share: int, shares: int) -> pa.Table:
    """The rows of a staged file whose partition key hashes to ``share`` (of ``shares``)."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=names)
    if shares == 1 or table.num_rows == 0:
        return table
    types = dict(spec.columns)
    mixed = np.zeros(table.num_rows, dtype=np.uint64)
    for name in spec.partition_key:
        mixed = mixed + columns.value_hashes(table.column(name), types[name])
    mask = (mixed % np.uint64(shares)) == np.uint64(share)
    return table.filter(mask)
