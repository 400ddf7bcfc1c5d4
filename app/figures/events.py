"""Figures of events: sessions and attendance, fill rate, splits, and the public reached.

Events are a few thousand rows over ten years: they are read directly, without a rollup.
An event counts in the period its first Paris day falls in, once it has begun; a cancelled
event counts nowhere. With a pole in the scope, the events of that pole; with a partner, the events it
organised.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from app import reference
from app.extensions import db
from app.figures import flow
from app.figures.scope import Scope
from app.timeutil import to_local, utcnow
from app.models import (
    Event,
    EventAttendanceSplit,
    EventType,
    FlowEntry,
    Partner,
    Pole,
    Site,
    event_partners,
    event_poles,
)


def _scoped(query, scope: Scope, start_column, site_column):
    query = query.where(start_column >= scope.start, start_column <= scope.end)
    if scope.site_ids is not None:
        query = query.where(site_column.in_(scope.site_ids))
    return query


def _in_scope(scope: Scope):
    """Return a select of the ids of the scope's sessions: begun, and not cancelled."""
    # A planned event still to come is no session yet: this year's figures count what was held.
    query = _scoped(sa.select(Event.id).where(Event.status != "cancelled",
                                              Event.starts_at <= utcnow()), scope,
                    Event.start_date, Event.site_id)
    if scope.pole_id is not None:
        query = query.where(Event.id.in_(sa.select(event_poles.c.event_id)
                                         .where(event_poles.c.pole_id == scope.pole_id)))
    if scope.partner_id is not None:
        query = query.where(Event.id.in_(sa.select(event_partners.c.event_id)
                                         .where(event_partners.c.partner_id == scope.partner_id)))
    return query


def sessions(scope: Scope) -> list[dict]:
    """Return one row per event of the scope: type, site, day, place, capacity, attendance.

    attendance is None while nobody entered it; poles and partners are tuples of ids.
    """
    ids = _in_scope(scope)
    rows = db.session.execute(
        sa.select(Event.id, Event.event_type_id, Event.site_id, Event.start_date, Event.end_date,
                  Event.location, Event.capacity, Event.registered, Event.attendance, Event.title,
                  Event.status)
        .where(Event.id.in_(ids)).order_by(Event.starts_at, Event.id)).all()
    poles, partners = defaultdict(list), defaultdict(list)
    for event_id, pole_id in db.session.execute(
            sa.select(event_poles.c.event_id, event_poles.c.pole_id)
            .where(event_poles.c.event_id.in_(ids))):
        poles[event_id].append(pole_id)
    for event_id, partner_id in db.session.execute(
            sa.select(event_partners.c.event_id, event_partners.c.partner_id)
            .where(event_partners.c.event_id.in_(ids))):
        partners[event_id].append(partner_id)
    return [{"event": row.id, "type": row.event_type_id, "site": row.site_id,
             "date": row.start_date, "end_date": row.end_date, "location": row.location,
             "capacity": row.capacity, "registered": row.registered,
             "attendance": row.attendance, "title": row.title, "status": row.status,
             "poles": tuple(sorted(poles[row.id])), "partners": tuple(sorted(partners[row.id]))}
            for row in rows]


def attendance_by_site(scope: Scope) -> dict[int, int]:
    """Return the persons who attended the scope's sessions, per site id (the centres side
    by side, issue 10): the same sessions as every other event figure."""
    persons: dict[int, int] = defaultdict(int)
    for row in sessions(scope):
        if row["attendance"] is not None:
            persons[row["site"]] += row["attendance"]
    return dict(persons)


def attendance_splits(scope: Scope) -> list[dict]:
    """Sum the attendance split per profile category and option over the scope's events."""
    rows = db.session.execute(
        sa.select(EventAttendanceSplit.category, EventAttendanceSplit.option_id,
                  sa.func.sum(EventAttendanceSplit.persons))
        .where(EventAttendanceSplit.event_id.in_(_in_scope(scope)))
        .group_by(EventAttendanceSplit.category, EventAttendanceSplit.option_id)).all()
    return [{"category": category, "option": option, "persons": int(persons)}
            for category, option, persons in rows]


def arrivals_by_event(scope: Scope) -> list[dict]:
    """Sum the persons logged at reception for each named event, by the tap's day."""
    rows = db.session.execute(
        _scoped(sa.select(FlowEntry.event_id, sa.func.sum(FlowEntry.party_size))
                .where(FlowEntry.kind == flow.ARRIVAL, FlowEntry.deleted_at.is_(None),
                       FlowEntry.event_id.is_not(None)),
                scope, FlowEntry.local_date, FlowEntry.site_id)
        .group_by(FlowEntry.event_id)).all()
    return [{"event": event_id, "persons": int(persons)} for event_id, persons in rows]


def totals(rows: list[dict], key: str | None = None) -> list[dict]:
    """Sum sessions and attendance of session rows per key (type, site, month...).

    A key that holds a tuple (poles, partners) counts an event once under each of its
    members, so those breakdowns may add up to more than the total; key None: one row.
    fill_rate is the attendance of events with a capacity over those capacities.
    """
    groups: dict = defaultdict(lambda: {"sessions": 0, "attendance": 0, "entered": 0,
                                        "capacity": 0, "filled": 0})
    for row in rows:
        if key is None:
            members = [None]
        elif key == "month":
            members = [row["date"].replace(day=1)]
        elif isinstance(row[key], tuple):
            members = list(row[key]) or [None]
        else:
            members = [row[key]]
        for member in members:
            group = groups[member]
            group["sessions"] += 1
            if row["attendance"] is not None:
                group["entered"] += 1
                group["attendance"] += row["attendance"]
                if row["capacity"]:
                    group["capacity"] += row["capacity"]
                    group["filled"] += row["attendance"]
    result = []
    for member, group in groups.items():
        fill = group.pop("filled")
        rate = round(fill / group["capacity"], 3) if group["capacity"] else None
        result.append({"key": member, **group, "fill_rate": rate})
    return result


def by_type_codes(rows: list[dict], type_codes: dict[int, str]) -> dict[str, dict]:
    """Return {type code: {"sessions": n, "attendance": n}}, the twin's events_by_type."""
    return {type_codes[row["key"]]: {"sessions": row["sessions"], "attendance": row["attendance"]}
            for row in sorted(totals(rows, "type"), key=lambda r: type_codes[r["key"]])}


def reach(scope: Scope, rows: list[dict] | None = None) -> dict:
    """Return how the counts relate, without double counting: the public reached in all.

    Floor visitors are the persons logged at reception; some of them came for an event.
    Attendance in the centre includes those, so only the part beyond them is added;
    attendance outside the centre is a public the floor never saw.
    public_reached = floor_visitors + outside + max(0, in_centre - floor_for_events)
    """
    rows = sessions(scope) if rows is None else rows
    floor_visitors = floor_for_events = 0
    for row in flow.arrivals_by_destination(scope):
        floor_visitors += row["persons"]
        if row["kind"] == "event":
            floor_for_events += row["persons"]
    in_centre = sum(r["attendance"] or 0 for r in rows if r["location"] == "centre")
    outside = sum(r["attendance"] or 0 for r in rows if r["location"] == "outside")
    beyond_floor = max(0, in_centre - floor_for_events)
    return {"floor_visitors": floor_visitors, "floor_for_events": floor_for_events,
            "attendance_in_centre": in_centre, "attendance_outside": outside,
            "attendance": in_centre + outside, "in_centre_beyond_floor": beyond_floor,
            "public_reached": floor_visitors + outside + beyond_floor}


def _change(current, previous):
    return None if not previous else round((current - previous) / previous * 100, 1)


def section(scope: Scope) -> dict:
    """Return the dashboard's events section: totals, breakdowns, reach, year on year.

    The annual workbook builds its events sheet from the same functions (sessions, totals,
    reach), so both show the same figures.
    """
    rows = sessions(scope)
    previous_rows = sessions(scope.previous())
    labels = {name: {row.id: row for row in reference.every(model)}
              for name, model in (("type", EventType), ("poles", Pole),
                                  ("partners", Partner), ("site", Site))}

    def breakdown(key: str) -> list[dict]:
        found = totals(rows, key)
        table = labels[key]
        order = {row_id: (row.position, row_id) for row_id, row in table.items()}
        found.sort(key=lambda r: order.get(r["key"], (10**6, 0)))
        return [{"code": table[r["key"]].code if r["key"] in table else None,
                 "label": table[r["key"]].label if r["key"] in table else "–",
                 "value": r["attendance"], **r}
                for r in found]

    whole = (totals(rows) or [{"sessions": 0, "attendance": 0, "entered": 0, "capacity": 0,
                                "fill_rate": None}])[0]
    before = (totals(previous_rows) or [{"sessions": 0, "attendance": 0}])[0]
    now_reach, previous_reach = reach(scope, rows), reach(scope.previous(), previous_rows)
    return {
        "sessions": whole["sessions"], "attendance": whole["attendance"],
        "entered": whole["entered"], "waiting": whole["sessions"] - whole["entered"],
        "fill_rate": whole["fill_rate"],
        "by_type": breakdown("type"), "by_pole": breakdown("poles"),
        "by_partner": breakdown("partners"), "by_site": breakdown("site"),
        "by_month": [{"month": r["key"].isoformat(), "sessions": r["sessions"],
                      "attendance": r["attendance"]}
                     for r in sorted(totals(rows, "month"), key=lambda r: r["key"])],
        "by_location": {r["key"]: {"sessions": r["sessions"], "attendance": r["attendance"]}
                        for r in totals(rows, "location")},
        "reach": now_reach,
        "previous": {"sessions": before["sessions"], "attendance": before["attendance"],
                     "public_reached": previous_reach["public_reached"],
                     "sessions_change": _change(whole["sessions"], before["sessions"]),
                     "attendance_change": _change(whole["attendance"], before["attendance"]),
                     "public_reached_change": _change(now_reach["public_reached"],
                                                      previous_reach["public_reached"])},
    }


def waiting(scope: Scope, now) -> list[dict]:
    """Return the scope's events already over, not cancelled, whose attendance is missing."""
    query = _scoped(sa.select(Event.id, Event.title, Event.start_date, Event.site_id,
                              Event.event_type_id)
                    .where(Event.status != "cancelled", Event.attendance.is_(None),
                           Event.ends_at <= now),
                    scope, Event.start_date, Event.site_id)
    return [{"event": row.id, "title": row.title, "date": row.start_date, "site": row.site_id,
             "type": row.event_type_id}
            for row in db.session.execute(query.order_by(Event.starts_at, Event.id))]


def period_rows(scope: Scope, now) -> dict:
    """Return what the reports read of events over a period: sessions, splits, reach, waiting."""
    rows = sessions(scope)
    return {"sessions": rows, "splits": attendance_splits(scope), "reach": reach(scope, rows),
            "waiting": waiting(scope, now)}


def floor_rows(site_id: int, day) -> list[dict]:
    """Return the site's events running that day, with the persons logged for each so far.

    Shaped like the floor board's other rows (code, today) so its refresh updates them.
    """
    events = db.session.execute(
        sa.select(Event.id, Event.title, Event.starts_at, Event.ends_at, Event.event_type_id,
                  Event.location, Event.capacity)
        .where(Event.site_id == site_id, Event.start_date <= day, Event.end_date >= day,
               Event.status != "cancelled")
        .order_by(Event.starts_at, Event.title)).all()
    arrivals = {row["event"]: row["persons"]
                for row in arrivals_by_event(Scope(day, day, (site_id,)))}
    return [{"code": str(row.id), "title": row.title,
             "time": f"{to_local(row.starts_at):%H:%M}–{to_local(row.ends_at):%H:%M}",
             "type": reference.by_id(EventType, row.event_type_id).label,
             "outside": row.location == "outside", "capacity": row.capacity,
             "today": arrivals.get(row.id, 0)}
            for row in events]
