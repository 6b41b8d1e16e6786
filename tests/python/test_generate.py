"""Tests of the demo-data generator (``velos generate``): no Spark, a few seconds in all."""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from velos.errors import VelosError
from velos.generate import FILES, HEADERS, generate

PROJECT_DIR = Path(__file__).resolve().parents[2]
REAL_EXPORT = PROJECT_DIR.parent / "shared" / "data" / "bike-sales"
US_DATE = re.compile(r"^(1[0-2]|[1-9])/(3[01]|[12][0-9]|[1-9])/(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
CATEGORY2 = {
    "Road": {"Elite Road", "Endurance Road", "Triathalon", "Cyclocross"},
    "Mountain": {"Cross Country Race", "Trail", "Over Mountain", "Sport", "Fat Bike"},
}
# Expected outcome of every kind, per file: the shared defect catalogue of the brief.
OUTCOMES = {
    "exact_duplicate": "removed_duplicate",
    "key_conflict": "resolved_conflict",
    "missing_key": "quarantined",
    "malformed_line": "quarantined",
    "missing_required": "quarantined",
    "invalid_number": "quarantined",
    "invalid_date": "quarantined",
    "quantity_out_of_range": "quarantined",
    "order_date_out_of_range": "quarantined",
    "unknown_bike": "quarantined",
    "unknown_customer": "quarantined",
    "price_out_of_range": "quarantined",
    "unknown_bikeshop": "quarantined",
    "iso_date": "corrected",
    "whitespace_or_case": "corrected",
    "gender_variant": "corrected",
    "missing_descriptive": "flagged",
    "coordinates_out_of_range": "flagged",
    "gender_missing": "flagged",
    "birth_date_out_of_range": "flagged",
}
GENDERS = {"homme": "M", "male": "M", "h": "M", "m": "M", "femme": "F", "female": "F", "f": "F"}


def read(path: Path) -> list[list[str]]:
    """Header and data rows, read with the csv module exactly as written."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def parse_date(text: str) -> date | None:
    """M/D/YYYY or YYYY-MM-DD, None if neither (or not a calendar date)."""
    for pattern, order in ((US_DATE, (2, 0, 1)), (ISO_DATE, (0, 1, 2))):
        match = pattern.match(text)
        if match:
            parts = [int(part) for part in match.groups()]
            try:
                return date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
    return None


def age_today(born: date) -> int:
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    counts = generate(out, truth=out / "truth.csv", progress=False)
    assert counts == {"bikes.csv": 100, "bikeshops.csv": 30, "orders.csv": 15_000,
                      "customers.csv": 3000}  # fmt: skip
    return out


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dirty")
    generate(out, dirty=True, progress=False)
    return out


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate(tmp_path / name, order_lines=3000, seed=seed, truth=tmp_path / f"{name}.csv",
                 dirty=name != "c", progress=False)  # fmt: skip
    for name in [*FILES, "manifest.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    generate(tmp_path / "a7", order_lines=3000, seed=7, progress=False)
    assert (tmp_path / "a7" / "orders.csv").read_bytes() != (
        tmp_path / "c" / "orders.csv"
    ).read_bytes()


def test_committed_seeds_regenerate_byte_for_byte(clean: Path) -> None:
    for name in FILES:
        committed = PROJECT_DIR / "seeds" / name
        assert committed.read_bytes() == (clean / name).read_bytes(), (
            f"seeds/{name} is stale: run `velos generate --out seeds`"
        )


# --- contract format -----------------------------------------------------------------------


def test_contract_format(clean: Path) -> None:
    for name in FILES:
        raw = (clean / name).read_bytes()
        text = raw.decode("utf-8")
        assert b"\r" not in raw
        assert not text.endswith("\n")
        lines = text.split("\n")
        assert lines[0] == ",".join(HEADERS[name])
        rows = read(clean / name)
        assert all(len(row) == len(HEADERS[name]) for row in rows)
        assert '"' not in text  # nothing in the clean files needs quoting
    assert read(clean / "orders.csv")[0][0] == ""
    orders = read(clean / "orders.csv")[1:]
    assert [row[0] for row in orders] == [str(i) for i in range(1, 15_001)]
    assert all(US_DATE.match(row[3]) for row in orders)
    customers = read(clean / "customers.csv")[1:]
    assert all(US_DATE.match(row[4]) and US_DATE.match(row[7]) for row in customers)
    # Dates are not zero padded, and single-digit months and days do occur.
    assert any(row[3].startswith("1/") for row in orders)
    assert not any(re.search(r"(^|/)0\d", row[3]) for row in orders)


def test_catalogue_stores_and_customers(clean: Path) -> None:
    bikes = read(clean / "bikes.csv")[1:]
    assert len({row[1] for row in bikes}) == 100
    assert {row[2] for row in bikes} == {"Road", "Mountain"}
    for row in bikes:
        assert row[3] in CATEGORY2[row[2]]
    assert {row[3] for row in bikes} == CATEGORY2["Road"] | CATEGORY2["Mountain"]
    assert {row[4] for row in bikes} == {"Carbon", "Aluminum"}
    prices = [int(row[5]) for row in bikes]
    assert 400 <= min(prices) <= 500 and 12_000 <= max(prices) <= 13_000

    shops = read(clean / "bikeshops.csv")[1:]
    assert len(shops) == 30 and len({row[2] for row in shops}) == 30
    for row in shops:
        assert 24.0 <= float(row[4]) <= 49.5 and -125.0 <= float(row[5]) <= -66.5
        assert re.fullmatch(r"[A-Z]{2}", row[3])

    customers = read(clean / "customers.csv")[1:]
    shop_of = {row[0]: row for row in shops}
    assert [row[0] for row in customers] == [str(i) for i in range(1, 3001)]
    assert {row[3] for row in customers} == {"F", "M"}
    text = (clean / "customers.csv").read_text(encoding="utf-8")
    assert "Séverine" in text or "Hélène" in text
    for row in customers:
        assert all(row) and not any("," in field or '"' in field for field in row)
        born, signup = parse_date(row[4]), parse_date(row[7])
        assert born and signup and 18 <= age_today(born) <= 90
        assert date(2010, 1, 1) <= signup <= date(2015, 12, 31)
        assert (signup - born).days >= 18 * 365  # adults when they sign up
        assert (row[5], row[6]) == (shop_of[row[8]][2], shop_of[row[8]][3])


def test_orders_integrity_ranges_and_shape(clean: Path) -> None:
    bikes = {row[0] for row in read(clean / "bikes.csv")[1:]}
    customers = {row[0] for row in read(clean / "customers.csv")[1:]}
    orders = read(clean / "orders.csv")[1:]
    per_order: dict[str, list[list[str]]] = defaultdict(list)
    for row in orders:
        assert row[5] in bikes and row[4] in customers
        assert 1 <= int(row[6]) <= 10
        assert date(2011, 1, 1) <= parse_date(row[3]) <= date(2015, 12, 31)  # type: ignore[operator]
        per_order[row[1]].append(row)
    assert list(per_order) == [str(i) for i in range(1, len(per_order) + 1)]
    dates = [parse_date(lines[0][3]) for lines in per_order.values()]
    assert dates == sorted(dates)  # type: ignore[type-var]
    for lines in per_order.values():
        assert [row[2] for row in lines] == [str(i) for i in range(1, len(lines) + 1)]
        assert len({(row[3], row[4]) for row in lines}) == 1  # one date, one customer
    assert 2.5 <= len(orders) / len(per_order) <= 5  # several lines per order
    quantities = Counter(int(row[6]) for row in orders)
    assert quantities[1] / len(orders) > 0.75 and quantities[10] > 0  # skewed to 1
    months = Counter(parse_date(row[3]).month for row in orders)  # type: ignore[union-attr]
    assert months[5] + months[6] > 1.8 * (months[12] + months[1])  # seasonality
    years = Counter(row[3][-4:] for row in orders)
    assert sorted(years) == ["2011", "2012", "2013", "2014", "2015"]


def test_segments_are_visible(clean: Path) -> None:
    bikes = {row[0]: row for row in read(clean / "bikes.csv")[1:]}
    gender = {row[0]: row[3] for row in read(clean / "customers.csv")[1:]}
    truth = dict(read(clean / "truth.csv")[1:])
    assert set(truth) == set(gender)
    units: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read(clean / "orders.csv")[1:]:
        bike, quantity = bikes[row[5]], int(row[6])
        for group in (truth[row[4]], gender[row[4]]):
            units[group][bike[2]] += quantity
            units[group]["revenue"] += quantity * int(bike[5])
            units[group]["units"] += quantity

    def road_share(group: str) -> float:
        return units[group]["Road"] / units[group]["units"]

    def mean_price(group: str) -> float:
        return units[group]["revenue"] / units[group]["units"]

    # a quarter of the lines are off-segment (uniform over the catalogue, 45 % Road models)
    assert road_share("high_end_road") > 0.75 and road_share("high_end_mountain") < 0.25
    assert mean_price("high_end_road") > 2.5 * mean_price("budget_road")
    assert road_share("F") - road_share("M") > 0.12  # the by-gender marts see a difference
    women = Counter(truth[c] for c, g in gender.items() if g == "F")
    men = Counter(truth[c] for c, g in gender.items() if g == "M")
    assert women["high_end_mountain"] * 2 < men["high_end_mountain"]
    assert women["budget_road"] > 1.5 * men["budget_road"]


def test_off_segment_rate_mixes_that_share_of_lines_from_the_whole_catalogue(
    tmp_path: Path,
) -> None:
    """The rate is what it says: a share r of lines is drawn uniformly from the catalogue.

    For any segment, its share of lines on Road models must then be
    (1 - r) x (the share with r = 0) + r x (the catalogue's share of Road models).
    """
    shares = {}
    for rate in (0.0, 0.25, 0.5):
        out = tmp_path / str(rate)
        generate(out, order_lines=60_000, truth=out / "truth.csv", off_segment_rate=rate,
                 progress=False)  # fmt: skip
        bikes = {row[0]: row[2] for row in read(out / "bikes.csv")[1:]}
        truth = dict(read(out / "truth.csv")[1:])
        lines: dict[str, Counter[str]] = defaultdict(Counter)
        for row in read(out / "orders.csv")[1:]:
            lines[truth[row[4]]][bikes[row[5]]] += 1
        shares[rate] = {
            segment: counts["Road"] / sum(counts.values()) for segment, counts in lines.items()
        }
    road_models = sum(category == "Road" for category in bikes.values()) / len(bikes)
    for rate in (0.25, 0.5):
        for segment, clean_share in shares[0.0].items():
            expected = (1 - rate) * clean_share + rate * road_models
            assert abs(shares[rate][segment] - expected) < 0.03, (rate, segment)
    assert shares[0.0]["high_end_mountain"] < 0.1 and shares[0.5]["high_end_mountain"] > 0.2
    with pytest.raises(VelosError, match="off-segment-rate"):
        generate(tmp_path / "bad", off_segment_rate=1.5, progress=False)


# --- scale ---------------------------------------------------------------------------------


def test_scale_is_linear(tmp_path: Path) -> None:
    seconds = {}
    for lines in (10_000, 40_000):
        started = time.perf_counter()
        counts = generate(tmp_path / str(lines), order_lines=lines, progress=False)
        seconds[lines] = time.perf_counter() - started
        assert counts["orders.csv"] == lines
        assert len(read(tmp_path / str(lines) / "orders.csv")) == lines + 1
    for name in ("bikes.csv", "bikeshops.csv", "customers.csv"):  # fixed-size tables
        assert (tmp_path / "10000" / name).read_bytes() == (tmp_path / "40000" / name).read_bytes()
    assert seconds[40_000] < 5  # ~0.2 s here; 1M lines take ~4 s (benchmarks/bench_generate.py)


def test_bad_requests_raise_velos_error(tmp_path: Path) -> None:
    with pytest.raises(VelosError, match="order-lines"):
        generate(tmp_path, order_lines=0, progress=False)
    with pytest.raises(VelosError, match="--dirty needs"):
        generate(tmp_path, order_lines=50, dirty=True, progress=False)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(VelosError, match="output folder"):
        generate(blocker / "sub", order_lines=10, progress=False)


# --- dirty mode ----------------------------------------------------------------------------


def _classify(dirty_dir: Path, clean_dir: Path) -> dict[str, dict[int, list[str]]]:
    """Independently find every defect of every line of the dirty files: {file: {line: kinds}}.

    Rules follow the brief's catalogue; file-order rules (duplicates, conflicts) are computed
    over the whole file. Foreign keys are checked against the clean run's key sets.
    """
    today = date.today()
    valid_ids = {name: {row[0] for row in read(clean_dir / name)[1:]} for name in FILES}
    found: dict[str, dict[int, list[str]]] = {}
    for name in FILES:
        header, *rows = read(dirty_dir / name)
        indexed = name == "orders.csv"
        defects: dict[int, list[str]] = defaultdict(list)
        content = [row[1:] if indexed else row for row in rows]
        key_width = 2 if indexed else 1
        last_of_key: dict[tuple[str, ...], tuple[str, ...]] = {}  # "last in file order wins"
        for row in content:
            if len(row) == len(header) - indexed:
                last_of_key[tuple(row[:key_width])] = tuple(row)
        seen: set[tuple[str, ...]] = set()
        for line, row in enumerate(content, start=2):
            kinds = defects[line]
            if len(row) != len(header) - indexed:
                kinds.append("malformed_line")
                continue
            if indexed:
                assert rows[line - 2][0] == str(line - 1)  # the index is renumbered
            if any(field == "" for field in row[:key_width]):
                kinds.append("missing_key")
                continue
            if tuple(row) in seen:
                kinds.append("exact_duplicate")
                continue
            seen.add(tuple(row))
            if last_of_key[tuple(row[:key_width])] != tuple(row):
                kinds.append("key_conflict")
            kinds.extend(_value_defects(name, row, valid_ids, today))
        found[name] = {line: kinds for line, kinds in defects.items() if kinds}
    return found


def _value_defects(name: str, row: list[str], ids: dict[str, set[str]], today: date) -> list[str]:
    kinds = []
    if name == "orders.csv":
        _oid, _line, order_date, customer, product, quantity = row
        if "" in (order_date, customer, product, quantity):
            return ["missing_required"]
        if not quantity.lstrip("-").isdigit():
            kinds.append("invalid_number")
        elif not 1 <= int(quantity) <= 100:
            kinds.append("quantity_out_of_range")
        parsed = parse_date(order_date)
        if parsed is None:
            kinds.append("invalid_date")
        elif not date(2010, 1, 1) <= parsed <= today:
            kinds.append("order_date_out_of_range")
        elif ISO_DATE.match(order_date):
            kinds.append("iso_date")
        if product not in ids["bikes.csv"]:
            kinds.append("unknown_bike")
        if customer not in ids["customers.csv"]:
            kinds.append("unknown_customer")
    elif name == "bikes.csv":
        _bid, model, category1, category2, frame, price = row
        if "" in (model, price):
            return ["missing_required"]
        if not price.lstrip("-").isdigit():
            kinds.append("invalid_number")
        elif not 0 < int(price) < 100_000:
            kinds.append("price_out_of_range")
        if any(value and value != value.strip().title() for value in (category1, category2, frame)):
            kinds.append("whitespace_or_case")
        if "" in (category2, frame):
            kinds.append("missing_descriptive")
    elif name == "bikeshops.csv":
        _sid, shop_name, city, state, latitude, longitude = row
        if city == "":
            return ["missing_required"]
        if city != city.strip() or shop_name != shop_name.strip() or state != state.upper():
            kinds.append("whitespace_or_case")
        if not (24.0 <= float(latitude) <= 49.5 and -125.0 <= float(longitude) <= -66.5):
            kinds.append("coordinates_out_of_range")
    else:
        _cid, first, last, gender, birth, city, _state, signup, shop = row
        if shop == "":
            return ["missing_required"]
        if shop not in ids["bikeshops.csv"]:
            kinds.append("unknown_bikeshop")
        if gender == "":
            kinds.append("gender_missing")
        elif gender not in ("F", "M"):
            assert GENDERS[gender.strip().lower()] in ("F", "M")
            kinds.append("gender_variant")
        if "" in (first, last, city):
            kinds.append("missing_descriptive")
        born, signed = parse_date(birth), parse_date(signup)
        assert born is not None and signed is not None
        if not 10 <= age_today(born) <= 100:
            kinds.append("birth_date_out_of_range")
        if ISO_DATE.match(birth) or ISO_DATE.match(signup):
            kinds.append("iso_date")
    return kinds


def test_dirty_manifest_is_exact(dirty: Path, clean: Path) -> None:
    manifest = json.loads((dirty / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 42 and manifest["order_lines"] == 15_000
    found = _classify(dirty, clean)
    for name in FILES:
        assert manifest["files"][name]["lines"] == len(read(dirty / name)) - 1
        listed: dict[int, str] = {}
        for defect in manifest["defects"]:
            if defect["file"] != name:
                continue
            assert defect["outcome"] == OUTCOMES[defect["kind"]]
            assert defect["count"] == len(defect["lines"]) >= 1
            for line in defect["lines"]:
                assert line not in listed, f"{name}:{line} listed twice"
                listed[line] = defect["kind"]
        # Every line the independent check finds defective is listed under that one kind, and
        # every listed line carries exactly that one defect.
        assert {line: kinds for line, kinds in found[name].items()} == {
            line: [kind] for line, kind in listed.items()
        }


def test_dirty_keeps_the_clean_rows(dirty: Path, clean: Path) -> None:
    """Dropping the extra rows leaves the clean run's rows, in order; modified rows map back."""
    manifest = json.loads((dirty / "manifest.json").read_text(encoding="utf-8"))
    for name in FILES:
        indexed = name == "orders.csv"
        extras, modified = set(), {}
        for defect in manifest["defects"]:
            if defect["file"] == name:
                if defect["outcome"] in ("corrected", "flagged"):
                    modified.update(dict.fromkeys(defect["lines"], defect["kind"]))
                else:
                    extras.update(defect["lines"])
        dirty_rows = read(dirty / name)[1:]
        kept = [
            (line, row[1:] if indexed else row)
            for line, row in enumerate(dirty_rows, start=2)
            if line not in extras
        ]
        clean_rows = [row[1:] if indexed else row for row in read(clean / name)[1:]]
        assert len(kept) == len(clean_rows) == len(dirty_rows) - len(extras)
        for (line, row), expected in zip(kept, clean_rows, strict=True):
            if line not in modified:
                assert row == expected, f"{name}:{line}"
                continue
            differing = [i for i, (a, b) in enumerate(zip(row, expected, strict=True)) if a != b]
            kind = modified[line]
            if kind == "coordinates_out_of_range":
                assert differing and set(differing) <= {4, 5}
                continue
            assert len(differing) == 1, f"{name}:{line} {kind}"
            got, want = row[differing[0]], expected[differing[0]]
            if kind in ("missing_descriptive", "gender_missing"):
                assert got == ""
            elif kind == "iso_date":
                assert parse_date(got) == parse_date(want) and ISO_DATE.match(got)
            elif kind == "gender_variant":
                assert GENDERS[got.strip().lower()] == want
            elif kind == "whitespace_or_case":
                assert got.strip().lower() == want.lower()  # initcap / upper / trim restore it
            else:
                assert kind == "birth_date_out_of_range" and differing == [4]
    # Extra rows use keys nothing references: no order points at an injected bike or customer.
    orders = read(dirty / "orders.csv")[1:]
    clean_bikes = {row[0] for row in read(clean / "bikes.csv")[1:]}
    clean_customers = {row[0] for row in read(clean / "customers.csv")[1:]}
    dirty_bikes = {row[0] for row in read(dirty / "bikes.csv")[1:]}
    dirty_customers = {row[0] for row in read(dirty / "customers.csv")[1:]}
    referenced_bikes = {row[5] for row in orders if len(row) > 5}
    referenced_customers = {row[4] for row in orders if len(row) > 4}
    assert not (dirty_bikes - clean_bikes - {""}) & referenced_bikes
    assert not (dirty_customers - clean_customers - {""}) & referenced_customers


def test_dirty_default_counts(dirty: Path) -> None:
    """The default seed's catalogue, pinned so that a change to the generator is noticed."""
    manifest = json.loads((dirty / "manifest.json").read_text(encoding="utf-8"))
    totals = Counter()
    for defect in manifest["defects"]:
        totals[defect["file"]] += defect["count"]
    assert dict(totals) == {"bikes.csv": 31, "bikeshops.csv": 17, "orders.csv": 161,
                            "customers.csv": 106}  # fmt: skip
    assert {name: info["lines"] for name, info in manifest["files"].items()} == {
        "bikes.csv": 125, "bikeshops.csv": 43, "orders.csv": 15_155, "customers.csv": 3041,
    }  # fmt: skip


def test_manifest_path_option(tmp_path: Path) -> None:
    generate(tmp_path / "out", order_lines=500, dirty=True, manifest=tmp_path / "m" / "x.json",
             progress=False)  # fmt: skip
    assert (tmp_path / "m" / "x.json").is_file()
    assert not (tmp_path / "out" / "manifest.json").exists()


# --- the real export -----------------------------------------------------------------------


@pytest.mark.skipif(not REAL_EXPORT.is_dir(), reason="real export not available")
def test_format_matches_the_real_export(clean: Path) -> None:
    for name in ("bikes.csv", "bikeshops.csv", "orders.csv"):
        # The real export ends its lines with CRLF; the contract (and velos) uses LF, and the
        # loader accepts both. Header text and "no trailing newline" are the same.
        real = (REAL_EXPORT / name).read_bytes().replace(b"\r\n", b"\n")
        ours = (clean / name).read_bytes()
        assert real.split(b"\n", 1)[0] == ours.split(b"\n", 1)[0]  # identical header
        assert not real.endswith((b"\n", b"\r")) and not ours.endswith(b"\n")
    real_orders = read(REAL_EXPORT / "orders.csv")[1:]
    assert all(US_DATE.match(row[3]) for row in real_orders)
    assert [row[0] for row in real_orders[:3]] == ["1", "2", "3"]
    real_bikes = read(REAL_EXPORT / "bikes.csv")[1:]
    ours = read(clean / "bikes.csv")[1:]
    assert {row[3] for row in real_bikes} == {row[3] for row in ours}
    assert {row[4] for row in real_bikes} == {row[4] for row in ours}
    assert not {row[1] for row in real_bikes} & {row[1] for row in ours}  # our own model names


def test_the_generator_writes_the_headers_the_seed_contract_expects() -> None:
    """seeds/_seeds.yml (meta.header) is the contract; the generator's HEADERS must match it."""
    import yaml

    seeds = yaml.safe_load((PROJECT_DIR / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))
    contract = {f"{seed['name']}.csv": seed["config"]["meta"]["header"] for seed in seeds["seeds"]}
    assert contract == {name: ",".join(header) for name, header in HEADERS.items()}
