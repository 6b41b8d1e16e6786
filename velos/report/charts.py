"""The report's charts, drawn with matplotlib (Agg, no display) from plain rows.

Each function takes rows as read by :mod:`velos.report.data` and returns a Figure; nothing here
knows about Spark or HTML. Figures are built with ``matplotlib.figure.Figure`` rather than
pyplot, so no global figure state is kept between calls.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the report is written by servers and CI too

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

# Labels are the client's names: "$" must stay a dollar sign, not start TeX math mode
matplotlib.rcParams["text.parse_math"] = False

Row = dict[str, Any]

GENDER_LABELS = {"F": "Women (F)", "M": "Men (M)", "U": "Unknown (U)"}
GENDER_COLOURS = {"F": "#cc79a7", "M": "#0072b2", "U": "#999999"}  # colour-blind safe
TOP_MODELS = 15


def _city_label(row: Row) -> str:
    return f"{row['city']}, {row['state']}"


def _units_by(rows: Iterable[Row], key: str) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row[key]] += int(row["units"])
    return totals


def _ranked(totals: dict[str, int]) -> list[str]:
    """Keys by units descending, then name, so equal totals keep a stable order."""
    return sorted(totals, key=lambda name: (-totals[name], name))


def gender_chart(purchases_by_gender: list[Row], top: int = TOP_MODELS) -> Figure:
    """Stacked horizontal bars: units by gender of the ``top`` models by units."""
    models = _ranked(_units_by(purchases_by_gender, "model"))[:top]
    units = {(row["model"], row["gender"]): int(row["units"]) for row in purchases_by_gender}
    figure = Figure(figsize=(10, 0.38 * len(models) + 1.8), layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(models))
    left = [0] * len(models)
    for gender in ("F", "M", "U"):
        values = [units.get((model, gender), 0) for model in models]
        if not any(values):
            continue
        axes.barh(
            positions, values, left=left, color=GENDER_COLOURS[gender], label=GENDER_LABELS[gender]
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    for position, total in zip(positions, left, strict=True):
        axes.annotate(
            f"{total:,}",
            (total, position),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_yticks(list(positions), models, fontsize=8)
    axes.invert_yaxis()  # best seller on top
    axes.set_xlabel("units sold")
    axes.set_title(f"Units by customer gender, top {len(models)} models by units")
    axes.legend(loc="lower right", frameon=False)
    axes.margins(x=0.08)
    return figure


def heatmap_chart(purchases_by_city: list[Row]) -> Figure:
    """Model x city heat map of units; models and cities both by units descending."""
    models = _ranked(_units_by(purchases_by_city, "model"))
    city_units: dict[str, int] = defaultdict(int)
    for row in purchases_by_city:
        city_units[_city_label(row)] += int(row["units"])
    cities = _ranked(city_units)
    model_index = {model: i for i, model in enumerate(models)}
    city_index = {city: j for j, city in enumerate(cities)}
    # NaN, not 0, where a model did not sell: drawn as blank cells, apart from low sales
    matrix = [[math.nan] * len(cities) for _ in models]
    for row in purchases_by_city:
        matrix[model_index[row["model"]]][city_index[_city_label(row)]] = int(row["units"])
    figure = Figure(
        figsize=(max(8, 0.32 * len(cities) + 4), max(5, 0.15 * len(models) + 2.5)),
        layout="constrained",
    )
    axes = figure.add_subplot()
    colours = matplotlib.colormaps["YlOrRd"].with_extremes(bad="white")
    image = axes.imshow(matrix, aspect="auto", cmap=colours, interpolation="nearest")
    axes.set_xticks(range(len(cities)), cities, rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(len(models)), models, fontsize=6)
    axes.set_xlabel("city of the customers' home store (by units, descending)")
    axes.set_ylabel("model (by units, descending)")
    axes.set_title("Units sold by model and city")
    figure.colorbar(image, ax=axes, label="units sold", shrink=0.6)
    return figure


HISTOGRAM_SIZE = (10, 4.2)  # inches
# where the axes sit in every histogram, as a fraction of the figure: left, bottom, width, height
Frame = tuple[float, float, float, float]


def _draw_histogram(
    figure: Figure,
    title: str,
    cities: list[str],
    units: list[int],
    top_share: float,
    frame: Frame | None,
) -> Axes:
    axes = figure.add_subplot() if frame is None else figure.add_axes(frame)
    axes.bar(range(len(cities)), units, color="#0072b2")
    axes.set_xticks(range(len(cities)), cities, rotation=60, ha="right", fontsize=7)
    # units are whole: integer ticks, so the widest tick label is the largest count's
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("city of the customers' home store (by rank)")
    axes.set_ylabel("units sold")
    axes.set_title(title)
    axes.annotate(
        f"top city: {top_share:.1%} of the model's units",
        (0.99, 0.95),
        xycoords="axes fraction",
        ha="right",
        va="top",
        fontsize=8,
    )
    return axes


def histogram_frame(model_city_histogram: list[Row]) -> Frame:
    """One place for the axes of every histogram, so none needs a layout engine of its own.

    The constrained layout is most of a histogram's drawing time, and every histogram has the
    same size, fonts and kind of labels. It runs once, on a chart whose every city label is
    the widest one drawn and whose bar is the largest count: what fits there fits in each.
    """
    labels = {_city_label(row) for row in model_city_histogram}
    renderer = FigureCanvasAgg(Figure(figsize=HISTOGRAM_SIZE)).get_renderer()
    font = FontProperties(size=7)
    widest = max(
        sorted(labels),
        key=lambda label: renderer.get_text_width_height_descent(label, font, ismath=False)[0],
        default="",
    )
    cities_of_model: dict[str, int] = defaultdict(int)
    for row in model_city_histogram:
        cities_of_model[row["model"]] += 1
    bars = max(cities_of_model.values(), default=0)
    largest = max((int(row["units"]) for row in model_city_histogram), default=0)
    probe = Figure(figsize=HISTOGRAM_SIZE, layout="constrained")
    axes = _draw_histogram(probe, "probe", [widest] * bars, [largest] * bars, 1.0, None)
    FigureCanvasAgg(probe).draw()
    left, bottom, width, height = axes.get_position().bounds
    return (float(left), float(bottom), float(width), float(height))


def histogram_chart(model: str, rows: list[Row], frame: Frame) -> Figure:
    """One model's units across cities (model_city_histogram rows of that model), its axes
    where ``frame`` (:func:`histogram_frame`) puts them."""
    rows = sorted(rows, key=lambda row: int(row["rank_in_model"]))
    cities = [_city_label(row) for row in rows]
    units = [int(row["units"]) for row in rows]
    top_share = float(rows[0]["share_of_model_units"]) if rows else 0.0
    figure = Figure(figsize=HISTOGRAM_SIZE)
    _draw_histogram(figure, f"{model}: {sum(units):,} units across {len(cities)} cities",
                    cities, units, top_share, frame)  # fmt: skip
    return figure


def store_map_chart(top_model_by_store: list[Row], bikeshops: list[Row]) -> Figure | None:
    """Stores at their coordinates, marker size = units of their top model, labelled with it.

    None when no store has coordinates (they are nulled when outside the US box).
    """
    where = {row["bikeshop_id"]: row for row in bikeshops}
    points = [
        (row, where[row["bikeshop_id"]])
        for row in top_model_by_store
        if row["bikeshop_id"] in where
        and where[row["bikeshop_id"]]["latitude"] is not None
        and where[row["bikeshop_id"]]["longitude"] is not None
    ]
    if not points:
        return None
    models = sorted({row["model"] for row, _ in points})
    palette = matplotlib.colormaps["tab20"]
    colour = {model: palette(i % 20) for i, model in enumerate(models)}
    figure = Figure(figsize=(11, 6.5), layout="constrained")
    axes = figure.add_subplot()
    largest = max(int(row["units"]) for row, _ in points)
    placed: list[tuple[float, float]] = []
    # north to south, a label moves below its point when one just north of it would overlap
    points.sort(key=lambda point: -float(point[1]["latitude"]))
    for row, shop in points:
        x, y = float(shop["longitude"]), float(shop["latitude"])
        crowded = any(abs(x - px) < 4.0 and 0 <= py - y < 1.0 for px, py in placed)
        placed.append((x, y))
        axes.scatter(
            x,
            y,
            s=40 + 360 * int(row["units"]) / largest,
            color=colour[row["model"]],
            edgecolor="black",
            linewidth=0.5,
            alpha=0.85,
        )
        axes.annotate(
            f"{row['city']}: {row['model']}",
            (x, y),
            xytext=(6, -10 if crowded else 4),
            textcoords="offset points",
            fontsize=6.5,
        )
    axes.set_xlabel("longitude (degrees)")
    axes.set_ylabel("latitude (degrees)")
    axes.set_title("Top model of each store, at the store's location (marker size = units)")
    axes.grid(True, linewidth=0.3)
    axes.margins(x=0.12, y=0.08)
    return figure


def silhouette_chart(k_scores: list[Row]) -> Figure:
    """Silhouette of every k tried, one line per kind (customers, stores); chosen k marked."""
    figure = Figure(figsize=(8, 3.8), layout="constrained")
    axes = figure.add_subplot()
    for kind, colour in (("customer", "#0072b2"), ("store", "#d55e00")):
        rows = sorted((row for row in k_scores if row["segment_kind"] == kind),
                      key=lambda row: int(row["k"]))  # fmt: skip
        if not rows:
            continue
        axes.plot([int(r["k"]) for r in rows], [float(r["silhouette"]) for r in rows],
                  marker="o", color=colour, label=f"{kind}s")  # fmt: skip
        for row in rows:
            if row["is_chosen"]:
                axes.scatter(int(row["k"]), float(row["silhouette"]), s=160, facecolors="none",
                             edgecolors=colour, linewidths=2)  # fmt: skip
    axes.set_xlabel("k (number of segments)")
    axes.set_ylabel("silhouette (higher is better)")
    axes.set_title("Silhouette per k; the circled k is the one kept")
    axes.legend(frameon=False)
    axes.grid(True, linewidth=0.3)
    return figure


def forecast_chart(holdout: list[Row], forecast: list[Row]) -> Figure:
    """Units per month, all category2 together: actuals and both predictions on the holdout,
    then the forecast with its interval."""

    def monthly(rows: list[Row], column: str) -> tuple[list[Any], list[float]]:
        totals: dict[Any, float] = defaultdict(float)
        for row in rows:
            totals[row["month_start_date"]] += float(row[column])
        months = sorted(totals)
        return months, [totals[month] for month in months]

    figure = Figure(figsize=(10, 4.2), layout="constrained")
    axes = figure.add_subplot()
    styles: tuple[tuple[list[Row], str, dict[str, Any], str], ...] = (
        (holdout, "actual_units", dict(color="black", marker="o"), "actual"),
        (holdout, "predicted_units", dict(color="#0072b2", marker="s"), "regression"),
        (holdout, "seasonal_naive_units", dict(color="#999999", linestyle="--"),
         "seasonal-naive (same month last year)"),
        (forecast, "predicted_units", dict(color="#009e73", marker="^"), "forecast"),
    )  # fmt: skip
    for rows, column, style, label in styles:
        months, values = monthly(rows, column)
        axes.plot(months, values, label=label, **style)
    months, lower = monthly(forecast, "lower_units")
    _, upper = monthly(forecast, "upper_units")
    axes.fill_between(months, lower, upper, color="#009e73", alpha=0.15,
                      label="forecast interval (sum of the categories' bounds)")  # fmt: skip
    axes.set_ylabel("units per month (all category2)")
    axes.set_title("Demand forecast: the 12 held-out months, then the months ahead")
    axes.legend(frameon=False, fontsize=8)
    axes.grid(True, linewidth=0.3)
    figure.autofmt_xdate()
    return figure
