"""Figures of the regional network: the centres side by side, the network total, the data
quality of each centre's capture.

Calendars (hours, counselling days, closures) are small tables read here; the counts come
from the daily rollups through app.figures.read, like every other figure. Rows are plain
dicts; the dashboard, the annual workbook and its twin, and the weekly summary show them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from app import reference
from app.extensions import db
from app.figures.read import eq, summed
from app.models.rollups import TABLES
from app.figures.scope import Scope
from app.models import ReceptionPoint, Site, SiteClosure
from app.stats.calendar import Closure, SiteCalendar, counselling_days, opening_days, opening_days_all

# The indicators every centre is compared on, in the order the pages show them.
INDICATORS = ("visitors", "opening_days", "visitors_per_day", "interviews",
              "interviews_per_100", "reorientation_rate", "events_attendance",
              "first_visit_share", "women_share")
# A reception point that sent nothing for this many of its site's opening days has stopped.
SILENT_POINT_DAYS = 5


def site_calendars(site_ids=None) -> dict[int, SiteCalendar]:
    """Return each site's calendar (hours, counselling days, closures) by site id."""
    closures: dict[int, list[Closure]] = defaultdict(list)
    query = sa.select(SiteClosure).order_by(SiteClosure.start_date)
    if site_ids is not None:
        query = query.where(SiteClosure.site_id.in_(site_ids))
    for row in db.session.scalars(query):
        closures[row.site_id].append(Closure(row.start_date, row.end_date, row.reason))
    return {site.id: SiteCalendar(site.opening_hours or {}, tuple(closures[site.id]),
                                  tuple(site.interview_days or ()))
            for site in reference.every(Site)
            if site_ids is None or site.id in site_ids}


def _shown_sites(scope: Scope) -> list:
    """Return the active sites of the scope, in their usual order (inactive ones hidden)."""
    rows = sorted(reference.every(Site), key=lambda site: (site.parent_id is not None,
                                                            site.position, site.id))
    return [site for site in rows if site.active
            and (scope.site_ids is None or site.id in scope.site_ids)]


def _share(part: int, whole: int, scale: int = 100) -> float | None:
    return round(part * scale / whole, 1) if whole else None


def _option_id(category: str, code: str) -> int | None:
    option = reference.profile_options().get(category, {}).get(code)
    return option.id if option is not None else None


def events_attendance(scope: Scope) -> dict[int, int]:
    """Return persons who attended events per site id (app/figures/events.py)."""
    from app.figures import events  # noqa: PLC0415 (events reads the network's calendars)

    return events.attendance_by_site(scope)


def side_by_side(scope: Scope, site_ids: list[int] | None = None) -> dict:
    """Return the common indicators per centre and for the network, over the scope's dates.

    Per-opening-day averages divide by each centre's own opening days (hours, holidays,
    closures); the network's by the days at least one centre opened. The centres are the
    scope's active sites, or site_ids in that order (the reports list those with data too).
    """
    if site_ids is None:
        sites = _shown_sites(scope)
    else:
        by_id = {site.id: site for site in reference.every(Site)}
        sites = [by_id[site_id] for site_id in site_ids if site_id in by_id]
    calendars = site_calendars()
    arrivals = summed("flow_day", {"site_id": "site"}, {"persons": "persons"}, scope,
                      eq("kind", "arrival"))
    visitors = {row["site"]: row["persons"] for row in arrivals}
    reoriented = {row["site"]: row["persons"] for row in summed(
        "flow_day", {"site_id": "site"}, {"persons": "persons"}, scope,
        eq("kind", "reorientation"))}
    interviews = {row["site"]: row["interviews"] for row in summed(
        "interview_day", {"site_id": "site"}, {"interviews": "interviews"}, scope)}
    profile = defaultdict(int)
    for row in summed("flow_profile_daily", {"site_id": "site", "category": "category",
                                             "option_id": "option"},
                      {"persons": "persons"}, scope):
        profile[row["site"], row["category"], row["option"]] += row["persons"]
    first_visit, woman = _option_id("first_visit", "oui"), _option_id("gender", "femme")
    events = events_attendance(scope)

    def figures(ids: list[int], days: int) -> dict:
        total = sum(visitors.get(i, 0) for i in ids)
        seen = sum(interviews.get(i, 0) for i in ids)
        stated = {category: sum(value for (site, cat, option), value in profile.items()
                                if site in ids and cat == category and option is not None)
                  for category in ("first_visit", "gender")}
        attended = [events[i] for i in ids if i in events]
        return {
            "visitors": total,
            "opening_days": days,
            "visitors_per_day": round(total / days, 1) if days else None,
            "interviews": seen,
            "interviews_per_100": _share(seen, total),
            "reorientation_rate": _share(sum(reoriented.get(i, 0) for i in ids), total),
            "events_attendance": sum(attended) if attended else None,
            # Shares of the visitors who stated it: an unstated profile is no answer.
            "first_visit_share": _share(sum(profile[i, "first_visit", first_visit] for i in ids),
                                        stated["first_visit"]),
            "women_share": _share(sum(profile[i, "gender", woman] for i in ids),
                                  stated["gender"]),
        }

    rows = []
    for site in sites:
        calendar = calendars[site.id]
        days = len(opening_days(calendar, scope.start, scope.end))
        rows.append({"code": site.code, "label": site.label, "city": site.city,
                     **figures([site.id], days),
                     "reorientations": reoriented.get(site.id, 0)})
    every = [site.id for site in reference.every(Site)
             if scope.site_ids is None or site.id in scope.site_ids]
    network_days = len(opening_days_all([calendars[site.id] for site in sites],
                                        scope.start, scope.end))
    total = {"code": None, **figures(every, network_days),
             "reorientations": sum(reoriented.get(i, 0) for i in every)}
    return {"sites": rows, "total": total, "indicators": INDICATORS}


def daily_visitors(scope: Scope) -> dict[str, list[dict]]:
    """Return each shown centre's visitors per month (the small multiples' series)."""
    sites = {site.id: site.code for site in _shown_sites(scope)}
    months: dict[str, dict[str, int]] = {code: {} for code in sites.values()}
    for row in summed("flow_day", {"site_id": "site", "local_date": "date"},
                      {"persons": "persons"}, scope, eq("kind", "arrival")):
        if row["site"] in sites:
            key = row["date"].strftime("%Y-%m")
            series = months[sites[row["site"]]]
            series[key] = series.get(key, 0) + row["persons"]
    keys, day = [], scope.start.replace(day=1)
    while day <= scope.end:
        keys.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return {code: [{"month": key, "visitors": series.get(key, 0)} for key in keys]
            for code, series in months.items()}


def data_quality(scope: Scope, today: date | None = None) -> dict:
    """List what looks wrong in each centre's capture over the scope's dates.

    Silent days: opening days with no arrival (a tablet off or forgotten); counselling days
    with arrivals but no interview; arrivals on a closed day (kept, and shown here); and
    reception points that sent nothing over their site's last opening days.
    """
    end = min(scope.end, today) if today else scope.end
    sites = _shown_sites(scope)
    calendars = site_calendars()
    arrivals = defaultdict(int)
    for row in summed("flow_day", {"site_id": "site", "local_date": "date"},
                      {"persons": "persons"}, scope.with_dates(scope.start, end),
                      eq("kind", "arrival")):
        arrivals[row["site"], row["date"]] += row["persons"]
    interviewed = {(row["site"], row["date"]) for row in summed(
        "interview_day", {"site_id": "site", "local_date": "date"},
        {"interviews": "interviews"}, scope.with_dates(scope.start, end))}
    # A point's last arrival, looked for up to a year before the period.
    last_seen = _last_arrival_by_point([site.id for site in sites],
                                       scope.start - timedelta(days=365), end)
    report = []
    for site in sites:
        calendar = calendars[site.id]
        open_days = opening_days(calendar, scope.start, end) if end >= scope.start else []
        open_set = set(open_days)
        silent = [day for day in open_days if not arrivals.get((site.id, day))]
        counselling = counselling_days(calendar, scope.start, end) if end >= scope.start else []
        no_interview = [day for day in counselling
                        if arrivals.get((site.id, day)) and (site.id, day) not in interviewed]
        closed = [{"date": day, "visitors": value}
                  for (site_id, day), value in sorted(arrivals.items())
                  if site_id == site.id and day not in open_set]
        # A centre with no arrival at all has not begun capture: one line, not 250 days.
        nothing = bool(open_days) and len(silent) == len(open_days)
        report.append({"code": site.code, "label": site.label, "no_arrival": nothing,
                       "opening_days": len(open_days),
                       "silent_days": [] if nothing else silent,
                       "counselling_without_interview": no_interview,
                       "closed_day_arrivals": closed,
                       "stopped_points": [] if nothing else _stopped_points(site, open_days,
                                                                             last_seen)})
    return {"sites": report,
            "problems": sum(bool(r["no_arrival"] or r["silent_days"]
                                 or r["counselling_without_interview"]
                                 or r["closed_day_arrivals"] or r["stopped_points"])
                            for r in report)}


def _last_arrival_by_point(site_ids, start: date, end: date) -> dict[int, date]:
    """Return the day of each reception point's last arrival from start to end."""
    table = TABLES["flow_hourly"]
    query = (sa.select(table.c.reception_point_id, sa.func.max(table.c.local_date))
             .where(table.c.local_date.between(start, end), table.c.site_id.in_(site_ids),
                    table.c.persons > 0)
             .group_by(table.c.reception_point_id))
    return {point: day for point, day in db.session.execute(query) if point}


def _stopped_points(site, open_days: list[date], last_seen: dict[int, date]) -> list[dict]:
    """Return the site's active points that sent nothing over its last opening days."""
    recent = open_days[-SILENT_POINT_DAYS:]
    if len(recent) < SILENT_POINT_DAYS:
        return []  # too short a period to call a point silent
    points = [point for point in reference.active(ReceptionPoint) if point.site_id == site.id]
    return [{"code": point.code, "label": point.label, "last_seen": last_seen.get(point.id)}
            for point in points
            if last_seen.get(point.id) is None or last_seen[point.id] < recent[0]]


def site_totals(scope: Scope) -> dict[str, dict]:
    """Return {code: {"visitors", "opening_days", "interviews"}} for every site with a
    calendar or figures (the annual twin's `sites` key)."""
    data = side_by_side(scope)
    return {row["code"]: {"visitors": row["visitors"], "opening_days": row["opening_days"],
                          "interviews": row["interviews"]} for row in data["sites"]}

