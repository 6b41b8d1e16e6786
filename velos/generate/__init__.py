"""Deterministic demo data in the client's export format: ``velos generate``.

Writes ``bikes.csv``, ``bikeshops.csv``, ``orders.csv`` and ``customers.csv`` (the input contract:
header line, unnamed 1-based index column in orders, M/D/YYYY dates, UTF-8, LF, no trailing
newline). The same seed gives the same bytes. Bikes (100), stores (30) and customers (3,000) are
fixed in number; ``order_lines`` scales the orders linearly, streamed to disk.

Customers belong to a latent segment (``high_end_road``, ``high_end_mountain``, ``budget_road``,
``budget_mixed``, ``multisport``) drawn from their gender, age and home store's profile; the
segment drives what they buy, except for a share ``off_segment_rate`` of order lines (default
0.25, so about a quarter of the units) whose model is drawn uniformly from the whole catalogue:
customers buy outside their segment, and a clustering must see through it. ``truth`` writes
``customer_id,segment``.

Defect catalogue of ``dirty=True``
----------------------------------
The dirty output is the clean output of the same seed plus injected defects. Every injected row
carries exactly one defect. Rules that quarantine or remove rows get EXTRA rows whose keys
nothing references (ids above the real maximum; foreign keys to ids that exist nowhere), so the
clean tables equal those of the clean run. Corrected and flagged defects modify existing rows.
The manifest lists, per file and kind, the outcome, the count and the physical line numbers
(header = line 1) of the injected or modified rows. In orders.csv the index column of a dirty
file is renumbered 1..n (it is a file artefact; duplicates differ from their original only there).

All four files:
  exact_duplicate   removed_duplicate  copy of a clean row, placed after it
  key_conflict      resolved_conflict  same key, other values, placed BEFORE the real row (the
                                       rule "last in file order wins" keeps the real row); lines
                                       are the losing variants. bikes: price + 100..500;
                                       bikeshops: name + " Annex"; customers: other last name;
                                       orders: another product id
  missing_key       quarantined        blank id (orders: blank order.id, order.line 1..n)
  malformed_line    quarantined        one field too few (even j) or too many (odd j)
orders.csv (extra orders use order ids above ``order_lines``):
  missing_required  quarantined        blank order.date / customer.id / product.id / quantity
  invalid_number    quarantined        quantity "two", "1.5e", "three", "x2"
  invalid_date      quarantined        "2013-13-45", "31/31/2012", "13/32/2014", "2014-00-10"
  quantity_out_of_range  quarantined   0, -1, 101, -4, 250, 1000
  order_date_out_of_range quarantined  12/31/2009, 1/1/2099, 7/4/1999, 6/15/2087, 1/1/1970
  unknown_bike      quarantined        product.id 9001, 9002, ...
  unknown_customer  quarantined        customer.id 90001, 90002, ...
  iso_date          corrected          an existing line's order.date written YYYY-MM-DD
bikes.csv (extra bikes use ids 101, 102, ...):
  missing_required  quarantined        blank model or price
  invalid_number    quarantined        price like "12,99o" (thousands comma, letter o; quoted)
  price_out_of_range quarantined       0, -1290, 100000, 250000, -5
  whitespace_or_case corrected         category1/category2/frame as "ROAD", "road", "  Road",
                                       "Road ", " road"
  missing_descriptive flagged          blank category2 or frame
bikeshops.csv (extra stores use ids 31, 32, ...):
  missing_required  quarantined        blank bikeshop.city
  whitespace_or_case corrected         state in lower case ("tx") or city padded (" Dallas ")
  coordinates_out_of_range flagged     lat/long swapped, longitude sign lost, Paris, London
customers.csv (extra customers use ids 3001, 3002, ... and have no orders):
  missing_required  quarantined        blank bikeshop.id
  unknown_bikeshop  quarantined        bikeshop.id 901, 902, ...
  gender_variant    corrected          Homme/male/h/" M "/m/Male, Femme/female/f/"F "/" F"/Female
  gender_missing    flagged            blank gender (-> U)
  missing_descriptive flagged          blank first.name, last.name or city
  birth_date_out_of_range flagged      born 1880..1910 or 2090..2099
  iso_date          corrected          birth.date or signup.date written YYYY-MM-DD

Counts per kind are drawn from the seed: 2-5 per kind in bikes.csv, 1-3 in bikeshops.csv, 4-20
in customers.csv and 5-25 in orders.csv.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from velos.errors import VelosError
from velos.generate import dirty as dirty_
from velos.generate.catalogue import build_bikes, build_shops
from velos.generate.model import (
    OFF_SEGMENT_RATE,
    SEGMENTS,
    Customer,
    build_customers,
    iter_order_lines,
    order_days,
    us_date,
)
from velos.generate.writer import Plan, write_table

HEADERS: dict[str, tuple[str, ...]] = {
    "bikes.csv": ("bike.id", "model", "category1", "category2", "frame", "price"),
    "bikeshops.csv": (
        "bikeshop.id",
        "bikeshop.name",
        "bikeshop.city",
        "bikeshop.state",
        "latitude",
        "longitude",
    ),
    "orders.csv": (
        "",
        "order.id",
        "order.line",
        "order.date",
        "customer.id",
        "product.id",
        "quantity",
    ),
    "customers.csv": (
        "customer.id",
        "first.name",
        "last.name",
        "gender",
        "birth.date",
        "city",
        "state",
        "signup.date",
        "bikeshop.id",
    ),
}
FILES: tuple[str, ...] = tuple(HEADERS)

__all__ = ["FILES", "HEADERS", "SEGMENTS", "generate"]


def generate(
    out: Path,
    *,
    order_lines: int = 15_000,
    seed: int = 42,
    truth: Path | None = None,
    dirty: bool = False,
    manifest: Path | None = None,
    progress: bool = True,
    off_segment_rate: float = OFF_SEGMENT_RATE,
) -> dict[str, int]:
    """Write the four export files into ``out`` and return the data-row count of each file.

    ``truth`` (optional) receives ``customer_id,segment``. With ``dirty`` the defect catalogue
    of this module is injected and a manifest JSON is written to ``manifest`` (default
    ``out/manifest.json``). ``off_segment_rate`` is the share of order lines bought outside
    the customer's segment (0..1). ``progress`` prints one line per file (rows, seconds) to stderr.
    Raises VelosError for an impossible request (too few lines, unwritable folder).
    """
    if order_lines < 1:
        raise VelosError(f"--order-lines must be at least 1 (got {order_lines}).")
    if not 0.0 <= off_segment_rate <= 1.0:
        raise VelosError(f"--off-segment-rate must be between 0 and 1 (got {off_segment_rate}).")
    if dirty and order_lines < dirty_.MIN_DIRTY_ORDER_LINES:
        raise VelosError(
            f"--dirty needs at least {dirty_.MIN_DIRTY_ORDER_LINES} order lines "
            f"(got {order_lines}); raise --order-lines."
        )
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VelosError(f"Cannot create the output folder {out}: {exc.strerror}.") from exc

    bikes = build_bikes()
    shops = build_shops()
    customers = build_customers(random.Random(f"{seed}:customers"), shops)
    tables: dict[str, list[list[str]]] = {
        "bikes.csv": [
            [str(b.bike_id), b.model, b.category1, b.category2, b.frame, str(b.price)]
            for b in bikes
        ],
        "bikeshops.csv": [
            [str(s.bikeshop_id), s.name, s.city, s.state, s.latitude, s.longitude] for s in shops
        ],
        "customers.csv": [
            [
                str(c.customer_id),
                c.first_name,
                c.last_name,
                c.gender,
                us_date(c.birth_date),
                c.city,
                c.state,
                us_date(c.signup_date),
                str(c.bikeshop_id),
            ]
            for c in customers
        ],
    }
    specs = {
        "bikes.csv": lambda: dirty_.bikes_defects(tables["bikes.csv"]),
        "bikeshops.csv": lambda: dirty_.bikeshops_defects(tables["bikeshops.csv"]),
        "customers.csv": lambda: dirty_.customers_defects(tables["customers.csv"]),
        "orders.csv": lambda: dirty_.orders_defects(
            order_lines, len(customers), len(bikes), [us_date(day) for day in order_days()]
        ),
    }

    counts: dict[str, int] = {}
    defects: list[dict[str, Any]] = []
    for name in FILES:
        started = time.perf_counter()
        if name == "orders.csv":
            order_rng = random.Random(f"{seed}:orders")
            rows: Iterable[Sequence[object]] = iter_order_lines(
                order_rng, order_lines, customers, bikes, off_segment_rate
            )
            n_rows = order_lines
        else:
            rows = tables[name]
            n_rows = len(tables[name])
        plan: Plan | None = None
        if dirty:
            plan, expected = dirty_.build_plan(random.Random(f"{seed}:dirty:{name}"), specs[name]())
        try:
            written, injected = write_table(
                out / name,
                HEADERS[name],
                rows,
                index=name == "orders.csv",
                n_rows=n_rows,
                plan=plan,
            )
        except OSError as exc:
            raise VelosError(f"Cannot write {out / name}: {exc.strerror}.") from exc
        counts[name] = written
        if dirty:
            for kind, outcome in dirty_.KINDS[name]:
                lines = sorted(injected.get(kind, []))
                if len(lines) != expected[kind]:  # a bug, not a user error
                    raise RuntimeError(f"{name}: {kind} planned {expected[kind]}, wrote {lines}")
                defects.append(
                    {"file": name, "kind": kind, "outcome": outcome, "count": len(lines),
                     "lines": lines}
                )  # fmt: skip
        if progress:
            seconds = time.perf_counter() - started
            print(f"generate: {name:<14} {written:>10,} rows  {seconds:6.2f} s", file=sys.stderr)

    if truth is not None:
        _write_truth(Path(truth), customers)
    if dirty:
        path = Path(manifest) if manifest is not None else out / "manifest.json"
        document = {
            "seed": seed,
            "order_lines": order_lines,
            "files": {name: {"lines": counts[name]} for name in FILES},
            "defects": defects,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_manifest_json(document), encoding="utf-8")
        except OSError as exc:
            raise VelosError(f"Cannot write the manifest {path}: {exc.strerror}.") from exc
        if progress:
            total = sum(len(defect["lines"]) for defect in defects)
            print(f"generate: manifest {path} ({total} defects)", file=sys.stderr)
    return counts


def _write_truth(path: Path, customers: list[Customer]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_table(
            path,
            ("customer_id", "segment"),
            ([c.customer_id, SEGMENTS[c.segment]] for c in customers),
        )
    except OSError as exc:
        raise VelosError(f"Cannot write the truth file {path}: {exc.strerror}.") from exc


def _manifest_json(document: dict[str, Any]) -> str:
    """Indented JSON with one line per defect (line lists stay on one line)."""
    head = json.dumps({key: value for key, value in document.items() if key != "defects"},
                      indent=2)  # fmt: skip
    defects = ",\n".join(f"    {json.dumps(defect)}" for defect in document["defects"])
    return f'{head[:-2]},\n  "defects": [\n{defects}\n  ]\n}}\n'
