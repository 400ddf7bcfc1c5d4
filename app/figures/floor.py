"""The live floor board: one site's day so far beside the same weekday a week earlier.

It reads the raw rows of those two days rather than the daily rollups: "last week up to
this minute" cuts a day at a time of day, which a daily sum cannot. Two days of one site
are a few thousand rows at most.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import db
from app.figures import events
from app.figures.dashboard import ordered, refs
from app.figures.locale import default_locale
from app.models import FlowEntry, Interview, Pole, Site
from app.stats.calendar import opening_hours_span
from app.stats.labels import FIXED_DESTINATIONS, fixed_labels
from app.timeutil import day_start_utc, local_day_and_hour, to_local, utcnow


def _destination_code(kind: str, pole_id: int | None, poles: dict) -> str:
    return poles[pole_id].code if kind == "pole" and pole_id in poles else kind



def floor_data(site: Site, day: date | None = None, now: datetime | None = None) -> dict:
    """Return one site's day so far beside the same weekday a week earlier.

    On the current day the week-earlier figures stop at the same time of day, so 11:00
    today is compared with 11:00 last week; the hourly series shows last week whole.
    """
    with default_locale():
        return _floor_data(site, day, now or utcnow())


def _floor_data(site: Site, day: date | None, now: datetime) -> dict:
    today = local_day_and_hour(now)[0]
    day = day or today
    before = day - timedelta(days=7)
    live = day == today
    # Time elapsed since local midnight, carried over to last week's day (an hour off only
    # when one of the two days is a clock-change Sunday); a past day is compared with the
    # whole of its week-earlier twin.
    cutoff = (day_start_utc(before) + (now - day_start_utc(day)) if live
              else day_start_utc(before + timedelta(days=1)))
    labels = fixed_labels()
    poles = refs(Pole)

    flow_so_far = sa.or_(FlowEntry.local_date == day, FlowEntry.occurred_at < cutoff)
    flow_rows = db.session.execute(
        sa.select(FlowEntry.local_date, FlowEntry.local_hour, FlowEntry.kind,
                  FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                  flow_so_far.label("so_far"), sa.func.sum(FlowEntry.party_size))
        .where(FlowEntry.site_id == site.id, FlowEntry.local_date.in_([day, before]),
               FlowEntry.deleted_at.is_(None))
        .group_by(FlowEntry.local_date, FlowEntry.local_hour, FlowEntry.kind,
                  FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                  sa.literal_column("so_far"))
    ).all()
    interview_so_far = sa.or_(Interview.local_date == day, Interview.started_at < cutoff)
    interview_rows = db.session.execute(
        sa.select(Interview.local_date, Interview.pole_id, interview_so_far.label("so_far"),
                  sa.func.count())
        .where(Interview.site_id == site.id, Interview.local_date.in_([day, before]),
               Interview.deleted_at.is_(None))
        .group_by(Interview.local_date, Interview.pole_id, sa.literal_column("so_far"))
    ).all()

    def zero():
        return {"today": 0, "last_week": 0}

    # "last_week" is last week up to the same time; "last_week_day" is its whole day.
    totals = {name: {"today": 0, "last_week": 0, "last_week_day": 0}
              for name in ("visitors", "reorientations", "interviews")}
    hours: dict[int, dict] = defaultdict(zero)
    destinations: dict[str, dict] = defaultdict(zero)
    by_pole: dict[int, dict] = defaultdict(zero)

    def columns(row_date: date, so_far) -> tuple[str, ...]:
        if row_date == day:
            return ("today",)
        return ("last_week", "last_week_day") if so_far else ("last_week_day",)

    for row_date, hour, kind, destination, pole_id, so_far, persons in flow_rows:
        hit = columns(row_date, so_far)
        total = totals["visitors" if kind == "arrival" else "reorientations"]
        for column in hit:
            total[column] += persons
        if kind != "arrival":
            continue
        hours[hour]["today" if row_date == day else "last_week"] += persons
        code = _destination_code(destination, pole_id, poles)
        for column in hit:
            if column in ("today", "last_week"):
                destinations[code][column] += persons
    for row_date, pole_id, so_far, count in interview_rows:
        for column in columns(row_date, so_far):
            totals["interviews"][column] += count
            if column in ("today", "last_week"):
                by_pole[pole_id][column] += count

    span = opening_hours_span([site])
    hour_range = set(range(span[0], span[1] + 1)) if span else set()
    shown_poles = [ref for ref in ordered(poles)
                   if ref.active or ref.code in destinations or ref.id in by_pole]
    return {
        "site": {"code": site.code, "label": site.label},
        "date": day.isoformat(),
        "date_label": format_date(day, "full"),
        "day_label": _("Aujourd'hui") if live else format_date(day, "EEEE d MMMM"),
        "compare_date": before.isoformat(),
        "compare_label": format_date(before, "EEEE d MMMM"),
        "live": live,
        "updated_at": to_local(now).strftime("%H:%M"),
        "totals": totals,
        "events": events.floor_rows(site.id, day),
        "hours": [{"hour": hour, "label": _("%(hour)dh", hour=hour), **hours[hour]}
                  for hour in sorted(hour_range | set(hours))],
        "destinations": (
            [{"code": ref.code, "label": ref.label, **destinations[ref.code]}
             for ref in shown_poles]
            + [{"code": code, "label": labels[code], **destinations[code]}
               for code in FIXED_DESTINATIONS]),
        "interviews_by_pole": [{"code": ref.code, "label": ref.label, **by_pole[ref.id]}
                               for ref in shown_poles],
    }
