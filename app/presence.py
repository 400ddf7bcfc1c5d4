"""Counsellors' status on the floor: available, in an interview, away (issue 11).

App-level, not a feature's service: the status page sets it, and saving an interview
(app.interviews) sets "available" again, so both features meet here.

A status holds for the Paris day it was set on: a counsellor who left without saying so is
"away" the next morning, and the reception tablet never counts yesterday's "available".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.extensions import db
from app.models import CounsellorPresence, PresenceChange
from app.timeutil import day_start_utc, local_day_and_hour, local_today, utcnow

# Saving an interview ends the "in an interview" status it began with; a status set more
# than this after the saved interview's start belongs to a later interview and is kept.
SAME_INTERVIEW = timedelta(minutes=10)


def current_status(user_id: int, now: datetime | None = None) -> dict | None:
    """Return the account's status today as {status, pole_id, since}, or None (away)."""
    row = db.session.get(CounsellorPresence, user_id)
    now = now or utcnow()
    if row is None or row.since < day_start_utc(local_day_and_hour(now)[0]):
        return None
    return {"status": row.status, "pole_id": row.pole_id, "site_id": row.site_id,
            "since": row.since}


def set_status(user_id: int, site_id: int, pole_id: int, status: str,
               at: datetime | None = None) -> None:
    """Record a counsellor's new status (kept as the current one and in the day's history)."""
    at = at or utcnow()
    row = db.session.get(CounsellorPresence, user_id)
    if row is None:
        row = CounsellorPresence(user_id=user_id)
        db.session.add(row)
    row.site_id, row.pole_id, row.status, row.since = site_id, pole_id, status, at
    db.session.add(PresenceChange(user_id=user_id, site_id=site_id, pole_id=pole_id,
                                  status=status, at=at, local_date=local_day_and_hour(at)[0]))


def interview_recorded(user_id: int, started: list[datetime], now: datetime) -> None:
    """Set a counsellor back to available once the interview their status began with is saved.

    Runs inside the interview batch's write transaction. An interview synced late from an
    offline queue leaves a status set for a later interview alone.
    """
    row = db.session.get(CounsellorPresence, user_id)
    if row is None or row.status != "in_interview" or not started:
        return
    if row.since < day_start_utc(local_today()) or row.since > max(started) + SAME_INTERVIEW:
        return
    set_status(user_id, row.site_id, row.pole_id, "available", now)

