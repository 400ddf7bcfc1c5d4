"""Figures over years: the years the database knows and each year's totals; a fingerprint
of a period's figures, which tells when a correction changed a closed period."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.figures import flow, history, interviews
from app.figures.read import summed
from app.figures.scope import Scope
from app.models.rollups import TABLES


def known_years(site_ids: tuple[int, ...] | None = None) -> list[int]:
    """Return every year from the first to the last one holding a figure, oldest first."""
    bounds = []
    for name in ("flow_day", "interview_day"):
        table = TABLES[name]
        statement = sa.select(sa.func.min(table.c.local_date), sa.func.max(table.c.local_date))
        if site_ids is not None:
            statement = statement.where(table.c.site_id.in_(site_ids))
        first, last = db.session.execute(statement).one()
        for value in (first, last):
            if value is not None:
                bounds.append(value if isinstance(value, date) else date.fromisoformat(value))
    if not bounds:
        return []
    return list(range(min(bounds).year, max(bounds).year + 1))


def year_totals(scope: Scope) -> dict[str, int]:
    """Return the period's visitors, reorientations and interviews (persons, interviews)."""
    flows = summed("flow_day", {"kind": "kind"}, {"persons": "persons"}, scope)
    by_kind = {row["kind"]: row["persons"] for row in flows}
    held = summed("interview_day", {}, {"interviews": "count"}, scope)
    return {"visitors": by_kind.get(flow.ARRIVAL, 0),
            "reorientations": by_kind.get(flow.REORIENTATION, 0),
            "interviews": held[0]["count"] if held else 0}


def trend(site_ids: tuple[int, ...] | None, last_year: int) -> list[dict]:
    """Return each known year's totals up to last_year, oldest first.

    The past years' imported aggregates count where nothing was captured (app/figures/
    history.py: captured months win); such a year is marked `imported`. Reorientations were
    never imported: an imported year has the captured ones only.
    """
    imported = {row["year"]: row for row in history.yearly_totals(site_ids) if row["imported"]}
    years = sorted(y for y in set(known_years(site_ids)) | set(imported) if y <= last_year)
    rows = []
    for year in years or [last_year]:
        totals = year_totals(Scope(date(year, 1, 1), date(year, 12, 31), site_ids))
        if year in imported:
            totals.update(visitors=imported[year]["visitors"],
                          interviews=imported[year]["interviews"])
        rows.append({"year": year, **totals, "imported": year in imported})
    return rows


def has_figures(scope: Scope) -> bool:
    """Tell whether anything was counted in the period (an arrival or an interview)."""
    totals = year_totals(scope)
    return bool(totals["visitors"] or totals["interviews"] or totals["reorientations"])


def fingerprint(scope: Scope) -> str:
    """Return a digest of the period's figures: it changes whenever one of them does."""
    parts = [
        flow.arrivals_by_destination(scope),
        flow.reorientations(scope),
        flow.arrivals_by_profile(scope),
        summed("flow_day", {"local_date": "date", "kind": "kind"}, {"persons": "p"}, scope),
        interviews.interviews(scope),
        interviews.interviews_by_duration(scope),
        interviews.interviews_by_theme(scope),
        interviews.interviews_by_outcome(scope),
        interviews.interviews_by_profile(scope),
        summed("interview_day", {"local_date": "date"}, {"interviews": "n"}, scope),
    ]
    canonical = json.dumps([sorted(json.dumps(row, sort_keys=True, default=str) for row in part)
                            for part in parts])
    return hashlib.sha256(canonical.encode()).hexdigest()


__all__ = ["fingerprint", "has_figures", "known_years", "trend", "year_totals"]
