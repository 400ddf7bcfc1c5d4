"""A period's figures as the reports take them: the figures layer's rows, with the
reference rows and opening days that label them.

The rows come from app.figures.flow and app.figures.interviews (the daily rollups), the
same functions the dashboard reads. Labels are looked up afterwards, so renaming a
reference row never splits a series.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    PROFILE_CATEGORIES,
    EventType,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    Space,
    Theme,
)
from app import reference
from app.figures import events, flow, history, interviews, occupancy, poles, satisfaction
from app.figures.scope import Scope
from app.reference import STORED
from app.figures import network
from app.figures.network import site_calendars
from app.stats.calendar import SiteCalendar, opening_days, opening_days_all, opening_hours_span
from app.timeutil import one_year_earlier, to_local, utcnow


class UnknownReference(LookupError):
    """A site or partner code names no row."""


def build_annual_data(start: date, end: date, site_code: str | None) -> dict:
    """Return the figures of the period and, under "previous", of the year before."""
    data = period_data(start, end, site_code)
    data["previous"] = period_data(one_year_earlier(start), one_year_earlier(end), site_code)
    return data


def period_data(start: date, end: date, site_code: str | None, *,
                partner_code: str | None = None) -> dict:
    """Return the aggregated figures of one period, for one site or the whole network."""
    # With partner_code, only the interviews that partner's counsellors held count, with
    # the reorientations those interviews produced, and no reception figures.
    site = _site(site_code)
    partner = _partner(partner_code)
    refs = reference_rows()
    flows = partner is None
    scope = Scope(start, end, (site.id,) if site else None,
                  partner_id=partner.id if partner else None)
    data = {
        "start": start,
        "end": end,
        "site": {"code": site.code, "label": site.label} if site else None,
        "partner": ({"code": partner.code, "label": partner.label, "id": partner.id}
                    if partner else None),
        "generated_at": to_local(utcnow()),
        "flows": flows,
        "refs": refs,
        "arrivals_by_day": flow.arrivals_by_hour(scope),
        "arrivals_by_destination": flow.arrivals_by_destination(scope),
        "arrivals_by_profile": flow.arrivals_by_profile(scope),
        "reorientations": flow.reorientations(scope),
        "interviews": interviews.interviews(scope),
        "interviews_by_day": interviews.interviews_by_day(scope),
        "interviews_by_duration": interviews.interviews_by_duration(scope),
        "interviews_by_profile": interviews.interviews_by_profile(scope),
        "interviews_by_theme": interviews.interviews_by_theme(scope),
        "interviews_by_outcome": interviews.interviews_by_outcome(scope),
    }
    data.update(history.period_rows(scope))  # the past years' imported months, apart
    data.update(floor_rows(scope))  # issue 11
    data["events"] = events.period_rows(scope, utcnow())
    data["scope_sites"] = _scope_sites(data, site)
    data["opening_days"], data["network_opening_days"] = _opening_days(data, start, end)
    # The centres side by side (issue 10): the regional consolidation sheet reads them.
    data["network"] = network.side_by_side(scope, [row["id"] for row in data["scope_sites"]])
    data["quality"] = network.data_quality(scope) if flows else None
    data["opening_hours_span"] = opening_hours_span(
        [SiteCalendar(row["opening_hours"] or {}) for row in data["scope_sites"]])
    return data


def site_info(code: str | None) -> dict | None:
    """Return the code and label of the site a report covers (None: the whole network)."""
    site = _site(code)
    return {"code": site.code, "label": site.label} if site else None


def _site(code: str | None) -> Site | None:
    if not code:
        return None
    site = db.session.scalar(sa.select(Site).where(Site.code == code))
    if site is None:
        raise UnknownReference(f"site inconnu : {code}")
    return site


def _partner(code: str | None) -> Partner | None:
    if not code:
        return None
    partner = db.session.scalar(sa.select(Partner).where(Partner.code == code))
    if partner is None:
        raise UnknownReference(f"partenaire inconnu : {code}")
    return partner


def _ref_rows(model, *extra: str) -> list[dict]:
    # The reports are written in French on purpose: the stored label, whatever the page.
    rows = sorted(reference.every(model), key=lambda row: (row.position, row.id))
    return [{"id": row.id, "code": row.code, "label": row.label_fr, "position": row.position,
             "active": row.active, **{name: getattr(row, STORED.get(name, name))
                                      for name in extra}}
            for row in rows]


def reference_rows() -> dict:
    """Return every reference row (active or not) as plain dicts, in display order."""
    profile = {category: [] for category in PROFILE_CATEGORIES}
    for row in _ref_rows(ProfileOption, "category"):
        profile.setdefault(row.pop("category"), []).append(row)
    return {
        "sites": _ref_rows(Site, "opening_hours"),
        "points": _ref_rows(ReceptionPoint, "site_id"),
        "poles": _ref_rows(Pole, "short_label"),
        "partners": _ref_rows(Partner, "seconds_counsellors"),
        "event_types": _ref_rows(EventType),
        "themes": _ref_rows(Theme, "pole_id"),
        "outcomes": _ref_rows(Outcome),
        "profile": profile,
        "spaces": _ref_rows(Space, "site_id", "capacity", "pole_id"),  # issue 11
    }


def floor_rows(scope: Scope) -> dict:
    """Return the floor's figures of a period (issue 11): poles per hour, occupancy, satisfaction."""
    return {
        "pole_hours": poles.pole_hours(scope),
        "occupancy_by_hour": occupancy.by_space_and_hour(scope),
        "occupancy_by_space": occupancy.by_space(scope),
        "satisfaction": satisfaction.answers(scope),
        "satisfaction_throttled": satisfaction.throttled(scope),
    }


def _scope_sites(data: dict, site: Site | None) -> list[dict]:
    """Return the sites the report covers: the one asked for, else active ones and any with data."""
    if site is not None:
        return [row for row in data["refs"]["sites"] if row["id"] == site.id]
    with_data = {row["site"] for row in data["arrivals_by_day"]}
    with_data |= {row["site"] for row in data["interviews_by_day"]}
    return [row for row in data["refs"]["sites"] if row["active"] or row["id"] in with_data]


def _opening_days(data: dict, start: date, end: date) -> tuple[dict[str, int], int]:
    # Each site's calendar: hours, public holidays and its own closures (issue 10).
    sites = data["scope_sites"]
    calendars = site_calendars({row["id"] for row in sites})
    per_site = {row["code"]: len(opening_days(calendars[row["id"]], start, end))
                for row in sites}
    network = len(opening_days_all([calendars[row["id"]] for row in sites], start, end))
    return per_site, network
