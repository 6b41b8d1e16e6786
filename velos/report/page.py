"""The report page: one self-contained HTML file (inline CSS, images as data URIs).

Pure string building from rows and already-rendered PNGs; every value is escaped. The only
script is the inline model selector of the histogram section; without scripts every histogram
shows, one under the other.
"""

from __future__ import annotations

import base64
import datetime
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

Row = dict[str, Any]

__all__ = [
    "Chart",
    "document",
    "escape",
    "format_value",
    "histogram_section",
    "image",
    "note",
    "table",
]

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; line-height: 1.45; }
header { background: #1d2330; color: #fff; padding: 1.2rem 2rem; }
header h1 { margin: 0 0 .3rem; font-size: 1.5rem; }
header p { margin: 0; color: #c9cfdb; }
nav { padding: .6rem 2rem; background: #e8ebf0; font-size: .9rem; }
nav a { margin-right: 1.2rem; color: #1d2330; }
main { padding: 1rem 2rem 3rem; max-width: 1200px; }
section { background: #fff; border-radius: 6px; padding: 1rem 1.4rem; margin: 1.2rem 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { margin-top: .2rem; font-size: 1.2rem; }
figure { margin: .6rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e6eb; }
figcaption { font-size: .85rem; color: #555; }
table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0; }
th, td { border-bottom: 1px solid #e3e6eb; padding: .25rem .6rem; text-align: left; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.totals { display: flex; flex-wrap: wrap; gap: .6rem 2rem; }
.totals div { font-size: .9rem; } .totals b { display: block; font-size: 1.3rem; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem .8rem; }
select { font-size: 1rem; padding: .2rem; }
"""

SELECTOR_SCRIPT = """
(function () {
  var select = document.getElementById('histogram-model');
  var figures = document.querySelectorAll('figure.histogram');
  function show() {
    figures.forEach(function (figure) { figure.hidden = figure.dataset.index !== select.value; });
  }
  select.addEventListener('change', show);
  show();
})();
"""


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its PNG bytes, the file it was saved as, and its text."""

    file_name: str
    png: bytes
    title: str
    caption: str = ""


def format_value(value: Any) -> str:
    """A cell value as text: thousands separators, 2 decimals for money, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, decimal.Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def table(rows: Sequence[Row], columns: Sequence[str] | None = None) -> str:
    """An HTML table of rows (dicts), numbers right-aligned."""
    if not rows:
        return "<p class='note'>No rows.</p>"
    columns = list(columns or rows[0].keys())
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    body = []
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            numeric = isinstance(value, int | float | decimal.Decimal) and not isinstance(
                value, bool
            )
            css = " class='num'" if numeric else ""
            cells.append(f"<td{css}>{escape(format_value(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def image(chart: Chart, extra: str = "") -> str:
    """A figure with the chart inlined as a base64 PNG data URI and a link to its PNG file."""
    data = base64.b64encode(chart.png).decode("ascii")
    caption = escape(chart.caption) + (" " if chart.caption else "")
    return (
        f"<figure{extra}><img src='data:image/png;base64,{data}' alt='{escape(chart.title)}'>"
        f"<figcaption>{caption}PNG: <a href='{escape(chart.file_name)}'>"
        f"{escape(chart.file_name)}</a></figcaption></figure>"
    )


def note(text: str) -> str:
    """A highlighted paragraph for missing or pending sections."""
    return f"<p class='note'>{escape(text)}</p>"


def histogram_section(histograms: Sequence[tuple[str, Chart]]) -> str:
    """The model selector and one figure per model (only the selected one visible)."""
    options = "".join(
        f"<option value='{index}'>{escape(model)}</option>"
        for index, (model, _) in enumerate(histograms)
    )
    figures = "".join(
        image(chart, extra=f" class='histogram' data-index='{index}'")
        for index, (_, chart) in enumerate(histograms)
    )
    return (
        f"<label for='histogram-model'>Model ({len(histograms)}, by units descending): </label>"
        f"<select id='histogram-model'>{options}</select>{figures}"
        f"<script>{SELECTOR_SCRIPT}</script>"
    )


def document(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document; sections are (anchor, heading, inner HTML)."""
    nav = "".join(f"<a href='#{anchor}'>{escape(heading)}</a>" for anchor, heading, _ in sections)
    body = "".join(
        f"<section id='{anchor}'><h2>{escape(heading)}</h2>{inner}</section>"
        for anchor, heading, inner in sections
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )
