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
# The hourly figures count arrivals and interviews by ten-minute buckets (90 is a multiple).
BUCKET_SECONDS = 600


def _bucket(column):
    """Number the ten-minute slice of time an instant falls in (seconds since 1970 / 600)."""
    return sa.cast(sa.extract("epoch", column), sa.BigInteger) // BUCKET_SECONDS


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
    # Instants are read in ten-minute buckets counted in SQL: a season of a busy floor is a
    # few thousand rows, not one per arrival (measured in bench/floor.py).
    flow_bucket = _bucket(FlowEntry.occurred_at)
    flow_keys = (FlowEntry.site_id, FlowEntry.destination_pole_id, FlowEntry.local_date,
                 FlowEntry.local_hour, flow_bucket)
    flow = sa.select(*flow_keys, sa.func.sum(FlowEntry.party_size)).where(
        FlowEntry.local_date.between(scope.start, scope.end), FlowEntry.deleted_at.is_(None),
        FlowEntry.destination_kind == "pole")
    held_bucket = _bucket(Interview.started_at)
    held_keys = (Interview.site_id, Interview.pole_id, Interview.local_date, Interview.local_hour,
                 held_bucket)
    held = sa.select(*held_keys, sa.func.count()).where(
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
    flow, held = flow.group_by(*flow_keys), held.group_by(*held_keys)

    # Per (site, pole, day): the buckets, sorted, with running sums, to count any window.
    sent_at: dict[tuple, list] = defaultdict(list)
    started_at: dict[tuple, list] = defaultdict(list)
    cells: dict[tuple, dict] = {}

    def cell(site, pole, day, hour) -> dict:
        key = (site, pole, day, hour)
        if key not in cells:
            cells[key] = {"site": site, "pole": pole, "date": day, "hour": hour,
                          "sent": 0, "interviews": 0}
        return cells[key]

    for site, pole, day, hour, bucket, persons in db.session.execute(flow):
        cell(site, pole, day, hour)["sent"] += int(persons)
        sent_at[(site, pole, day)].append((int(bucket), int(persons)))
    for site, pole, day, hour, bucket, count in db.session.execute(held):
        cell(site, pole, day, hour)["interviews"] += count
        started_at[(site, pole, day)].append((int(bucket), count))
    timeline: dict[tuple, list] = defaultdict(list)
    for site, pole, day, user, status, at in db.session.execute(changes):
        timeline[(site, pole, day)].append((at, user, status))
        cell(site, pole, day, local_day_and_hour(at)[1])

    def running(found: dict[tuple, list]) -> dict[tuple, tuple[list, list]]:
        out = {}
        for key, items in found.items():
            items.sort()
            totals, total = [], 0
            for _bucket, amount in items:
                total += amount
                totals.append(total)
            out[key] = ([bucket for bucket, _amount in items], totals)
        return out

    sent_sums, started_sums = running(sent_at), running(started_at)

    def between(sums, key, low: int, high: int) -> int:
        """Sum the buckets low <= bucket < high."""
        buckets, totals = sums.get(key, ([], []))
        i, j = bisect.bisect_left(buckets, low), bisect.bisect_left(buckets, high)
        return (totals[j - 1] if j else 0) - (totals[i - 1] if i else 0)

    def available_at(key, instant) -> tuple[int, int]:
        last: dict[int, str] = {}
        for at, user, status in timeline.get(key, []):
            if at > instant:
                break
            last[user] = status
        statuses = list(last.values())
        return statuses.count("available"), statuses.count("in_interview")

    window = int(WAIT_WINDOW.total_seconds()) // BUCKET_SECONDS
    rows = []
    for (site, pole, day, hour), row in sorted(cells.items(), key=lambda item: (
            item[0][0], item[0][2], item[0][3], item[0][1] or 0)):
        if day_start_utc(day) + timedelta(hours=hour) > now:
            continue  # an hour yet to come
        until = min(_hour_end(day, hour), now)
        key = (site, pole, day)
        available, busy = available_at(key, until)
        # The bucket holding `until` counts whole: nothing in it is later than now.
        high = -(-int(until.timestamp()) // BUCKET_SECONDS)
        waiting = max(0, between(sent_sums, key, high - window, high)
                      - between(started_sums, key, high - window, high))
        rows.append({**row, "waiting": waiting, "available": available, "in_interview": busy,
                     "short": waiting > 0 and available == 0})
    return rows
