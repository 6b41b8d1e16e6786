"""`velos report` on the demo data, opened in headless Chromium.

How the browser check works: the test copies the report and injects two small scripts into the
copy (the report itself stays untouched):
- at the top of <head>, listeners that record every error (script errors, and resources that
  fail to load, through a capturing 'error' listener) and every console.error/console.warn;
- at the end of <body>, on window 'load': for every <img>, whether it decoded with
  naturalWidth/naturalHeight > 0; whether the model selector shows exactly one histogram for
  each choice; the results go into <pre id="velos-check"> as JSON.
A Content-Security-Policy meta tag in the copy allows only inline scripts/styles and data:
images, so anything that would need the network is blocked and reported as an error.
Chromium runs with --dump-dom (prints the DOM once the page has loaded) and
--enable-logging=stderr, whose CONSOLE lines must be empty as well. No extra package needed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

RECORDER = """<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<script>
window.__velosErrors = [];
window.addEventListener('error', function (event) {
  var target = event.target || {};
  window.__velosErrors.push(event.message || ('failed to load ' + (target.src || target.href)));
}, true);
document.addEventListener('securitypolicyviolation', function (event) {
  window.__velosErrors.push('CSP blocked ' + event.blockedURI);
});
['error', 'warn'].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    window.__velosErrors.push('console.' + level + ': ' + Array.from(arguments).join(' '));
    original.apply(console, arguments);
  };
});
</script>"""

CHECKER = """<script>
window.addEventListener('load', function () {
  var images = Array.from(document.images).map(function (img) {
    return {alt: img.alt, complete: img.complete, width: img.naturalWidth,
            height: img.naturalHeight, inline: img.src.indexOf('data:image/png;base64,') === 0};
  });
  var select = document.getElementById('histogram-model');
  var visible = [];
  if (select) {
    Array.from(select.options).forEach(function (option) {
      select.value = option.value;
      select.dispatchEvent(new Event('change'));
      var shown = Array.from(document.querySelectorAll('figure.histogram'))
        .filter(function (figure) { return !figure.hidden; })
        .map(function (figure) { return figure.dataset.index; });
      visible.push({option: option.value, shown: shown});
    });
  }
  var sections = Array.from(document.querySelectorAll('main > section')).map(function (s) {
    var heading = s.querySelector('h2');
    return {id: s.id, heading: heading ? heading.textContent : null, height: s.offsetHeight,
            images: s.querySelectorAll('img').length,
            tables: s.querySelectorAll('table').length};
  });
  var links = Array.from(document.querySelectorAll('nav a')).map(function (a) {
    return a.getAttribute('href');
  });
  var out = document.createElement('pre');
  out.id = 'velos-check';
  out.textContent = JSON.stringify({images: images, errors: window.__velosErrors,
                                    selector: visible, sections: sections, links: links});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed: run `make browser` (apt-get install chromium)")


def run_chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def report(
    spark: Any,
    build_export: Callable[[Path], float],
    demo_export: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    from velos import settings as velos_settings
    from velos.report import write_report

    build_export(demo_export)
    settings = velos_settings.load().with_changes(home=tmp_path_factory.mktemp("home"))
    path = write_report(spark, settings)
    assert path == settings.reports_dir / "index.html"
    return path


@pytest.mark.spark
def test_report_files_are_self_contained(report: Path, spark: Any) -> None:
    text = report.read_text(encoding="utf-8")
    models = spark.table("marts.model_city_histogram").select("model").distinct().count()
    segments = spark.catalog.tableExists("marts.segment_profiles")
    sources = re.findall(r"<img src='([^']*)'", text)
    # gender chart + heat map + one histogram per model + the store map (+ silhouettes and
    # forecast once velos segment has run)
    charts = models + 3 + (2 if segments else 0)
    assert len(sources) == charts
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert not re.search(r"(src|href)=['\"]https?:", text), "the report must not need the network"
    pngs = sorted(report.parent.glob("*.png"))
    assert len(pngs) == charts
    assert all(png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for png in pngs)
    for heading in ("units by gender", "model x city", "across cities", "Top model per store",
                    "Data quality audit", "Segments"):  # fmt: skip
        assert heading in text, heading
    # the audit section shows the tables when built, or says they are not
    for table in ("audit_quality_scorecard", "audit_row_reconciliation"):
        exists = spark.catalog.tableExists(f"audit.{table}")
        assert (f"audit.{table} is not built" in text) != exists, table
    if segments:  # every segment's label, and both baselines beside their models
        for row in spark.table("marts.segment_profiles").collect():
            assert html.escape(row["segment_label"], quote=True) in text, row["segment_label"]
        for name in ("majority_baseline", "random_forest", "seasonal_naive", "linear_regression"):
            assert name in text, name
    else:
        assert "The segments are not built: run `velos segment`" in text


@pytest.mark.spark
@pytest.mark.browser
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    text = report.read_text(encoding="utf-8")
    checked = report.parent / "check.html"
    checked.write_text(
        text.replace("<head>", "<head>" + RECORDER, 1).replace("</body>", CHECKER + "</body>", 1),
        encoding="utf-8",
    )
    result = run_chromium(
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=20000",
        "--dump-dom",
        checked.as_uri(),
        profile=tmp_path / "profile",
    )
    match = re.search(r'<pre id="velos-check">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no check output from Chromium (rc {result.returncode}): {result.stderr[-2000:]}"
    check = json.loads(html.unescape(match.group(1)))

    images = check["images"]
    assert len(images) == len(re.findall(r"<img ", text))
    broken = [
        img["alt"]
        for img in images
        if not (img["complete"] and img["width"] > 0 and img["height"] > 0 and img["inline"])
    ]
    assert not broken, f"images that did not render: {broken}"
    assert check["errors"] == []
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    # the selector shows exactly the chosen model's histogram
    assert check["selector"], "no model selector"
    assert all(item["shown"] == [item["option"]] for item in check["selector"])
    # every section is on the page, laid out, with what it must show; the menu reaches each
    sections = {section["id"]: section for section in check["sections"]}
    expected = ["summary", "gender", "cities", "histogram", "stores", "audit", "segments"]
    assert [anchor for anchor in sections if anchor in expected] == expected
    assert all(section["height"] > 0 and section["heading"] for section in sections.values())
    assert sections["gender"]["images"] == 1 and sections["cities"]["images"] == 1
    assert sections["histogram"]["images"] == len(check["selector"])
    assert sections["stores"]["tables"] == 1
    assert sections["audit"]["tables"] == 2  # the scorecard and the row reconciliation
    assert check["links"] == [f"#{anchor}" for anchor in sections]


def test_report_page_escapes_text_and_says_what_is_not_built() -> None:
    """No Spark: the page from synthetic rows, with HTML-like names and no audit/segments."""
    from decimal import Decimal

    from velos.report import build_charts, render_html
    from velos.report.data import ReportData

    nasty = '<b>"Trail" & Co</b>'
    cities = [("Austin", "TX", 1), ("Boston", "MA", 2)]
    marts = {
        "purchases_by_gender": [
            {"model": nasty, "category1": "Road", "category2": "Elite Road", "gender": "F",
             "units": 3, "order_lines": 2, "customers": 1, "revenue": Decimal("30.00")},
        ],
        "purchases_by_city": [
            {"model": nasty, "city": city, "state": state, "units": units, "order_lines": 1,
             "revenue": Decimal("10.00"), "share_of_city_units": 1.0}
            for city, state, units in cities
        ],
        "model_city_histogram": [
            {"model": nasty, "city": city, "state": state, "units": units,
             "share_of_model_units": units / 3, "rank_in_model": 3 - units}
            for city, state, units in cities
        ],
        "top_model_by_store": [
            {"bikeshop_id": 1, "bikeshop_name": "A & B", "city": "Austin", "state": "TX",
             "model": nasty, "units": 1, "revenue": Decimal("10.00"),
             "share_of_store_units": 1.0},
        ],
        "dim_bikeshops": [
            {"bikeshop_id": 1, "bikeshop_name": "A & B", "city": "Austin", "state": "TX",
             "latitude": None, "longitude": None},
        ],
    }  # fmt: skip
    totals = {
        "order_lines": 2, "units": 3, "revenue": Decimal("30.00"), "customers": 1, "stores": 1,
        "bikes": 1, "first_order_date": None, "last_order_date": None,
    }  # fmt: skip
    audit = dict.fromkeys(("audit_quality_scorecard", "audit_row_reconciliation"))
    data = ReportData(marts=marts, totals=totals, audit=audit, segments=None)
    rendered = build_charts(data)
    text = render_html(data, rendered)
    assert nasty not in text and html.escape(nasty) in text
    assert "audit.audit_quality_scorecard is not built" in text
    assert "audit.audit_row_reconciliation is not built" in text
    assert "The segments are not built: run `velos segment`" in text
    assert rendered["map"] is None and "No store has coordinates" in text
    assert len(rendered["histograms"]) == 1


def _histogram_rows(models: int, cities: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    from decimal import Decimal

    return {
        f"Model {index:02d}": [
            {"model": f"Model {index:02d}", "city": city, "state": state,
             "units": index + rank, "share_of_model_units": Decimal("0.5"),
             "rank_in_model": rank + 1}
            for rank, (city, state) in enumerate(cities)
        ]
        for index in range(models)
    }  # fmt: skip


def test_histograms_drawn_in_parallel_equal_those_drawn_one_by_one() -> None:
    """No Spark: enough models to use the worker processes; same PNG bytes, same order."""
    from velos import report
    from velos.report import charts

    cities = [("Austin", "TX"), ("Boston", "MA"), ("Chicago", "IL")]
    by_model = _histogram_rows(report._PARALLEL_FROM + 4, cities)
    frame = charts.histogram_frame([row for rows in by_model.values() for row in rows])
    models = sorted(by_model, reverse=True)
    with report._histogram_pngs(by_model, models, frame) as drawn:
        parallel = list(drawn)
    one_by_one = [report._histogram_png(model, by_model[model], frame) for model in models]
    assert len(parallel) == len(models)
    assert parallel == one_by_one
    assert len(set(parallel)) == len(models)  # each model its own chart


def test_every_histogram_label_fits_in_the_shared_frame() -> None:
    """The frame is laid out once for all histograms: the longest city name and the largest
    count, wherever they are, stay inside each figure, as the constrained layout keeps them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from velos.report import charts

    long_name = ("Llanfairpwllgwyngyll-on-the-Rio Grande City", "TX")
    by_model = _histogram_rows(3, [("Ely", "NV"), ("Boston", "MA")])
    by_model["Model 01"].append(
        {"model": "Model 01", "city": long_name[0], "state": long_name[1], "units": 98_765,
         "share_of_model_units": 0.9, "rank_in_model": 0}
    )  # fmt: skip
    frame = charts.histogram_frame([row for rows in by_model.values() for row in rows])
    for model, rows in by_model.items():
        figure = charts.histogram_chart(model, rows, frame)
        renderer = FigureCanvasAgg(figure).get_renderer()
        labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
        assert (f"{long_name[0]}, {long_name[1]}" in labels) == (model == "Model 01")
        # what is drawn (ticks outside the view are not), in inches, against the page
        drawn = figure.get_tightbbox(renderer)
        width, height = figure.get_size_inches()
        inside = drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height
        assert inside, (model, drawn, (width, height))
