"""Charts drawn on the server as SVG (matplotlib), from the grids the tables show.

The PDF has no script to draw a chart, so each is drawn here, from the same grid as the
table under it: a hidden cell is not drawn (a bar's length would give it away).
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap

import matplotlib
from matplotlib.figure import Figure

from app.exports.grids import Grid

matplotlib.use("svg")
matplotlib.rcParams.update({
    # Text stays text: smaller files, and the PDF's words can be searched and read back.
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "affluence",  # the same figures give the same file
})

# Colours that print (and read in grey): dark blue, orange, green, purple.
PALETTE = ["#1f4e79", "#d9822b", "#3a7d44", "#7b4f9d", "#9c2f2f", "#5c6b73"]
WIDTH_IN = 6.6  # the text width of an A4 page with the document's margins
MAX_HEIGHT_IN = 8.5
_COUNTER = itertools.count(1)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


_ID = re.compile(r'\bid="([^"]+)"')


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    # Only the <svg> element: the page and the PDF inline it.
    text = text[text.index("<svg"):]
    # matplotlib numbers its ids from 1 in every chart: several charts inlined in one page
    # would repeat them, and a reference (#id) would point into another chart.
    ids = set(_ID.findall(text))
    prefix = f"c{next(_COUNTER)}-"
    text = re.sub(r'(\bid="|#)([A-Za-z_][\w.-]*)',
                  lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2),
                  text)
    return text


def grid_chart(grid: Grid) -> str | None:
    """Return the SVG chart of a grid's chosen columns against its item rows, or None."""
    plotted = grid_series(grid)
    if plotted is None:
        return None
    labels, series = plotted
    if grid.chart.kind == "line":
        return line_chart(grid.chart.title, labels, series)
    return bar_chart(grid.chart.title, labels, series)


def grid_series(grid: Grid) -> tuple[list[str], list[tuple[str, list]]] | None:
    """Return the labels and series a grid's chart plots, or None when it has no chart."""
    if grid.chart is None:
        return None
    items = len(grid.rows) - (1 if grid.total_row else 0)
    if items < 2:
        return None
    labels = [label for _code, label in grid.rows[:items]]
    series = []
    for code in grid.chart.columns:
        j = grid.col(code)
        values = [_number(grid.shown(i, j)) for i in range(items)]
        if any(v for v in values if v is not None):
            series.append((grid.columns[j].label, values))
    if not series:
        return None
    return labels, series


def line_chart(title: str, labels: list[str], series: list[tuple[str, list]]) -> str:
    """Return an SVG line chart, one line per series (a hidden value leaves a gap)."""
    figure = Figure(figsize=(WIDTH_IN, 2.8))
    axes = figure.add_subplot()
    positions = range(len(labels))
    for k, (name, values) in enumerate(series):
        axes.plot(positions, [float("nan") if v is None else v for v in values], marker="o",
                  markersize=3, linewidth=1.6, color=PALETTE[k % len(PALETTE)], label=name)
    axes.set_xticks(list(positions), [textwrap.shorten(str(x), 14, placeholder="…")
                                      for x in labels], rotation=45 if len(labels) > 8 else 0,
                    ha="right" if len(labels) > 8 else "center")
    _finish(axes, title, len(series) > 1)
    return _svg(figure)


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list]]) -> str:
    """Return an SVG bar chart: upright for short labels (months, hours), else lying down."""
    upright = len(labels) <= 16 and max(len(str(x)) for x in labels) <= 10
    if upright:
        figure = Figure(figsize=(WIDTH_IN, 2.6))
    else:
        height = min(MAX_HEIGHT_IN, 0.9 + 0.28 * len(labels) * max(1, len(series) * 0.6))
        figure = Figure(figsize=(WIDTH_IN, height))
    axes = figure.add_subplot()
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series):
        offsets = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        heights = [v or 0 for v in values]
        colour = PALETTE[k % len(PALETTE)]
        if upright:
            axes.bar(offsets, heights, width=width, color=colour, label=name)
        else:
            axes.barh(offsets, heights, height=width, color=colour, label=name)
    if upright:
        axes.set_xticks(range(len(labels)), [str(x) for x in labels],
                        rotation=45 if len(labels) > 7 else 0,
                        ha="right" if len(labels) > 7 else "center")
        axes.yaxis.grid(True, color="#dddddd", linewidth=0.6)
    else:
        axes.set_yticks(range(len(labels)), [textwrap.fill(str(x), 34) for x in labels])
        axes.invert_yaxis()
        axes.xaxis.grid(True, color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    _finish(axes, title, len(series) > 1)
    return _svg(figure)


def _finish(axes, title: str, legend: bool) -> None:
    axes.set_title(title, loc="left", fontsize=9, fontweight="bold")
    if legend:
        axes.legend(frameon=False, fontsize=7)


def trend_chart(title: str, rows: list[dict], labels: dict[str, str]) -> str | None:
    """Return the SVG line chart of the yearly totals, or None with fewer than two years."""
    if len(rows) < 2:
        return None
    series = [(label, [_number(row[name]) for row in rows]) for name, label in labels.items()]
    return line_chart(title, [str(row["year"]) for row in rows], series)
