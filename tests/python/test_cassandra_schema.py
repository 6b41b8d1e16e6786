"""Loader pieces that need no node: names, replication, schema text, serialization, checksum."""

from __future__ import annotations

import datetime
import decimal

import pyarrow as pa
import pytest

from loaders import columns, schema
from loaders.errors import LoaderError
from loaders.marts import TABLES, select


@pytest.mark.parametrize("name", ["velos", "v", "velos_prod_2", "a" * 48])
def test_valid_names(name: str) -> None:
    assert schema.check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "Velos", "1velos", "velos-prod", "velos; drop keyspace x", "a" * 49, "ks.t"]
)
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(LoaderError, match="invalid Cassandra keyspace name"):
        schema.check_name(name)


def test_replication_maps() -> None:
    assert schema.replication_map("SimpleStrategy:1") == {
        "class": "SimpleStrategy",
        "replication_factor": "1",
    }
    assert schema.replication_map("NetworkTopologyStrategy:dc1=3,dc2=2") == {
        "class": "NetworkTopologyStrategy",
        "dc1": "3",
        "dc2": "2",
    }


@pytest.mark.parametrize(
    "spec",
    ["", "SimpleStrategy", "SimpleStrategy:0", "SimpleStrategy:x", "NetworkTopologyStrategy:",
     "NetworkTopologyStrategy:dc1=3,dc'2=3", "EverywhereStrategy:1"],
)  # fmt: skip
def test_bad_replication_is_refused(spec: str) -> None:
    with pytest.raises(LoaderError, match="invalid CASSANDRA_REPLICATION"):
        schema.replication_map(spec)


def test_schema_statements_have_one_table_per_mart_plus_bookkeeping() -> None:
    statements = schema.statements("velos_x", schema.replication_map("SimpleStrategy:1"))
    assert statements[0].startswith("CREATE KEYSPACE IF NOT EXISTS velos_x")
    assert "'class': 'SimpleStrategy', 'replication_factor': '1'" in statements[0]
    tables = [s.split()[5].split(".")[1] for s in statements[1:]]
    assert tables == ["current_load", "loads", *(spec.table for spec in TABLES)]
    assert all("{" not in s.split("WITH replication")[0] for s in statements)


def test_unknown_mart_is_refused() -> None:
    with pytest.raises(LoaderError, match="unknown mart"):
        select(["purchases_by_planet"])


def test_column_serialization_matches_the_driver() -> None:
    from cassandra import cqltypes

    samples = {
        "bigint": (pa.array([0, -1, 2**62, None], pa.int64()), cqltypes.LongType),
        "double": (pa.array([0.25, -1e300, None, 3.0]), cqltypes.DoubleType),
        "text": (pa.array(["Vélo", "", None, 'a"b;']), cqltypes.UTF8Type),
        "date": (
            pa.array([datetime.date(2011, 1, 7), datetime.date(1969, 12, 31), None]),
            cqltypes.SimpleDateType,
        ),
        "decimal": (
            pa.array(
                [decimal.Decimal("123456.78"), decimal.Decimal("-0.01"), None,
                 decimal.Decimal("0.00"), decimal.Decimal("-128.00")],
                pa.decimal128(18, 2),
            ),
            cqltypes.DecimalType,
        ),
    }  # fmt: skip
    for cql_type, (array, driver_type) in samples.items():
        ours = columns.serialize(array, cql_type)
        for value, encoded in zip(array.to_pylist(), ours, strict=True):
            if value is None:
                assert encoded is None
                continue
            decoded = driver_type.deserialize(encoded, 5)
            if cql_type == "date":
                decoded = decoded.date()
            assert decoded == value, (cql_type, value, decoded)


def test_wire_bytes_read_back_decode_to_the_marts_types() -> None:
    """from_wire decodes what the driver itself encodes (an independent serializer)."""
    from cassandra import cqltypes

    d = decimal.Decimal
    samples = {
        "bigint": (pa.array([0, -1, 2**31 - 1, None, -(2**31)], pa.int32()), cqltypes.LongType),
        "double": (pa.array([0.25, -1e300, None, 3.0]), cqltypes.DoubleType),
        "text": (pa.array(["Vélo", "", None, 'a"b;']), cqltypes.UTF8Type),
        "date": (
            pa.array([datetime.date(2011, 1, 7), datetime.date(1969, 12, 31), None]),
            cqltypes.SimpleDateType,
        ),
        "decimal": (  # one- to eight-byte varints, signs, nulls
            pa.array([d("123456.78"), d("-0.01"), None, d("0.00"), d("-128.00"), d("1.28"),
                      d("-9999999999999999.99"), d("9999999999999999.99")],
                     pa.decimal128(18, 2)),
            cqltypes.DecimalType,
        ),
    }  # fmt: skip
    for cql_type, (array, driver_type) in samples.items():
        wire = [None if v is None else driver_type.serialize(v, 5) for v in array.to_pylist()]
        decoded = columns.from_wire(wire, cql_type, array.type)
        assert decoded.type == array.type
        assert decoded.to_pylist() == array.to_pylist(), cql_type

    # wider than 64 bits, or stored with another scale: the exact slow path
    wide = pa.array([d("12345678901234567890123.45"), d("-1.50")], pa.decimal128(38, 2))
    wire = [cqltypes.DecimalType.serialize(v, 5) for v in (wide[0].as_py(), d("-1.5"))]
    assert columns.from_wire(wire, "decimal", wide.type).to_pylist() == wide.to_pylist()

    with pytest.raises(ValueError, match="not 8 bytes"):
        columns.from_wire([b"\x00" * 4], "bigint", pa.int64())


def test_checksum_ignores_row_order_and_sees_every_change() -> None:
    types = ["bigint", "text", "decimal"]

    def table(rows: list[tuple]) -> list[pa.Array]:
        ids, names, amounts = zip(*rows, strict=True)
        return [
            pa.array(ids, pa.int64()),
            pa.array(names),
            pa.array([decimal.Decimal(a) for a in amounts], pa.decimal128(18, 2)),
        ]

    rows = [(1, "a", "1.50"), (2, "b", "2.00"), (3, None, "0.00")]
    base = columns.checksum(table(rows), types)
    assert base[0] == 3
    assert columns.checksum(table(rows[::-1]), types) == base
    assert columns.checksum(table([*rows, rows[0]]), types) != base  # a duplicate counts
    assert columns.checksum(table([(1, "a", "1.51"), *rows[1:]]), types) != base
    assert columns.checksum(table([(1, "b", "1.50"), (2, "a", "2.00"), rows[2]]), types) != base
