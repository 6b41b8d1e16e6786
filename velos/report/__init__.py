"""`velos report`: a self-contained HTML report of the marts, with PNG copies of each chart.

The report needs no network to view: the charts are inlined as base64 PNG data URIs and also
written as .png files next to ``index.html`` in ``settings.reports_dir``. Modules, by job:
:mod:`.data` reads the warehouse, :mod:`.charts` draws (matplotlib), :mod:`.page` writes the HTML.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from velos.report import charts, page
from velos.report.data import ReportData, read_report_data

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from pyspark.sql import SparkSession

    from velos.settings import Settings

REPORT_FILE = "index.html"
_OWN_PNG = re.compile(
    r"^(units_by_gender|model_city_heatmap|top_model_map|segment_silhouettes|demand_forecast"
    r"|histogram_\d{3}_.*)\.png$"
)


def _png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    # no timestamp in the PNG metadata: the same marts give byte-identical files
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _histogram_png(model: str, rows: list[dict[str, Any]], frame: charts.Frame) -> bytes:
    return _png(charts.histogram_chart(model, rows, frame), dpi=90)


# Below this many histograms, starting worker processes costs more than it saves.
_PARALLEL_FROM = 16


@contextmanager
def _histogram_pngs(
    by_model: dict[str, list[dict[str, Any]]], models: list[str], frame: charts.Frame
) -> Iterator[Iterator[bytes]]:
    """One PNG per model, in the order of ``models``, drawn on every core while the caller
    draws the other charts: matplotlib draws on one core per process.

    A report has one histogram per model sold (about a hundred on the demo data), which is
    most of the report's time. Workers are spawned, not forked: the parent holds a JVM
    gateway and its threads.
    """
    workers = min(os.cpu_count() or 1, 8)
    rows = [by_model[model] for model in models]
    frames = [frame] * len(models)
    if workers < 2 or len(models) < _PARALLEL_FROM:
        yield map(_histogram_png, models, rows, frames)  # drawn when read, in this process
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        chunk = max(1, len(models) // (workers * 4))
        yield pool.map(_histogram_png, models, rows, frames, chunksize=chunk)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "model"


def build_charts(data: ReportData) -> dict[str, Any]:
    """Render every chart of the report (no file written)."""
    marts = data.marts
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in marts["model_city_histogram"]:
        by_model[row["model"]].append(row)
    models = sorted(by_model, key=lambda m: (-sum(int(r["units"]) for r in by_model[m]), m))
    frame = charts.histogram_frame(marts["model_city_histogram"])
    with _histogram_pngs(by_model, models, frame) as pngs:
        rendered = _other_charts(data)
        rendered["histograms"] = [
            (
                model,
                page.Chart(
                    f"histogram_{index:03d}_{_slug(model)}.png", png, f"Units of {model} by city"
                ),
            )
            for index, (model, png) in enumerate(zip(models, pngs, strict=True))
        ]
    return rendered


def _other_charts(data: ReportData) -> dict[str, Any]:
    """Every chart but the histograms."""
    marts = data.marts
    rendered: dict[str, Any] = {
        "gender": page.Chart(
            "units_by_gender.png",
            _png(charts.gender_chart(marts["purchases_by_gender"])),
            "Units by gender for the top models",
            "Stacked units of the best-selling models by the gender of the buying customers "
            "(purchases_by_gender).",
        ),
        "heatmap": page.Chart(
            "model_city_heatmap.png",
            _png(charts.heatmap_chart(marts["purchases_by_city"])),
            "Model x city heat map",
            "Units of every model in every city of the customers' home stores "
            "(purchases_by_city); blank cells sold nothing.",
        ),
    }
    store_map = charts.store_map_chart(marts["top_model_by_store"], marts["dim_bikeshops"])
    rendered["map"] = (
        page.Chart(
            "top_model_map.png",
            _png(store_map),
            "Top model per store, on a map",
            "Each store at its latitude/longitude, labelled with its top model.",
        )
        if store_map is not None
        else None
    )
    segments = data.segments
    rendered["segments"] = (
        None
        if segments is None
        else (
            page.Chart(
                "segment_silhouettes.png",
                _png(charts.silhouette_chart(segments["k_scores"])),
                "Silhouette per k",
                "Each k tried by velos segment with its silhouette (marts.segment_k_scores).",
            ),
            page.Chart(
                "demand_forecast.png",
                _png(
                    charts.forecast_chart(segments["forecast_holdout"], segments["demand_forecast"])
                ),
                "Demand forecast against actuals",
                "Units per month over every category2: the held-out year with the regression "
                "and seasonal-naive predictions (marts.forecast_holdout), then the forecast "
                "(marts.demand_forecast).",
            ),
        )
    )
    return rendered


PROFILE_COLUMNS = (
    "segment_kind", "segment_id", "segment_label", "members", "share_of_members",
    "dominant_category1", "dominant_category1_share", "dominant_category2",
    "dominant_category2_share", "dominant_frame", "dominant_price_tier", "mean_price_paid",
    "female_share", "mean_age", "dominant_age_band",
)  # fmt: skip


def segments_html(data: ReportData, rendered: dict[str, Any]) -> str:
    """The segments section: profiles, silhouettes, classifier and forecast, or a note."""
    segments = data.segments
    if segments is None or rendered["segments"] is None:
        return page.note(
            "The segments are not built: run `velos segment` (a step of `velos run`); this "
            "section fills in once marts.segment_profiles and the other outputs exist."
        )
    silhouettes, forecast = rendered["segments"]
    return (
        "<h3>Segment profiles <small>(marts.segment_profiles)</small></h3>"
        "<p>Size, purchase mix and label of each customer and store segment. The label is "
        "derived from the profile: &lt;top price tier&gt; &lt;category1 with at least 60 % of "
        "the units, else mixed&gt; (&lt;category2 when it has at least 40 %&gt;), "
        "&lt;top frame&gt;.</p>"
        + page.table(segments["profiles"], PROFILE_COLUMNS)
        + page.image(silhouettes)
        + "<h3>Segment classifier <small>(marts.classifier_metrics)</small></h3>"
        "<p>A customer's segment predicted from what is known at the first purchase, scored "
        "on the latest 20 % of customers by first order date, beside always predicting the "
        "most frequent segment.</p>"
        + page.table(segments["classifier"])
        + "<h3>Demand forecast <small>(marts.forecast_metrics)</small></h3>"
        + page.table(segments["forecast_metrics"])
        + page.image(forecast)
    )


def render_html(data: ReportData, rendered: dict[str, Any]) -> str:
    """The report page from the data and the rendered charts."""
    totals = data.totals
    figures = [
        ("order lines", totals["order_lines"]),
        ("units", totals["units"]),
        ("revenue (USD)", totals["revenue"]),
        ("customers", totals["customers"]),
        ("stores", totals["stores"]),
        ("models", totals["bikes"]),
    ]
    totals_html = (
        "<div class='totals'>"
        + "".join(
            f"<div>{page.escape(label)}<b>{page.escape(page.format_value(value))}</b></div>"
            for label, value in figures
        )
        + "</div>"
    )
    top_rows = sorted(data.marts["top_model_by_store"], key=lambda row: row["bikeshop_id"])
    top_html = (
        "<p>Tie rule: units descending, then revenue descending, then model name ascending. "
        "Share = the model's units / all units of the store.</p>"
        + page.table(
            top_rows,
            [
                "bikeshop_id",
                "bikeshop_name",
                "city",
                "state",
                "model",
                "units",
                "revenue",
                "share_of_store_units",
            ],
        )
        + (
            page.image(rendered["map"])
            if rendered["map"] is not None
            else page.note("No store has coordinates: no map.")
        )
    )
    audit_html = ""
    for name, title in (
        ("audit_row_reconciliation", "Row reconciliation: every input line accounted for"),
        ("audit_quality_scorecard", "Quality scorecard"),
    ):
        rows = data.audit.get(name)
        audit_html += f"<h3>{page.escape(title)} <small>(audit.{name})</small></h3>"
        audit_html += (
            page.table(rows)
            if rows is not None
            else page.note(f"audit.{name} is not built: run the audit models (`velos run`).")
        )
    sections = [
        (
            "summary",
            "Summary",
            totals_html
            + "<p>Units = sum of quantity over clean order lines; revenue = sum of quantity x unit "
            "price. Store and city are those of the ordering customer's home store.</p>",
        ),
        ("gender", "1. Who buys what: units by gender", page.image(rendered["gender"])),
        ("cities", "2. What each city buys: model x city", page.image(rendered["heatmap"])),
        (
            "histogram",
            "3. Each model's purchases across cities",
            page.histogram_section(rendered["histograms"]),
        ),
        ("stores", "4. Top model per store", top_html),
        ("audit", "Data quality audit", audit_html),
        ("segments", "Segments", segments_html(data, rendered)),
    ]
    subtitle = (
        f"Orders from {page.format_value(totals['first_order_date'])} to "
        f"{page.format_value(totals['last_order_date'])}, from the marts schema."
    )
    return page.document("velos: bike sales segmentation report", subtitle, sections)


def write_report(spark: SparkSession, settings: Settings) -> Path:
    """Write ``index.html`` and the chart PNGs into ``settings.reports_dir``; return the page.

    Raises :class:`velos.errors.VelosError` when the marts are not built.
    """
    data = read_report_data(spark)
    rendered = build_charts(data)
    out_dir = Path(settings.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.iterdir():  # charts of a previous run (e.g. models no longer sold)
        if _OWN_PNG.match(stale.name):
            stale.unlink()
    charts_to_write = [rendered["gender"], rendered["heatmap"]]
    charts_to_write += [chart for _, chart in rendered["histograms"]]
    if rendered["map"] is not None:
        charts_to_write.append(rendered["map"])
    if rendered["segments"] is not None:
        charts_to_write.extend(rendered["segments"])
    for chart in charts_to_write:
        (out_dir / chart.file_name).write_bytes(chart.png)
    report = out_dir / REPORT_FILE
    partial = report.with_suffix(".html.tmp")
    partial.write_text(render_html(data, rendered), encoding="utf-8")
    partial.replace(report)  # a reader never sees a half-written page
    return report
