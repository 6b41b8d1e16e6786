"""An export with what real exports contain, built from a small generated one.

Every oddity of the list in README "What real exports contain" is in it, each on a known line,
so one seed and one build prove them all (tests/python/test_real_files.py):
- bikes.csv: UTF-8 byte-order mark, CRLF endings, a quoted upper-case header with spaces,
  RFC 4180 quoting (`""` inside quotes, a value ending in a backslash), a quoted field with
  a line break, a price with three decimals, a 70,000-character model name, a model name with
  `$`, `<`, `'`, `{{ }}` and accents, and trailing blank lines;
- bikeshops.csv: four trailing blank lines, a city with accents, `$` and `'`;
- orders.csv: order lines for the new bikes, and an order date `2/30/2014`;
- customers.csv: an apostrophe and accents in names.
"""

from __future__ import annotations

from pathlib import Path

from velos.generate import generate

ORDER_LINES = 300
NASTY_MODEL = "Road $5 <b>'Madone'</b> {{ model }} Émile Çà"
NASTY_CITY = "São Paulo $ d'Été"
LONG_MODEL = "X" * 70_000
# bike.id -> (line in bikes.csv, model as it must be stored)
NEW_BIKES = {
    901: 'Trek "Madone" SLR',
    902: "Smith\\",
    903: "Multi\nLine",
    906: NASTY_MODEL,
}
REJECTED_BIKES = {904: "invalid_number", 905: "text_too_long"}
BAD_DATE = "2/30/2014"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def make_odd_export(folder: Path) -> dict[str, int]:
    """Write the odd export into ``folder``; return the line numbers the tests look at."""
    generate(folder, order_lines=ORDER_LINES, seed=7, progress=False)
    at: dict[str, int] = {}

    bikes = _lines(folder / "bikes.csv")
    header = '"Bike.ID", "Model" ,"CATEGORY1","category2","Frame","Price"'
    extra = [
        '901,"Trek ""Madone"" SLR",Road,Elite Road,Carbon,4999.99',
        '902,"Smith\\",Road,Elite Road,Carbon,1500',
        '903,"Multi\nLine",Road,Elite Road,Carbon,2500',
        "904,Three Decimals,Road,Elite Road,Carbon,1234.567",
        f"905,{LONG_MODEL},Road,Elite Road,Carbon,900",
        f'906,"{NASTY_MODEL}",Road,Elite Road,Carbon,3100',
    ]
    rows = [header, *bikes[1:], *extra]
    at["bikes.904"] = len(bikes) + 1 + 4  # 901, 902, 903 (two lines) come first
    at["bikes.rows"] = len(bikes) - 1 + len(extra)
    (folder / "bikes.csv").write_bytes(
        b"\xef\xbb\xbf" + ("\r\n".join(rows) + "\r\n\r\n\r\n").encode("utf-8")
    )

    shops = _lines(folder / "bikeshops.csv")
    fields = shops[1].split(",")
    fields[2] = f'"{NASTY_CITY}"'
    shops[1] = ",".join(fields)
    at["bikeshops.rows"] = len(shops) - 1
    (folder / "bikeshops.csv").write_text("\n".join(shops) + "\n\n\n\n\n", encoding="utf-8")

    orders = _lines(folder / "orders.csv")
    last = orders[-1].split(",")
    order_id = int(last[1]) + 1
    customer = last[4]
    new = [
        f"{len(orders) + i},{order_id + i},1,6/1/2014,{customer},{bike},2"
        for i, bike in enumerate(NEW_BIKES)
    ]
    new.append(f"{len(orders) + len(new)},{order_id + len(new)},1,{BAD_DATE},{customer},1,1")
    at["orders.bad_date"] = len(orders) + len(new)
    at["orders.rows"] = len(orders) - 1 + len(new)
    (folder / "orders.csv").write_text("\n".join(orders + new), encoding="utf-8")

    customers = _lines(folder / "customers.csv")
    fields = customers[1].split(",")
    fields[1], fields[2] = "Zoë", "O'Brien-Łukasz"
    customers[1] = ",".join(fields)
    at["customers.rows"] = len(customers) - 1
    (folder / "customers.csv").write_text("\n".join(customers), encoding="utf-8")
    return at
