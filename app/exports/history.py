"""The past years in the reports: imported monthly aggregates as a grid of their own, marked.

Imported months are kept apart from the captured figures (which have days, hours and
profiles an aggregate lacks): the annual report adds a sheet listing them and two
summary rows, and its twin an "imported" block read from the same grid.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from app.exports.grids import Grid, Sheet, change, count_grid, derived_status
from app.privacy.suppression import PRIMARY, is_small

MEASURES = ("visitors", "interviews", "events", "attendance")


def imported_grid(data: dict, threshold: int | None) -> Grid | None:
    """Build imported visitors, interviews, events and attendance per month (None: none)."""
    months = data.get("imported_by_month") or {}
    if not months:
        return None
    rows = [(f"{month:%Y-%m}", format_date(month, "MMMM yyyy").capitalize())
            for month in months]
    cells = [[values[name] for name in MEASURES] for values in months.values()]
    columns = [("visitors", _("Visiteurs (personnes)")), ("interviews", _("Entretiens")),
               ("events", _("Événements")), ("attendance", _("Participants"))]
    grid = count_grid("imported", _("Agrégats mensuels importés"), _("Mois"), rows, columns,
                      cells, threshold, row_totals=False)
    grid.note = _("Chiffres importés du classeur des années passées : des totaux mensuels "
                  "par site, sans détail par jour, heure ni profil. Un mois déjà saisi dans "
                  "l'application garde ses données saisies.")
    return grid


def _total(data: dict | None, name: str) -> int:
    return sum(month[name] for month in ((data or {}).get("imported_by_month") or {}).values())


def add_imported(report, data: dict, threshold: int | None) -> None:
    """Add the imported months to an annual report: a sheet, summary rows and the twin's block."""
    grid = imported_grid(data, threshold)
    previous = data.get("previous")
    if grid is None and not _total(previous, "visitors") and not _total(previous, "interviews"):
        return
    summary = report.grid("summary")
    for name, label in (("visitors", _("Visiteurs (agrégats importés)")),
                        ("interviews", _("Entretiens (agrégats importés)"))):
        now, before = _total(data, name), _total(previous, name) if previous else None
        states = [(PRIMARY if threshold is not None and is_small(value, threshold) else None)
                  if value is not None else None for value in (now, before)]
        summary.rows.append((f"imported_{name}", label))
        summary.values.append([now, before, change(now, before)])
        summary.status.append([*states, derived_status(*states)])
        if summary.row_formats is not None:
            summary.row_formats.append(summary.row_formats[0])
    if grid is not None:
        report.sheets.append(Sheet(_("Agrégats importés"), [grid]))
        report.twin["imported"] = {
            "marked": "imported",
            "months": [code for code, _label in grid.rows if code != "total"],
            **{name: grid.shown_at("total", name) for name in MEASURES},
            "captured_wins": data["imported"]["captured_wins"],
        }
    else:
        report.twin["imported"] = {"marked": "imported", "months": [],
                                   **{name: 0 for name in MEASURES},
                                   "captured_wins": data["imported"]["captured_wins"]}
