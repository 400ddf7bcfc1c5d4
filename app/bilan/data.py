"""The bilan's figures: the annual report's grids and twin, the trend, the foreword.

Everything is read once, here, from the figures layer (app/figures/), through the same
report the annual workbook and its JSON twin are written from: the document can only
show the twin's figures, hidden cells included. Templates read this dict and nothing else.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.exports.reports import EDITIONS, annual_report, edition_label
from app.exports.twin import report_twin
from app.figures import trend as trend_figures
from app.figures.period import build_annual_data
from app.privacy.suppression import SECONDARY_MARK, is_small, small_mark
from app.timeutil import local_today


def threshold() -> int:
    """Return the small-cell threshold of the publication edition."""
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 10))


def provisional(end: date, today: date | None = None) -> bool:
    """Tell whether a period has not ended yet: its figures may still change."""
    return end >= (today or local_today())


def gather(year: int, site_code: str | None, edition: str, *, foreword: str = "",
           today: date | None = None) -> dict:
    """Return every figure and word the bilan of a year shows, in one dict."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    today = today or local_today()
    t = threshold()
    with force_locale("fr"):
        data = build_annual_data(date(year, 1, 1), date(year, 12, 31), site_code)
        report = annual_report(data, edition, t)
        twin = report_twin(report, data)
        site_ids = None if data["site"] is None else tuple(
            row["id"] for row in data["scope_sites"])
        years = trend_figures.trend(site_ids, year)
        hidden = t if edition == "public" else None
        return {
            "year": year,
            "start": data["start"],
            "end": data["end"],
            "site": data["site"],
            "scope_label": data["site"]["label"] if data["site"] else _("Réseau (tous les sites)"),
            "sites": [row["label"] for row in data["scope_sites"]],
            "edition": edition,
            "edition_label": edition_label(edition),
            "threshold": hidden,
            "small_mark": small_mark(t) if hidden else None,
            "secondary_mark": SECONDARY_MARK if hidden else None,
            "generated_at": data["generated_at"],
            "provisional": provisional(data["end"], today),
            "data_as_of": min(today, data["end"]),
            "title": report.title,
            "filters": report.filters,
            "legend": report.legend,
            "report": report,
            "grids": {grid.key: grid for grid in report.grids()},
            "twin": twin,
            "trend": _trend_rows(years, hidden),
            "foreword": foreword.strip(),
        }


def _trend_rows(years: list[dict], hidden: int | None) -> list[dict]:
    """Return each year's totals as shown: small ones hidden in the publication edition."""
    rows = [dict(row) for row in years]
    if hidden is None:
        return rows
    # Each year stands alone (no total is printed): hiding the small counts is enough.
    for row in rows:
        for name in ("visitors", "reorientations", "interviews"):
            if is_small(row[name], hidden):
                row[name] = small_mark(hidden)
    return rows
