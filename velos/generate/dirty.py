"""Defect injection for ``velos generate --dirty`` (the catalogue is documented in the package).

Each file gets its own random stream (``"<seed>:dirty:<file>"``), separate from the streams that
make the clean rows, so the clean rows of a dirty run are those of the clean run. Counts per kind
are drawn from that stream; every injected row carries exactly one defect.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from velos.generate.catalogue import LAST_NAMES
from velos.generate.writer import Injection, Plan, Row

REMOVED = "removed_duplicate"
RESOLVED = "resolved_conflict"
QUARANTINED = "quarantined"
CORRECTED = "corrected"
FLAGGED = "flagged"

_COMMON = (
    ("exact_duplicate", REMOVED),
    ("key_conflict", RESOLVED),
    ("missing_key", QUARANTINED),
    ("malformed_line", QUARANTINED),
)
# File -> (kind, outcome) in manifest order.
KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "bikes.csv": (
        *_COMMON,
        ("missing_required", QUARANTINED),
        ("invalid_number", QUARANTINED),
        ("price_out_of_range", QUARANTINED),
        ("whitespace_or_case", CORRECTED),
        ("missing_descriptive", FLAGGED),
    ),
    "bikeshops.csv": (
        *_COMMON,
        ("missing_required", QUARANTINED),
        ("whitespace_or_case", CORRECTED),
        ("coordinates_out_of_range", FLAGGED),
    ),
    "orders.csv": (
        *_COMMON,
        ("missing_required", QUARANTINED),
        ("invalid_number", QUARANTINED),
        ("invalid_date", QUARANTINED),
        ("quantity_out_of_range", QUARANTINED),
        ("order_date_out_of_range", QUARANTINED),
        ("unknown_bike", QUARANTINED),
        ("unknown_customer", QUARANTINED),
        ("iso_date", CORRECTED),
    ),
    "customers.csv": (
        *_COMMON,
        ("missing_required", QUARANTINED),
        ("unknown_bikeshop", QUARANTINED),
        ("gender_variant", CORRECTED),
        ("gender_missing", FLAGGED),
        ("missing_descriptive", FLAGGED),
        ("birth_date_out_of_range", FLAGGED),
        ("iso_date", CORRECTED),
    ),
}
# Inclusive range of the count of each kind, per file (small files get fewer).
COUNT_RANGES: dict[str, tuple[int, int]] = {
    "bikes.csv": (2, 5),
    "bikeshops.csv": (1, 3),
    "orders.csv": (5, 25),
    "customers.csv": (4, 20),
}
# Foreign keys that exist nowhere, not even among injected extra rows (those use max id + k).
UNKNOWN_BIKE_BASE = 9000
UNKNOWN_CUSTOMER_BASE = 90000
UNKNOWN_BIKESHOP_BASE = 900
MIN_DIRTY_ORDER_LINES = 100  # room for every targeted orders defect at the largest counts

# A modifier builds the transformation of a clean row (its random choices drawn at plan time).
Modifier = Callable[[random.Random, int], Callable[[Row], Row]]
# An extra-row maker returns a whole new row for the j-th injection of its kind.
Extra = Callable[[random.Random, int], Row]


@dataclass(frozen=True)
class FileDefects:
    """How to inject each kind into one file."""

    name: str
    n_rows: int
    rows: list[Row] | None  # the clean rows when small enough to hold; None for streamed orders
    conflict: Modifier
    modify: dict[str, Modifier]
    extra: dict[str, Extra]
    duplicate_max_delay: int


def build_plan(rng: random.Random, spec: FileDefects) -> tuple[Plan, dict[str, int]]:
    """Draw the counts and the positions of every defect of one file."""
    low, high = COUNT_RANGES[spec.name]
    kinds = [kind for kind, _ in KINDS[spec.name]]
    counts = {kind: rng.randint(low, high) for kind in kinds}
    targeted = [k for k in kinds if k in ("exact_duplicate", "key_conflict") or k in spec.modify]
    # Rows that get a duplicate, a conflicting variant or a modification are all distinct, so
    # no clean row is involved in two defects.
    targets = iter(rng.sample(range(spec.n_rows), sum(counts[k] for k in targeted)))
    plan = Plan()
    for kind in kinds:
        for j in range(counts[kind]):
            if kind == "exact_duplicate":
                i = next(targets)
                delay = rng.randint(0, min(spec.duplicate_max_delay, spec.n_rows - 1 - i))
                plan.after[i].append(Injection(kind, list, delay))
            elif kind == "key_conflict":
                i = next(targets)
                variant = spec.conflict(rng, j)
                if spec.rows is None:  # streamed: the losing variant goes right before the row
                    plan.before[i].append(Injection(kind, variant))
                else:  # anywhere before the real row, built from the known clean row
                    loser = variant(spec.rows[i])
                    plan.before[rng.randint(0, i)].append(Injection(kind, _constant(loser)))
            elif kind in spec.modify:
                plan.replace[next(targets)] = Injection(kind, spec.modify[kind](rng, j))
            else:
                row = spec.extra[kind](rng, j)
                plan.before[rng.randrange(spec.n_rows)].append(Injection(kind, _constant(row)))
    return plan, counts


def _constant(row: Row) -> Callable[[Row], Row]:
    return lambda _clean: row


def _malformed(row: Row, j: int) -> Row:
    """Too few fields on even j, too many on odd j."""
    return row[:-1] if j % 2 == 0 else [*row, row[-1]]


def _iso(us: str) -> str:
    month, day, year = (int(part) for part in us.split("/"))
    return date(year, month, day).isoformat()


def _with(row: Row, column: int, value: str) -> Row:
    new = list(row)
    new[column] = value
    return new


def _case_variant(style: int, value: str) -> str:
    """Stray spaces and/or wrong case; never the value itself (catalogue values are initcap)."""
    styles = (value.upper(), value.lower(), f"  {value}", f"{value} ", f" {value.lower()}")
    options = [option for option in styles if option != value]
    return options[style % len(options)]


def _distinct_sources(rows: list[Row]) -> Callable[[random.Random, int], Row]:
    """The j-th call returns a different clean row each time (so extras never repeat)."""
    order: list[int] = []

    def source(rng: random.Random, j: int) -> Row:
        if not order:
            order.extend(rng.sample(range(len(rows)), len(rows)))
        return rows[order[j % len(order)]]

    return source


def bikes_defects(rows: list[Row]) -> FileDefects:
    """bikes.csv: bike_id, model, category1, category2, frame, price."""
    next_id = iter(range(len(rows) + 1, len(rows) + 1000))
    source = _distinct_sources(rows)

    def fresh(rng: random.Random) -> Row:
        return _with(rng.choice(rows), 0, str(next(next_id)))

    def conflict(rng: random.Random, _j: int) -> Callable[[Row], Row]:
        bump = 100 * rng.randint(1, 5)
        return lambda row: _with(row, 5, str(int(row[5]) + bump))

    def case(rng: random.Random, _j: int) -> Callable[[Row], Row]:
        column = rng.choice((2, 3, 4))
        style = rng.randrange(5)
        return lambda row: _with(row, column, _case_variant(style, row[column]))

    def invalid_price(rng: random.Random, _j: int) -> Row:
        row = fresh(rng)
        text = f"{int(row[5]):,}"  # e.g. "12,990" -> "12,99o": a thousands comma and a letter
        return _with(row, 5, text[::-1].replace("0", "o", 1)[::-1])

    return FileDefects(
        name="bikes.csv",
        n_rows=len(rows),
        rows=rows,
        conflict=conflict,
        modify={
            "whitespace_or_case": case,
            "missing_descriptive": lambda _rng, j: lambda row: _with(row, 3 if j % 2 else 4, ""),
        },
        extra={
            "missing_key": lambda rng, j: _with(source(rng, j), 0, ""),
            "malformed_line": lambda rng, j: _malformed(fresh(rng), j),
            "missing_required": lambda rng, j: _with(fresh(rng), 1 if j % 2 == 0 else 5, ""),
            "invalid_number": invalid_price,
            "price_out_of_range": lambda rng, j: _with(
                fresh(rng), 5, ("0", "-1290", "100000", "250000", "-5")[j % 5]
            ),
        },
        duplicate_max_delay=len(rows),
    )


def bikeshops_defects(rows: list[Row]) -> FileDefects:
    """bikeshops.csv: bikeshop_id, bikeshop_name, bikeshop_city, bikeshop_state, lat, long."""
    next_id = iter(range(len(rows) + 1, len(rows) + 1000))
    source = _distinct_sources(rows)

    def fresh(rng: random.Random) -> Row:
        return _with(rng.choice(rows), 0, str(next(next_id)))

    def case(_rng: random.Random, j: int) -> Callable[[Row], Row]:
        if j % 2 == 0:
            return lambda row: _with(row, 3, row[3].lower())  # "tx"
        return lambda row: _with(row, 2, f" {row[2]} ")  # " Dallas "

    def coordinates(rng: random.Random, _j: int) -> Callable[[Row], Row]:
        style = rng.randrange(4)

        def move(row: Row) -> Row:
            lat, lon = row[4], row[5]
            pairs = (
                (lon, lat),  # swapped columns
                (lat, lon.lstrip("-")),  # lost minus sign: somewhere in Asia
                ("48.856613", "2.352222"),  # Paris
                ("51.507351", "-0.127758"),  # London
            )
            return [*row[:4], *pairs[style]]

        return move

    return FileDefects(
        name="bikeshops.csv",
        n_rows=len(rows),
        rows=rows,
        conflict=lambda _rng, _j: lambda row: _with(row, 1, f"{row[1]} Annex"),
        modify={"whitespace_or_case": case, "coordinates_out_of_range": coordinates},
        extra={
            "missing_key": lambda rng, j: _with(source(rng, j), 0, ""),
            "malformed_line": lambda rng, j: _malformed(fresh(rng), j),
            "missing_required": lambda rng, _j: _with(fresh(rng), 2, ""),
        },
        duplicate_max_delay=len(rows),
    )


_GENDER_VARIANTS = {
    "M": ("Homme", "male", "h", " M ", "m", "Male"),
    "F": ("Femme", "female", "f", "F ", " F", "Female"),
}


def customers_defects(rows: list[Row]) -> FileDefects:
    """customers.csv: customer_id, first, last, gender, birth, city, state, signup, bikeshop_id."""
    next_id = iter(range(len(rows) + 1, len(rows) + 1000))
    source = _distinct_sources(rows)

    def fresh(rng: random.Random) -> Row:
        return _with(rng.choice(rows), 0, str(next(next_id)))

    def conflict(rng: random.Random, _j: int) -> Callable[[Row], Row]:
        pick = rng.randrange(len(LAST_NAMES) - 1)
        return lambda row: _with(row, 2, [name for name in LAST_NAMES if name != row[2]][pick])

    def gender(rng: random.Random, _j: int) -> Callable[[Row], Row]:
        choice = rng.randrange(6)
        return lambda row: _with(row, 3, _GENDER_VARIANTS[row[3]][choice])

    def birth_out_of_range(rng: random.Random, j: int) -> Callable[[Row], Row]:
        # Older than 100 or born in the 2090s: out of range at any plausible "today".
        year = rng.randint(1880, 1910) if j % 2 == 0 else rng.randint(2090, 2099)
        text = f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{year}"
        return lambda row: _with(row, 4, text)

    return FileDefects(
        name="customers.csv",
        n_rows=len(rows),
        rows=rows,
        conflict=conflict,
        modify={
            "gender_variant": gender,
            "gender_missing": lambda _rng, _j: lambda row: _with(row, 3, ""),
            "missing_descriptive": lambda _rng, j: lambda row: _with(row, (1, 2, 5)[j % 3], ""),
            "birth_date_out_of_range": birth_out_of_range,
            "iso_date": lambda _rng, j: (
                lambda row: _with(row, 4 if j % 2 == 0 else 7, _iso(row[4 if j % 2 == 0 else 7]))
            ),
        },
        extra={
            "missing_key": lambda rng, j: _with(source(rng, j), 0, ""),
            "malformed_line": lambda rng, j: _malformed(fresh(rng), j),
            "missing_required": lambda rng, _j: _with(fresh(rng), 8, ""),
            "unknown_bikeshop": lambda rng, j: _with(
                fresh(rng), 8, str(UNKNOWN_BIKESHOP_BASE + 1 + j)
            ),
        },
        duplicate_max_delay=len(rows),
    )


def orders_defects(
    n_lines: int, n_customers: int, n_bikes: int, day_labels: list[str]
) -> FileDefects:
    """orders.csv (without the index column): order_id, order_line, date, customer, bike, qty.

    Extra orders get ids above ``n_lines``, which no real order reaches (an order has >= 1 line).
    """
    next_id = iter(range(n_lines + 1, n_lines + 100_000))

    def fresh(rng: random.Random) -> Row:
        return [
            str(next(next_id)),
            "1",
            rng.choice(day_labels),
            str(rng.randint(1, n_customers)),
            str(rng.randint(1, n_bikes)),
            str(rng.randint(1, 3)),
        ]

    def conflict(rng: random.Random, _j: int) -> Callable[[Row], Row]:
        shift = rng.randint(1, n_bikes - 1)
        return lambda row: _with(row, 4, str((int(row[4]) - 1 + shift) % n_bikes + 1))

    def missing_key(rng: random.Random, j: int) -> Row:
        row = fresh(rng)
        # Blank order id; the order line keeps these rows distinct from each other.
        return ["", str(j + 1), *row[2:]]

    return FileDefects(
        name="orders.csv",
        n_rows=n_lines,
        rows=None,
        conflict=conflict,
        modify={"iso_date": lambda _rng, _j: lambda row: _with(row, 2, _iso(row[2]))},
        extra={
            "missing_key": missing_key,
            "malformed_line": lambda rng, j: _malformed(fresh(rng), j),
            "missing_required": lambda rng, j: _with(fresh(rng), (2, 3, 4, 5)[j % 4], ""),
            "invalid_number": lambda rng, j: _with(
                fresh(rng), 5, ("two", "1.5e", "three", "x2")[j % 4]
            ),
            "invalid_date": lambda rng, j: _with(
                fresh(rng), 2, ("2013-13-45", "31/31/2012", "13/32/2014", "2014-00-10")[j % 4]
            ),
            "quantity_out_of_range": lambda rng, j: _with(
                fresh(rng), 5, ("0", "-1", "101", "-4", "250", "1000")[j % 6]
            ),
            "order_date_out_of_range": lambda rng, j: _with(
                fresh(rng),
                2,
                ("12/31/2009", "1/1/2099", "7/4/1999", "6/15/2087", "1/1/1970")[j % 5],
            ),
            "unknown_bike": lambda rng, j: _with(fresh(rng), 4, str(UNKNOWN_BIKE_BASE + 1 + j)),
            "unknown_customer": lambda rng, j: _with(
                fresh(rng), 3, str(UNKNOWN_CUSTOMER_BASE + 1 + j)
            ),
        },
        duplicate_max_delay=30,
    )
