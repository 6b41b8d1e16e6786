"""The four answer marts against an independent recomputation from the CSV files.

The expected answers are computed here in plain Python (csv module, no Spark, no SQL) from
the export's files, then compared with the marts built by dbt on the same files: every row,
every value; decimals exactly, shares within 1e-9. On the real export (skipped when absent)
and on the generated demo data in seeds/. Also: the docs catalog holds every mart's columns
and types, and `velos docs` serves the site.
"""

from __future__ import annotations

import csv
import json
import threading
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

Key = tuple[Any, ...]
Answer = dict[Key, tuple[Any, ...]]
SHARE_TOLERANCE = 1e-9
CUSTOMER_COLUMNS = (
    "customer.id", "first.name", "last.name", "gender", "birth.date", "city", "state",
    "signup.date", "bikeshop.id",
)  # fmt: skip


# -- the independent recomputation ---------------------------------------------------------------
def _read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _gender(raw: str) -> str:
    value = raw.strip().upper()
    # the recomputation only handles clean codes; anything else would mean re-implementing
    # the cleaning here, so it stops the test instead
    assert value in ("F", "M", ""), f"unexpected gender {raw!r} in a clean export"
    return value or "U"


def expected_answers(folder: Path) -> dict[str, Answer]:
    """The four answers, from the four CSV files of a clean export."""
    bikes = {row["bike.id"]: row for row in _read(folder, "bikes.csv")}
    shops = {row["bikeshop.id"]: row for row in _read(folder, "bikeshops.csv")}
    customers = {row["customer.id"]: row for row in _read(folder, "customers.csv")}
    orders = _read(folder, "orders.csv")

    gender_agg: dict[Key, list[Any]] = defaultdict(lambda: [0, 0, set(), Decimal(0)])
    city_agg: dict[Key, list[Any]] = defaultdict(lambda: [0, 0, Decimal(0)])
    store_agg: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for order in orders:
        bike = bikes[order["product.id"]]
        customer = customers[order["customer.id"]]
        shop = shops[customer["bikeshop.id"]]  # the customer's home store
        quantity = int(order["quantity"])
        amount = Decimal(bike["price"]) * quantity
        model = bike["model"]
        by_gender = gender_agg[(model, _gender(customer["gender"]))]
        by_gender[0] += quantity
        by_gender[1] += 1
        by_gender[2].add(order["customer.id"])
        by_gender[3] += amount
        by_city = city_agg[(model, shop["bikeshop.city"], shop["bikeshop.state"])]
        by_city[0] += quantity
        by_city[1] += 1
        by_city[2] += amount
        by_store = store_agg[(customer["bikeshop.id"], model)]
        by_store[0] += quantity
        by_store[1] += amount

    category = {bike["model"]: (bike["category1"], bike["category2"]) for bike in bikes.values()}
    purchases_by_gender = {
        (model, gender): (*category[model], units, lines, len(buyers), revenue)
        for (model, gender), (units, lines, buyers, revenue) in gender_agg.items()
    }

    city_units: dict[Key, int] = defaultdict(int)
    model_units: dict[str, int] = defaultdict(int)
    for (model, city, state), (units, _, _) in city_agg.items():
        city_units[(city, state)] += units
        model_units[model] += units
    purchases_by_city = {
        (model, city, state): (units, lines, revenue, units / city_units[(city, state)])
        for (model, city, state), (units, lines, revenue) in city_agg.items()
    }

    model_city_histogram: Answer = {}
    for model in model_units:
        cities = sorted(
            ((key, values[0]) for key, values in city_agg.items() if key[0] == model),
            key=lambda item: (-item[1], item[0][1], item[0][2]),  # units desc, city, state
        )
        for rank, (key, units) in enumerate(cities, start=1):
            model_city_histogram[key] = (units, units / model_units[model], rank)

    store_units: dict[str, int] = defaultdict(int)
    for (store, _), (units, _) in store_agg.items():
        store_units[store] += units
    top_model_by_store: Answer = {}
    for store in store_units:
        # the tie rule: units desc, then revenue desc, then model name asc
        model, (units, revenue) = min(
            ((m, values) for (s, m), values in store_agg.items() if s == store),
            key=lambda item: (-item[1][0], -item[1][1], item[0]),
        )
        shop = shops[store]
        top_model_by_store[(int(store),)] = (
            shop["bikeshop.name"], shop["bikeshop.city"], shop["bikeshop.state"],
            model, units, revenue, units / store_units[store],
        )  # fmt: skip

    return {
        "purchases_by_gender": purchases_by_gender,
        "purchases_by_city": purchases_by_city,
        "model_city_histogram": model_city_histogram,
        "top_model_by_store": top_model_by_store,
    }


# -- the marts, as the same shape ----------------------------------------------------------------
MART_KEYS = {
    "purchases_by_gender": (
        ["model", "gender"],
        ["category1", "category2", "units", "order_lines", "customers", "revenue"],
    ),
    "purchases_by_city": (
        ["model", "city", "state"],
        ["units", "order_lines", "revenue", "share_of_city_units"],
    ),
    "model_city_histogram": (
        ["model", "city", "state"],
        ["units", "share_of_model_units", "rank_in_model"],
    ),
    "top_model_by_store": (
        ["bikeshop_id"],
        ["bikeshop_name", "city", "state", "model", "units", "revenue", "share_of_store_units"],
    ),
}


def mart_answer(spark: Any, mart: str) -> Answer:
    key_columns, value_columns = MART_KEYS[mart]
    rows = spark.table(f"marts.{mart}").collect()
    answer = {
        tuple(row[c] for c in key_columns): tuple(row[c] for c in value_columns) for row in rows
    }
    assert len(answer) == len(rows), f"marts.{mart}: duplicate keys {key_columns}"
    return answer


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float):  # shares: doubles on both sides, within rounding
        return isinstance(actual, float) and abs(expected - actual) <= SHARE_TOLERANCE
    return bool(expected == actual)


def assert_answers_equal(spark: Any, expected: dict[str, Answer]) -> dict[str, tuple[int, int]]:
    """Compare every mart with its recomputation; return {mart: (rows, total units)}."""
    sizes = {}
    for mart, expected_rows in expected.items():
        actual_rows = mart_answer(spark, mart)
        missing = sorted(set(expected_rows) - set(actual_rows), key=str)[:5]
        extra = sorted(set(actual_rows) - set(expected_rows), key=str)[:5]
        assert not missing and not extra, f"marts.{mart}: rows missing {missing}, extra {extra}"
        differences = [
            (key, expected_rows[key], actual_rows[key])
            for key in sorted(expected_rows, key=str)
            if len(expected_rows[key]) != len(actual_rows[key])
            or not all(
                _same(e, a) for e, a in zip(expected_rows[key], actual_rows[key], strict=True)
            )
        ]
        assert not differences, (
            f"marts.{mart}: {len(differences)} rows differ (key, expected, actual), e.g. "
            f"{differences[:3]}"
        )
        units_position = MART_KEYS[mart][1].index("units")
        sizes[mart] = (len(actual_rows), sum(v[units_position] for v in actual_rows.values()))
    return sizes


def _data_lines(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


# -- the tests -----------------------------------------------------------------------------------
@pytest.mark.spark
@pytest.mark.parametrize("export", ["real_export", "demo_export"])
def test_marts_equal_an_independent_recomputation(
    export: str,
    request: pytest.FixtureRequest,
    spark: Any,
    build_export: Callable[[Path], float],
) -> None:
    folder: Path = request.getfixturevalue(export)  # skips when the real export is absent
    seconds = build_export(folder)
    # a clean export: every order line reaches the fact table (else the recomputation,
    # which does not clean, would not be comparable)
    fct = spark.table("marts.fct_order_lines")
    assert fct.count() == _data_lines(folder / "orders.csv")

    sizes = assert_answers_equal(spark, expected_answers(folder))

    total_quantity = fct.selectExpr("sum(quantity)").first()[0]
    for mart in ("purchases_by_gender", "purchases_by_city", "model_city_histogram"):
        assert sizes[mart][1] == total_quantity, mart
    print(f"\n{export}: build {seconds:.0f} s; (rows, units) {sizes}")


def test_the_recomputation_applies_the_tie_rule(tmp_path: Path) -> None:
    """The oracle itself, on a tiny export: a units tie goes to revenue, then to the name."""
    files = {
        "bikes.csv": "bike.id,model,category1,category2,frame,price\n"
        "1,Alpha,Road,Elite Road,Carbon,100\n2,Beta,Road,Elite Road,Carbon,150\n"
        "3,Eta,Mountain,Trail,Aluminum,50\n4,Zeta,Mountain,Trail,Aluminum,50",
        "bikeshops.csv": "bikeshop.id,bikeshop.name,bikeshop.city,bikeshop.state,"
        "latitude,longitude\n"
        "1,One,Dallas,TX,32.7,-96.8\n2,Two,Austin,TX,30.2,-97.7",
        "customers.csv": ",".join(CUSTOMER_COLUMNS) + "\n"
        "1,Ann,Lee,F,1/1/1980,Dallas,TX,1/1/2010,1\n2,Bob,Roy,M,1/1/1970,Austin,TX,1/1/2010,2",
        "orders.csv": ",order.id,order.line,order.date,customer.id,product.id,quantity\n"
        "1,1,1,1/7/2011,1,1,6\n2,1,2,1/7/2011,1,2,6\n"
        "3,2,1,1/8/2011,2,4,3\n4,2,2,1/8/2011,2,3,3",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    answers = expected_answers(tmp_path)
    top = answers["top_model_by_store"]
    assert top[(1,)][3:6] == ("Beta", 6, Decimal(900))  # units tie -> more revenue
    assert top[(2,)][3:6] == ("Eta", 3, Decimal(150))  # units and revenue tie -> name asc
    assert top[(1,)][6] == 0.5
    histogram = answers["model_city_histogram"]
    assert histogram[("Alpha", "Dallas", "TX")] == (6, 1.0, 1)


# -- the docs catalog ----------------------------------------------------------------------------
MART_COLUMNS = {
    "dim_customers": {
        "customer_id": "bigint", "first_name": "string", "last_name": "string",
        "gender": "string", "birth_date": "date", "age": "int", "age_band": "string",
        "city": "string", "state": "string", "signup_date": "date", "bikeshop_id": "bigint",
    },
    "dim_bikes": {
        "bike_id": "bigint", "model": "string", "category1": "string", "category2": "string",
        "frame": "string", "price": "decimal(12,2)", "price_tier": "string",
    },
    "dim_bikeshops": {
        "bikeshop_id": "bigint", "bikeshop_name": "string", "city": "string",
        "state": "string", "latitude": "double", "longitude": "double",
    },
    "dim_date": {
        "date_id": "int", "date": "date", "year": "int", "quarter": "int", "month": "int",
        "month_name": "string", "day": "int", "day_of_week": "int", "season": "string",
    },
    "fct_order_lines": {
        "order_id": "bigint", "order_line": "int", "order_date": "date", "date_id": "int",
        "customer_id": "bigint", "bike_id": "bigint", "bikeshop_id": "bigint",
        "quantity": "int", "unit_price": "decimal(12,2)", "total_amount": "decimal(18,2)",
    },
    "purchases_by_gender": {
        "model": "string", "category1": "string", "category2": "string", "gender": "string",
        "units": "bigint", "order_lines": "bigint", "customers": "bigint",
        "revenue": "decimal(18,2)",
    },
    "purchases_by_city": {
        "model": "string", "city": "string", "state": "string", "units": "bigint",
        "order_lines": "bigint", "revenue": "decimal(18,2)", "share_of_city_units": "double",
    },
    "model_city_histogram": {
        "model": "string", "city": "string", "state": "string", "units": "bigint",
        "share_of_model_units": "double", "rank_in_model": "int",
    },
    "top_model_by_store": {
        "bikeshop_id": "bigint", "bikeshop_name": "string", "city": "string",
        "state": "string", "model": "string", "units": "bigint", "revenue": "decimal(18,2)",
        "share_of_store_units": "double",
    },
}  # fmt: skip


# dbt-spark reads the catalog's columns from SHOW TABLE EXTENDED's schema tree, which spells
# some types the Catalyst way (long, integer); DESCRIBE and the YAML say bigint, int.
TREE_TYPE_NAMES = {"long": "bigint", "integer": "int", "short": "smallint", "byte": "tinyint"}


def _sql_type(name: str) -> str:
    name = name.replace(" ", "").lower()
    return TREE_TYPE_NAMES.get(name, name)


@pytest.fixture(scope="module")
def docs_site(build_export: Callable[[Path], float], demo_export: Path) -> Path:
    from velos import settings as velos_settings
    from velos.docs import generate_docs

    build_export(demo_export)
    return generate_docs(velos_settings.load(), force=True)


@pytest.mark.spark
def test_docs_catalog_has_every_mart_column_and_type(docs_site: Path) -> None:
    catalog = json.loads((docs_site / "catalog.json").read_text())
    for mart, columns in MART_COLUMNS.items():
        node = catalog["nodes"].get(f"model.velos.{mart}")
        assert node is not None, f"catalog.json has no entry for {mart}"
        found = {column["name"]: _sql_type(column["type"]) for column in node["columns"].values()}
        assert found == columns, f"{mart}: catalog columns {found} != {columns}"


@pytest.mark.spark
def test_docs_manifest_has_the_exposures_and_the_lineage(docs_site: Path) -> None:
    manifest = json.loads((docs_site / "manifest.json").read_text())
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) == {
        "powerbi_sales_dashboard", "powerbi_clientele_dashboard", "cassandra_loader",
        "customer_clustering", "segments_report", "segments_cassandra",
    }  # fmt: skip
    for exposure in exposures.values():
        assert exposure["depends_on"]["nodes"], exposure["name"]
        assert exposure["owner"]["email"], exposure["name"]
    # lineage from the raw sources to the marts: fct_order_lines <- int_* <- ... <- source
    parents = manifest["parent_map"]
    ancestors, todo = set(), ["model.velos.fct_order_lines"]
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in ancestors:
                ancestors.add(parent)
                todo.append(parent)
    assert any(node.startswith("source.velos.") for node in ancestors)


@pytest.mark.spark
def test_docs_server_serves_the_site_on_localhost(docs_site: Path) -> None:
    from velos.docs import make_server

    server = make_server(docs_site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        for name in ("index.html", "catalog.json", "manifest.json"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{name}", timeout=10) as reply:
                assert reply.status == 200 and reply.read(), name
    finally:
        server.shutdown()
        server.server_close()
