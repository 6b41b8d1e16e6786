"""Column-at-a-time work on Arrow arrays: CQL serialization and the verification checksum.

Doing this per column with numpy instead of per value through the driver is what keeps the
loader's Python side cheap (the driver's ``bind`` costs ~20 us per row of 10 columns).

Checksum: each value gets a 64-bit hash (splitmix64 of its bits; BLAKE2b for text), salted by
its column position; a row's hash mixes the sum of its columns' hashes; a table's checksum is
the sum of its rows' hashes mod 2**64, so row order does not matter and duplicates count. The
mart side hashes the Arrow data Spark produced. The read-back side selects every column as its
CQL wire bytes (``bigintAsBlob(col)``...: the driver then only cuts bytes, five times cheaper
than building Decimal and Date objects), decodes them column at a time into Arrow arrays of the
mart's types (``from_wire``) and hashes them with the same code.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

U64 = np.uint64
NULL_HASH = U64(0x6E756C6C6E756C6C)
GOLDEN = U64(0x9E3779B97F4A7C15)
_DATE_OFFSET = 2**31  # CQL date: unsigned days with the epoch at 2**31


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer, element-wise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> U64(30))
    x = x * U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> U64(27))
    x = x * U64(0x94D049BB133111EB)
    return x ^ (x >> U64(31))


def _valid(array: pa.Array) -> np.ndarray | None:
    if array.null_count == 0:
        return None
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _decimal_words(array: pa.Array) -> np.ndarray:
    """The 128-bit decimals of ``array`` as an (n, 2) uint64 array (low, high)."""
    buffer = array.buffers()[1]
    words = np.frombuffer(buffer, dtype="<u8").reshape(-1, 2)
    return words[array.offset : array.offset + len(array)]


def value_hashes(array: pa.Array, cql_type: str) -> np.ndarray:
    """64-bit hash of each value of ``array`` (nulls get NULL_HASH)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = len(array)
    if cql_type == "text":
        values = array.cast(pa.binary()).to_pylist()
        hashes = np.fromiter(
            (
                0
                if v is None
                else int.from_bytes(hashlib.blake2b(v, digest_size=8).digest(), "little")
                for v in values
            ),
            dtype=U64,
            count=n,
        )
    elif cql_type == "decimal":
        words = _decimal_words(array)
        scale = U64(array.type.scale)
        hashes = _mix(words[:, 0] ^ scale) ^ _mix(words[:, 1] + GOLDEN)
    elif cql_type == "double":
        filled = array.fill_null(0.0) if array.null_count else array
        hashes = _mix(np.asarray(filled.to_numpy(zero_copy_only=False), dtype="<f8").view(U64))
    elif cql_type in ("bigint", "date"):
        ints = array.cast(pa.int64()) if cql_type == "bigint" else array.cast(pa.int32())
        filled = ints.fill_null(0) if ints.null_count else ints
        hashes = _mix(np.asarray(filled.to_numpy(zero_copy_only=False)).astype("<i8").view(U64))
    else:  # pragma: no cover - every CQL type of the schema is handled above
        raise ValueError(f"no hash for CQL type {cql_type}")
    valid = _valid(array)
    if valid is not None:
        hashes = np.where(valid, hashes, NULL_HASH)
    return hashes


def checksum(arrays: Sequence[pa.Array], cql_types: Sequence[str]) -> tuple[int, int]:
    """(rows, checksum) of the rows formed by ``arrays`` (one per column, same length)."""
    if not arrays:
        return 0, 0
    n = len(arrays[0])
    total = np.zeros(n, dtype=U64)
    for position, (array, cql_type) in enumerate(zip(arrays, cql_types, strict=True)):
        salt = U64(((position + 1) * int(GOLDEN)) & 0xFFFFFFFFFFFFFFFF)
        total = total + _mix(value_hashes(array, cql_type) ^ salt)
    rows = _mix(total)
    return n, int(rows.sum(dtype=U64))


# -- CQL serialization -----------------------------------------------------------------------
def _split(data: bytes, width: int) -> list[bytes]:
    return [data[i : i + width] for i in range(0, len(data), width)]


def _varint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)


def serialize(array: pa.Array, cql_type: str, null: Any = None) -> list[Any]:
    """The CQL wire bytes of each value of ``array``; ``null`` stands for missing values."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if cql_type == "text":
        values = array.cast(pa.binary()).to_pylist()
    elif cql_type == "bigint":
        ints = array.cast(pa.int64())
        filled = ints.fill_null(0) if ints.null_count else ints
        data = np.asarray(filled.to_numpy(zero_copy_only=False)).astype(">i8").tobytes()
        values = _split(data, 8)
    elif cql_type == "double":
        filled = array.fill_null(0.0) if array.null_count else array
        data = np.asarray(filled.to_numpy(zero_copy_only=False)).astype(">f8").tobytes()
        values = _split(data, 8)
    elif cql_type == "date":
        days = pc.cast(array, pa.int32())
        filled = days.fill_null(0) if days.null_count else days
        shifted = np.asarray(filled.to_numpy(zero_copy_only=False)).astype("<i8") + _DATE_OFFSET
        values = _split(shifted.astype(">u4").tobytes(), 4)
    elif cql_type == "decimal":
        scale = struct.pack(">i", array.type.scale)
        words = _decimal_words(array)
        if array.type.precision <= 18:  # the unscaled value fits the low word
            values = [scale + _varint(v) for v in words[:, 0].view("<i8").tolist()]
        else:
            values = [
                scale + _varint(int.from_bytes(struct.pack("<QQ", lo, hi), "little", signed=True))
                for lo, hi in words.tolist()
            ]
    else:  # pragma: no cover
        raise ValueError(f"no serializer for CQL type {cql_type}")
    valid = _valid(array)
    if valid is not None:
        for index in np.flatnonzero(~valid).tolist():
            values[index] = null
    return values


# -- read-back: CQL wire bytes -> Arrow --------------------------------------------------------
_WIRE_DTYPES: dict[str, np.dtype[Any]] = {
    "bigint": np.dtype(">i8"),
    "double": np.dtype(">f8"),
    "date": np.dtype(">u4"),
}


def _null_mask(values: Sequence[bytes | None]) -> np.ndarray | None:
    if None not in values:
        return None
    return np.fromiter((v is None for v in values), dtype=bool, count=len(values))


def _varints(array: pa.Array) -> np.ndarray | None:
    """Big-endian two's-complement integers of 1 to 8 bytes, as int64; None if any is longer."""
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype="<i8")
    lengths = np.asarray(pc.binary_length(array).to_numpy(zero_copy_only=False), dtype=np.int64)
    if lengths.min() < 1 or lengths.max() > 8:
        return None
    offsets = np.frombuffer(array.buffers()[1], dtype="<i4")[array.offset : array.offset + n]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    # right-align each value in an 8-byte cell, then sign-extend into the unused bytes
    position = np.arange(8)
    used = position >= (8 - lengths[:, None])
    index = offsets[:, None] + lengths[:, None] - 8 + position
    cells = np.where(used, data[np.where(used, index, 0)], 0).astype(np.uint8)
    negative = data[offsets] >= 0x80
    cells[~used & negative[:, None]] = 0xFF
    return cells.view(">i8").reshape(-1).astype("<i8")


def _decimals(values: Sequence[bytes], arrow_type: pa.Decimal128Type) -> pa.Array:
    """CQL decimals (4-byte scale + varint) as Arrow decimal128 of the mart's scale."""
    blobs = pa.array(values, type=pa.binary())
    scale = struct.pack(">i", arrow_type.scale)
    same_scale = len(blobs) == 0 or pc.all(pc.equal(pc.binary_slice(blobs, 0, 4), scale)).as_py()
    unscaled = _varints(pc.binary_slice(blobs, 4, 1 << 30)) if same_scale else None
    if unscaled is None:  # rare: another scale or a value wider than 64 bits
        decoded = [
            Decimal(int.from_bytes(v[4:], "big", signed=True)).scaleb(
                -int.from_bytes(v[:4], "big", signed=True)
            )
            for v in values
        ]
        return pa.array(decoded, type=arrow_type)  # raises if a value does not fit the mart's type
    words = np.empty((len(unscaled), 2), dtype="<u8")
    words[:, 0] = unscaled.view("<u8")
    words[:, 1] = np.where(unscaled < 0, np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64(0))
    return pa.Array.from_buffers(arrow_type, len(unscaled), [None, pa.py_buffer(words.tobytes())])


def from_wire(values: Sequence[bytes | None], cql_type: str, arrow_type: pa.DataType) -> pa.Array:
    """Arrow array, typed like the mart's column, of values read back as CQL wire bytes."""
    mask = _null_mask(values)
    filled = cast(Sequence[bytes], values)  # no None in it when mask is None
    if mask is not None:  # stand-ins that decode cleanly; the mask restores the nulls
        if cql_type == "decimal":
            filler = struct.pack(">i", 0) + b"\x00"
        else:
            filler = bytes(_WIRE_DTYPES[cql_type].itemsize if cql_type in _WIRE_DTYPES else 0)
        filled = [filler if v is None else v for v in values]
    if cql_type == "text":
        array = pa.array(filled, type=pa.binary()).cast(arrow_type)
    elif cql_type == "decimal":
        array = _decimals(filled, arrow_type)
    elif cql_type in _WIRE_DTYPES:
        dtype = _WIRE_DTYPES[cql_type]
        data = b"".join(filled)
        if len(data) != dtype.itemsize * len(filled):
            raise ValueError(f"a {cql_type} read back is not {dtype.itemsize} bytes long")
        numbers = np.frombuffer(data, dtype=dtype)
        if cql_type == "date":  # unsigned days with the epoch at 2**31
            days = (numbers.astype("<i8") - _DATE_OFFSET).astype("<i4")
            array = pa.array(days).view(pa.date32())
        else:
            array = pa.array(numbers.astype(dtype.newbyteorder("<")))
        if array.type != arrow_type:
            array = array.cast(arrow_type)
    else:  # pragma: no cover
        raise ValueError(f"no wire decoder for CQL type {cql_type}")
    if mask is not None:
        array = pc.if_else(pa.array(mask), pa.scalar(None, type=arrow_type), array)
    return array


def partition_starts(arrays: Sequence[pa.Array], max_rows: int) -> list[int]:
    """Row indexes where a new statement starts: a partition key change, or ``max_rows``."""
    n = len(arrays[0]) if arrays else 0
    if n == 0:
        return []
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for array in arrays:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        differs = pc.not_equal(array.slice(1), array.slice(0, n - 1))
        change[1:] |= np.asarray(differs.fill_null(True).to_numpy(zero_copy_only=False))
    starts: list[int] = []
    bounds = [*np.flatnonzero(change).tolist(), n]
    for begin, end in itertools.pairwise(bounds):
        starts.extend(range(begin, end, max_rows))
    return starts


# -- running totals -----------------------------------------------------------------------------
MASK64 = (1 << 64) - 1


@dataclass
class ChunkResult:
    """Rows and checksum of a part of a table (see :func:`checksum`)."""

    rows: int = 0
    checksum: int = 0

    def add(self, other: ChunkResult) -> None:
        self.rows += other.rows
        self.checksum = (self.checksum + other.checksum) & MASK64


def checksum_text(value: int) -> str:
    return f"{value:016x}"


def without_gc(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` with Python's cyclic garbage collector paused.

    A chunk holds hundreds of thousands of row tuples at once; the collector would rescan them
    over and over (measured: 10 to 15% of the read-back's time) and none of them form cycles.
    Reference counting still frees everything as usual.
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper
