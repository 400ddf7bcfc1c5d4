"""JSON twins of the reports: the workbook's figures, for other tools.

A twin is read from the same grids the workbook is written from, so both hold the same
numbers, and a value hidden in the publication edition is the same text ("<11", "s").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO

from app.exports.floor import floor_twin
from app.exports import events as event_sheets
from app.exports.grids import Grid, Report
from app.exports.reports import data_as_of, provisional
from app.privacy.suppression import SECONDARY_MARK, small_mark


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def grid_json(grid: Grid) -> dict:
    """Return a grid as JSON-ready data: its columns, then each row's values by column code."""
    return {
        "title": grid.title,
        "columns": [{"code": c.code, "label": c.label} for c in grid.columns],
        "rows": [
            {"code": code, "label": label,
             "values": {c.code: grid.shown(i, j) for j, c in enumerate(grid.columns)}}
            for i, (code, label) in enumerate(grid.rows)
        ],
    }


def _by_code(grid: Grid, name: str) -> dict:
    """Map each item row's code to its label and its total (or its only count)."""
    j = grid.count_columns()[-1]
    last = len(grid.rows) - (1 if grid.total_row else 0)
    return {code: {"label": label, name: grid.shown(i, j)}
            for i, (code, label) in enumerate(grid.rows[:last])}


def _flows(grid: Grid) -> list[dict]:
    """List a from × to matrix's cells that hold someone or are hidden, as from/to/count."""
    items = len(grid.rows) - (1 if grid.total_row else 0)
    out = []
    for i, (from_code, from_label) in enumerate(grid.rows[:items]):
        for j, column in enumerate(grid.columns):
            if column.kind != "count":
                continue
            # Listing only non-zero cells must not tell which hidden cells are zeros.
            if grid.values[i][j] or grid.status[i][j] is not None:
                out.append({"from": from_code, "from_label": from_label, "to": column.code,
                            "to_label": column.label, "count": grid.shown(i, j)})
    return out


def _grid(report: Report, key: str) -> Grid | None:
    return next((g for g in report.grids() if g.key == key), None)


def report_twin(report: Report, data: dict) -> dict:
    """Return the JSON twin of a report built from data."""
    summary = report.grid("summary")
    codes = {code for code, _label in summary.rows}

    def figure(code: str, column: str = "current"):
        return summary.shown_at(code, column) if code in codes else None

    destinations = _grid(report, "arrivals_by_destination")
    partners = _grid(report, "interviews_by_partner")
    twin = {
        "report": report.kind,
        "title": report.title,
        "period": {"start": data["start"].isoformat(), "end": data["end"].isoformat()},
        "site": dict(data["site"]) if data["site"] else None,
        "edition": report.edition,
        "generated_at": data["generated_at"].isoformat(timespec="seconds"),
        # A period not over yet: its figures will still change (issue 12).
        "provisional": provisional(data),
        "data_as_of": data_as_of(data).isoformat(),
        "visitors": figure("visitors"),
        "arrivals_by_destination": _by_code(destinations, "persons") if destinations else {},
        "reorientations": _flows(report.grid("reorientations")),
        "interviews": figure("interviews"),
        "interviews_by_pole": _by_code(report.grid("interviews_by_pole"), "count"),
        "interviews_by_partner": _by_code(partners, "count") if partners else {},
        "opening_days": figure("opening_days"),
    }
    if report.threshold is not None:
        twin["suppression"] = {
            "threshold": report.threshold,
            "small": small_mark(report.threshold),
            "secondary": SECONDARY_MARK,
        }
    if "partner" in report.twin:
        twin["partner"] = report.twin["partner"]
        twin["interviews_by_partner"] = {report.twin["partner"]["code"]: {
            "label": report.twin["partner"]["label"], "count": figure("interviews")}}
    if report.twin.get("previous_period"):
        twin["previous_year"] = {
            "period": report.twin["previous_period"],
            "figures": {code: summary.shown_at(code, "previous") for code, _l in summary.rows},
        }
    if "compare" in report.twin:
        twin["compare"] = [
            {**period, "figures": {code: summary.shown_at(code, f"compare_{k}")
                                   for code, _l in summary.rows}}
            for k, period in enumerate(report.twin["compare"])
        ]
    if "imported" in report.twin:
        twin["imported"] = report.twin["imported"]  # the past years' aggregates, marked
    twin.update(floor_twin(report))  # issue 11: satisfaction and occupancy
    twin.update(event_sheets.twin_keys(report))
    if report.kind == "annual":
        twin["sites"] = sites_twin(report)
    if "data_quality" in report.twin:
        twin["data_quality"] = report.twin["data_quality"]
    twin["tables"] = {grid.key: grid_json(grid) for grid in report.grids()}
    return twin


def sites_twin(report: Report) -> dict:
    """Return {site code: {"visitors", "opening_days", "interviews"}} (issue 10), as the
    opening-days sheet shows them (hidden cells keep their mark)."""
    grid = _grid(report, "opening_days")
    if grid is None:
        return {}
    last = len(grid.rows) - (1 if grid.total_row else 0)
    return {code: {name: grid.shown_at(code, name)
                   for name in ("visitors", "opening_days", "interviews")}
            for code, _label in grid.rows[:last]}


def dump(twin: dict, stream: IO[str]) -> None:
    """Write a twin as indented UTF-8 JSON."""
    json.dump(twin, stream, ensure_ascii=False, indent=1, default=_plain)


class RawTwin:
    """Stream the raw export's rows as JSON while the workbook is written, without a copy."""

    def __init__(self, stream: IO[str], header: dict):
        self.stream = stream
        self.first_sheet = True
        self.first_row = True
        text = json.dumps(header, ensure_ascii=False, default=_plain)
        # Open the object, keep its header keys, then the sheets one after the other.
        stream.write(text[:-1] + (", " if header else "") + '"sheets": {')

    def start_sheet(self, key: str, columns: list[str]) -> None:
        """Begin a sheet's list of rows."""
        if not self.first_sheet:
            self.stream.write("]},")
        self.first_sheet = False
        self.first_row = True
        self.stream.write(f'\n{json.dumps(key)}: {{"columns": {json.dumps(columns)}, "rows": [')

    def append(self, values: Iterable) -> None:
        """Write one row as a JSON list."""
        self.stream.write(("\n" if self.first_row else ",\n")
                          + json.dumps(list(values), ensure_ascii=False, default=_plain))
        self.first_row = False

    def close(self, footer: dict) -> None:
        """End the sheets and add the footer's keys (totals counted while streaming)."""
        if not self.first_sheet:
            self.stream.write("]}")
        tail = json.dumps(footer, ensure_ascii=False, default=_plain)[1:]
        self.stream.write("}" + ((", " + tail) if footer else "}"))
