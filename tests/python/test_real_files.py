"""What real exports contain: each case loads correctly or stops with one line naming the file.

- one odd export (tests/python/odd_export.py: BOM, CRLF, quoted header in another case with
  spaces, RFC 4180 quoting, a value ending in a backslash, a line break in a quoted field, a
  price with three decimals, 2/30/2014, a 70,000-character model name, names with $ < ' {{ }}
  and accents, trailing blank lines), in a folder whose path holds a space, [1] and a
  backtick: seeded and built once, then every value is checked where it lands;
- the file-level stops (duplicated column, NUL bytes, a folder, a broken link, an unreadable
  file), each a one-line message naming the file and what to do;
- a VELOS_HOME and a --data folder whose paths hold a space, [1], ':' and a backtick: the
  whole check and seed run in a process of their own.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from odd_export import BAD_DATE, LONG_MODEL, NASTY_CITY, NASTY_MODEL, NEW_BIKES, make_odd_export

from velos import settings
from velos.errors import VelosError
from velos.pipeline import _file_problem, check_export

WEIRD = "odd [1] `x` folder"


# -- the odd export, seeded and built once ----------------------------------------------------
@pytest.fixture(scope="module")
def odd(spark: Any, tmp_path_factory: pytest.TempPathFactory, build_export: Callable) -> dict:
    folder = tmp_path_factory.mktemp("odd") / WEIRD
    folder.mkdir()
    lines = make_odd_export(folder)
    build_export(folder)  # raises when the build (or one of its gates) fails

    def rows(sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in spark.sql(sql).collect()]

    return {"folder": folder, "lines": lines, "rows": rows}


@pytest.mark.spark
def test_odd_export_every_line_lands_where_it_should(odd: dict) -> None:
    rows, lines = odd["rows"], odd["lines"]
    reconciliation = {
        r["source_file"]: r for r in rows("select * from audit.audit_row_reconciliation")
    }
    # BOM + quoted header + CRLF + a two-line record + trailing blank lines: 106 records
    assert reconciliation["bikes.csv"]["rows_read"] == lines["bikes.rows"] == 106
    # four trailing blank lines are not data (they used to be four malformed lines)
    assert reconciliation["bikeshops.csv"]["rows_read"] == lines["bikeshops.rows"] == 30
    assert reconciliation["bikeshops.csv"]["rows_rejected"] == 0
    assert reconciliation["orders.csv"]["rows_read"] == lines["orders.rows"]
    rejected = {
        (r["source_file"], r["line_number"]): r
        for r in rows("select * from audit.audit_rejected_rows")
    }
    assert set(rejected) == {
        ("bikes.csv", lines["bikes.904"]),
        ("bikes.csv", lines["bikes.904"] + 1),
        ("orders.csv", lines["orders.bad_date"]),
    }
    price = rejected[("bikes.csv", lines["bikes.904"])]
    assert (price["rule"], price["reason"]) == (
        "invalid_number",
        'price "1234.567" is not a plain number with at most 2 decimals',
    )
    long_name = rejected[("bikes.csv", lines["bikes.904"] + 1)]
    assert long_name["rule"] == "text_too_long"
    assert long_name["reason"] == "longer than 500 characters: model (70000 characters)"
    assert long_name["raw_line"] == f"905,{LONG_MODEL},Road,Elite Road,Carbon,900"
    date = rejected[("orders.csv", lines["orders.bad_date"])]
    assert (date["rule"], BAD_DATE in date["reason"]) == ("invalid_date", True)


@pytest.mark.spark
def test_odd_export_values_are_stored_and_sold_as_written(odd: dict) -> None:
    rows = odd["rows"]
    bikes = {r["bike_id"]: r for r in rows("select * from marts.dim_bikes where bike_id > 900")}
    assert {bike_id: bikes[bike_id]["model"] for bike_id in bikes} == NEW_BIKES
    assert bikes[902]["category1"] == "Road"  # the backslash did not swallow the next field
    raw = {r["_line_number"]: r for r in rows("select * from raw.bikes where _line_number > 101")}
    assert raw[104]["_raw_line"] == '903,"Multi\nLine",Road,Elite Road,Carbon,2500'
    assert 105 not in raw  # the record's second line is part of line 104
    sold = {r["model"] for r in rows("select model from marts.purchases_by_gender")}
    assert set(NEW_BIKES.values()) <= sold
    cities = {r["city"] for r in rows("select city from marts.dim_bikeshops")}
    assert NASTY_CITY in cities
    names = rows("select first_name, last_name from marts.dim_customers where customer_id = 1")
    assert names == [{"first_name": "Zoë", "last_name": "O'Brien-Łukasz"}]


@pytest.mark.spark
def test_the_seed_step_reports_the_rows_each_raw_table_holds(
    odd: dict, spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`velos run`'s check then seed, the seed writing with the check's profile of each file
    (a two-line record, trailing blank lines): the raw tables equal what the plain `dbt seed`
    of the build wrote, and the step's counts, from dbt's results, equal the tables'."""
    from velos.pipeline import RAW_TABLES, seed_export

    def raw_rows() -> dict[str, list[Any]]:
        return {table: spark.table(table).orderBy("_line_number").collect() for table in RAW_TABLES}

    written_by_the_build = raw_rows()
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path))  # this test's dbt log only
    export = settings.load(VELOS_DATA_DIR=odd["folder"])
    check_export(export)
    seeded = seed_export(export)

    log = (tmp_path / "dbt.log").read_text(encoding="utf-8")
    assert log.count("the check's profile of the unchanged file is reused") == 4
    assert raw_rows() == written_by_the_build
    assert list(seeded) == list(RAW_TABLES)
    assert seeded == {table: spark.table(table).count() for table in RAW_TABLES}
    assert (seeded["raw.bikes"], seeded["raw.bikeshops"]) == (106, 30)


@pytest.mark.spark
def test_odd_export_report_shows_names_as_written(odd: dict, spark: Any) -> None:
    from velos.report import write_report

    page = write_report(spark, settings.load()).read_text(encoding="utf-8")
    assert html.escape(NASTY_MODEL) in page and NASTY_MODEL not in page
    assert html.escape(NASTY_CITY) in page


def test_chart_labels_are_not_read_as_math() -> None:
    """matplotlib reads "$...$" as TeX math unless told not to: every label stays text."""
    from matplotlib.text import Text

    from velos.report import charts

    rows = [
        {"model": NASTY_MODEL, "gender": gender, "units": 2, "city": NASTY_CITY, "state": "TX"}
        for gender in "FM"
    ]
    figure = charts.gender_chart(rows)
    figure.canvas.draw()
    labels = [t for t in figure.findobj(Text) if "$" in t.get_text()]
    assert labels, "the model name is on the chart"
    assert all(label.get_parse_math() is False for label in labels)


# -- file-level stops -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from velos.generate import generate

    folder = tmp_path_factory.mktemp("small")
    generate(folder, order_lines=200, seed=5, progress=False)
    return folder


@pytest.fixture
def export(small: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(small, folder)
    return folder


def _check_message(folder: Path) -> str:
    with pytest.raises(VelosError) as error:
        check_export(settings.load(VELOS_DATA_DIR=folder))
    message = str(error.value)
    assert "\n" not in message, message
    return message


def _set_header(path: Path, header: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join([header, *lines[1:]]), encoding="utf-8")


@pytest.mark.spark
def test_headers_as_r_and_excel_write_them_pass_the_check(export: Path, spark: Any) -> None:
    _set_header(export / "bikes.csv", '"Bike.ID", "Model" ,"CATEGORY1","category2","Frame","Price"')
    _set_header(
        export / "orders.csv",
        '"","order.id","order.line","order.date","customer.id","product.id","quantity"',
    )
    (export / "customers.csv").write_bytes(
        b"\xef\xbb\xbf" + (export / "customers.csv").read_bytes().replace(b"\n", b"\r\n")
    )
    check_export(settings.load(VELOS_DATA_DIR=export))


@pytest.mark.spark
def test_duplicated_column_is_named(export: Path, spark: Any) -> None:
    _set_header(export / "bikes.csv", "bike.id,model,category1,category2,frame,price,price")
    message = _check_message(export)
    assert message.startswith("dbt seed failed: bikes: bikes.csv, line 1: the column 'price'")
    assert "appears 2 times in the header" in message


@pytest.mark.spark
def test_nul_bytes_stop_at_their_line(export: Path, spark: Any) -> None:
    path = export / "orders.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b"\x00,", 1)
    path.write_bytes(b"\n".join(lines))
    message = _check_message(export)
    assert "orders.csv, line 4: NUL bytes (1 line(s) in all)" in message
    assert "iconv -f utf-16 -t utf-8" in message


def test_a_folder_in_place_of_a_file(export: Path) -> None:
    (export / "customers.csv").unlink()
    (export / "customers.csv").mkdir()
    assert _file_problem(export / "customers.csv") == (
        "a folder, not a file. Put the export file itself at this path."
    )
    with pytest.raises(VelosError, match=r"customers\.csv: a folder, not a file"):
        check_export(settings.load(VELOS_DATA_DIR=export))


def test_a_broken_link_in_place_of_a_file(export: Path) -> None:
    (export / "orders.csv").unlink()
    (export / "orders.csv").symlink_to(export / "gone.csv")
    with pytest.raises(VelosError, match=r"orders\.csv: a broken symbolic link \(to .*gone\.csv"):
        check_export(settings.load(VELOS_DATA_DIR=export))


def test_an_unreadable_file() -> None:
    # in a folder of its own that others may enter (pytest's tmp folders are private)
    with tempfile.TemporaryDirectory(prefix="velos-unreadable-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        _check_unreadable(folder / "bikes.csv")


def _check_unreadable(path: Path) -> None:
    path.write_text("bike.id\n", encoding="utf-8")
    path.chmod(0)
    code = (
        "import sys; from pathlib import Path; from velos.pipeline import _file_problem;"
        " print(_file_problem(Path(sys.argv[1])))"
    )
    command = [sys.executable, "-c", code, str(path)]
    if os.geteuid() == 0:  # root reads anything: ask as nobody
        if not shutil.which("setpriv"):
            pytest.skip("root without setpriv cannot drop its rights to test this")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    shown = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    assert shown == (
        f"cannot be read (Permission denied). Give the user running velos read access,"
        f" e.g. `chmod a+r '{path}'`, and run again."
    )


# -- paths with a space, [1], ':' and a backtick ----------------------------------------------
@pytest.mark.spark
def test_odd_paths_for_the_data_and_velos_home(small: Path, tmp_path: Path) -> None:
    """A process of its own: its VELOS_HOME is a new Derby metastore and warehouse."""
    data = tmp_path / "Exports [1]: `Q1` 2014"
    shutil.copytree(small, data)
    home = tmp_path / "velos home [1] `x`"
    environment = {**os.environ, "VELOS_HOME": str(home)}

    def velos_run(*skip: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "velos.cli", "run", "--data", str(data), "--skip", *skip],
            capture_output=True, text=True, timeout=900, check=False, env=environment,
        )  # fmt: skip

    completed = velos_run("build", "segment", "report", "load")
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (
        "seed     bikes 100, bikeshops 30, orders 200, customers 3,000 raw rows" in completed.stdout
    )
    assert "Usage: hadoop fs" not in completed.stderr
    # a second run opens the metastore the first one created (Derby and a colon in the path)
    again = velos_run("seed", "build", "segment", "report", "load")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "4 files in" in again.stdout
    assert (home / "metastore_db").is_dir() and (home / "warehouse" / "raw.db" / "bikes").is_dir()
    assert not any(
        name.startswith("metastore_db") for name in os.listdir(Path.cwd()) if name != ".velos"
    )


def test_a_colon_in_velos_home_is_refused_before_derby_starts(tmp_path: Path) -> None:
    from velos import metastore

    home = tmp_path / "velos: home"
    with pytest.raises(VelosError) as raised:
        metastore.uses_postgres(settings.load(VELOS_HOME=home, VELOS_METASTORE="derby"))
    assert str(raised.value) == (
        f"VELOS_HOME={home} holds a ':', and the embedded Derby metastore cannot reopen a "
        "catalog under such a path. Choose a VELOS_HOME without ':', or set "
        "VELOS_METASTORE=postgres."
    )
    assert not home.exists()
    postgres = settings.load(VELOS_HOME=home, VELOS_METASTORE="postgres")
    assert metastore.uses_postgres(postgres) is True
