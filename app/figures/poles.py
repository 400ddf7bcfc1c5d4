"""How busy each pole is: counsellors available now, visitors estimated waiting, and per hour.

The estimate is the one the floor board states in a line: visitors sent to the pole in the
last 90 minutes (arrivals and reorientations, persons) minus the interviews started there
since (those recorded, plus the counsellors in an interview now, whose interview is not
recorded yet), never below zero. Saving an interview ends its counsellor's "in an
interview", so an interview is never counted twice.

These read raw rows: the status of now cuts time to the minute, which no daily rollup can.
A tablet asks for one site over 90 minutes; a period's hourly figures read its pole
arrivals' and interviews' instants, a few columns per row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from app import reference
from app.extensions import db
from app.figures.scope import Scope
from app.models import CounsellorPresence, FlowEntry, Interview, Pole, PresenceChange
from app.timeutil import PARIS, day_start_utc, local_day_and_hour, utcnow

WAIT_WINDOW = timedelta(minutes=90)


def _sent_since(site_id: int, start: datetime, end: datetime) -> dict[int, int]:
    first_day = local_day_and_hour(start)[0]
    rows = db.session.execute(
        sa.select(FlowEntry.destination_pole_id, sa.func.sum(FlowEntry.party_size))
        .where(FlowEntry.site_id == site_id, FlowEntry.local_date >= first_day,
               FlowEntry.destination_kind == "pole", FlowEntry.deleted_at.is_(None),
               FlowEntry.occurred_at > start, FlowEntry.occurred_at <= end)
        .group_by(FlowEntry.destination_pole_id))
    return {pole: int(persons) for pole, persons in rows}


def _started_since(site_id: int, start: datetime, end: datetime) -> dict[int, int]:
    first_day = local_day_and_hour(start)[0]
    rows = db.session.execute(
        sa.select(Interview.pole_id, sa.func.count())
        .where(Interview.site_id == site_id, Interview.local_date >= first_day,
               Interview.deleted_at.is_(None),
               Interview.started_at > start, Interview.started_at <= end)
        .group_by(Interview.pole_id))
    return dict(rows.all())


def pole_status(site_id: int, now: datetime | None = None) -> list[dict]:
    """Return, per active pole, the counsellors available and in an interview, and who waits."""
    now = now or utcnow()
    window = now - WAIT_WINDOW
    sent = _sent_since(site_id, window, now)
    started = _started_since(site_id, window, now)
    available: dict[int, int] = defaultdict(int)
    busy: dict[int, int] = defaultdict(int)
    busy_recent: dict[int, int] = defaultdict(int)
    for pole_id, status, since in db.session.execute(
            sa.select(CounsellorPresence.pole_id, CounsellorPresence.status,
                      CounsellorPresence.since)
            .where(CounsellorPresence.site_id == site_id,
                   CounsellorPresence.since >= day_start_utc(local_day_and_hour(now)[0]))):
        if status == "available":
            available[pole_id] += 1
        elif status == "in_interview":
            busy[pole_id] += 1
            if since > window:
                busy_recent[pole_id] += 1
    return [{"pole": pole.code, "label": pole.label, "short": pole.short_label or pole.label,
             "available": available[pole.id], "in_interview": busy[pole.id],
             "waiting": max(0, sent.get(pole.id, 0) - started.get(pole.id, 0)
                            - busy_recent[pole.id]),
             "sent": sent.get(pole.id, 0)}
            for pole in reference.active(Pole)]


def _hour_end(day: date, hour: int) -> datetime:
    """Return the UTC instant at which a Paris hour of a day ends (DST-aware)."""
    if hour >= 23:
        return day_start_utc(day + timedelta(days=1))
    return datetime.combine(day, time(hour + 1), tzinfo=PARIS).astimezone(timezone.utc)


def pole_hours(scope: Scope, now: datetime | None = None) -> list[dict]:
    """Return per site, pole, Paris day and hour: persons sent, interviews, waiting, available.

    waiting and available are as at the end of the hour (or now, for the hour under way);
    short tells an hour that ended with visitors waiting and no counsellor available.
    """
    if scope.partner_id is not None:
        return []
    now = now or utcnow()
    flow = sa.select(FlowEntry.site_id, FlowEntry.destination_pole_id, FlowEntry.local_date,
                     FlowEntry.local_hour, FlowEntry.occurred_at, FlowEntry.party_size).where(
        FlowEntry.local_date.between(scope.start, scope.end), FlowEntry.deleted_at.is_(None),
        FlowEntry.destination_kind == "pole")
    held = sa.select(Interview.site_id, Interview.pole_id, Interview.local_date,
                     Interview.local_hour, Interview.started_at).where(
        Interview.local_date.between(scope.start, scope.end), Interview.deleted_at.is_(None))
    changes = sa.select(PresenceChange.site_id, PresenceChange.pole_id, PresenceChange.local_date,
                        PresenceChange.user_id, PresenceChange.status, PresenceChange.at).where(
        PresenceChange.local_date.between(scope.start, scope.end)).order_by(PresenceChange.at)
    if scope.site_ids is not None:
        flow = flow.where(FlowEntry.site_id.in_(scope.site_ids))
        held = held.where(Interview.site_id.in_(scope.site_ids))
        changes = changes.where(PresenceChange.site_id.in_(scope.site_ids))
    if scope.pole_id is not None:
        flow = flow.where(FlowEntry.destination_pole_id == scope.pole_id)
        held = held.where(Interview.pole_id == scope.pole_id)
        changes = changes.where(PresenceChange.pole_id == scope.pole_id)

    # Per (site, pole, day): the instants, sorted, to count any 90-minute window by bisection.
    sent_at: dict[tuple, list] = defaultdict(list)
    started_at: dict[tuple, list] = defaultdict(list)
    cells: dict[tuple, dict] = {}

    def cell(site, pole, day, hour) -> dict:
        key = (site, pole, day, hour)
        if key not in cells:
            cells[key] = {"site": site, "pole": pole, "date": day, "hour": hour,
                          "sent": 0, "interviews": 0}
        return cells[key]

    for site, pole, day, hour, at, persons in db.session.execute(flow):
        cell(site, pole, day, hour)["sent"] += persons
        sent_at[(site, pole, day)].append((at, persons))
    for site, pole, day, hour, at in db.session.execute(held):
        cell(site, pole, day, hour)["interviews"] += 1
        started_at[(site, pole, day)].append(at)
    timeline: dict[tuple, list] = defaultdict(list)
    for site, pole, day, user, status, at in db.session.execute(changes):
        timeline[(site, pole, day)].append((at, user, status))
        cell(site, pole, day, local_day_and_hour(at)[1])

    prefix: dict[tuple, tuple[list, list]] = {}
    for key, items in sent_at.items():
        items.sort()
        totals, running = [], 0
        for _at, persons in items:
            running += persons
            totals.append(running)
        prefix[key] = ([at for at, _p in items], totals)
    for items in started_at.values():
        items.sort()

    def persons_between(key, low, high) -> int:
        instants, totals = prefix.get(key, ([], []))
        i, j = bisect.bisect_right(instants, low), bisect.bisect_right(instants, high)
        return (totals[j - 1] if j else 0) - (totals[i - 1] if i else 0)

    def count_between(key, low, high) -> int:
        items = started_at.get(key, [])
        return bisect.bisect_right(items, high) - bisect.bisect_right(items, low)

    def available_at(key, instant) -> tuple[int, int]:
        last: dict[int, str] = {}
        for at, user, status in timeline.get(key, []):
            if at > instant:
                break
            last[user] = status
        statuses = list(last.values())
        return statuses.count("available"), statuses.count("in_interview")

    rows = []
    for (site, pole, day, hour), row in sorted(cells.items(), key=lambda item: (
            item[0][0], item[0][2], item[0][3], item[0][1] or 0)):
        if day_start_utc(day) + timedelta(hours=hour) > now:
            continue  # an hour yet to come
        until = min(_hour_end(day, hour), now)
        key = (site, pole, day)
        available, busy = available_at(key, until)
        waiting = max(0, persons_between(key, until - WAIT_WINDOW, until)
                      - count_between(key, until - WAIT_WINDOW, until))
        rows.append({**row, "waiting": waiting, "available": available, "in_interview": busy,
                     "short": waiting > 0 and available == 0})
    return rows
