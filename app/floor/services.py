"""The floor, live: counsellors' status, occupancy rounds and the exit kiosk's answers.

Rounds and answers come through the same capture kit as the tablet's entries (app.capture):
validated against the API document's schemas before the write lock, stored once per
client-made UUID, one result per item.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import presence, reference
from app.access import site_ids_of
from app.capture import (
    MAX_CLOCK_AHEAD,
    MAX_QUEUE_AGE,
    Author,
    Item,
    ItemSchema,
    Rejected,
    instant_within_limits,
    insert_rows,
    payload_digest,
    record_batch,
)
from app.extensions import db
from app.figures import occupancy, satisfaction
from app.figures.poles import pole_hours, pole_status
from app.figures.scope import Scope, resolve
from app.models import (
    PRESENCE_STATUSES,
    AuditEvent,
    SCORES,
    OccupancyCount,
    OccupancyRound,
    Pole,
    RoundSchedule,
    SatisfactionAnswer,
    Site,
    Space,
    User,
)
from app.timeutil import local_day_and_hour, local_today, utcnow

MAX_PEOPLE = 2000
POLE_HOURS_MAX_DAYS = 93
_WHEN = (f"with offset; at most {MAX_QUEUE_AGE.days} days old and "
         f"{int(MAX_CLOCK_AHEAD.total_seconds() // 60)} minutes ahead of the server's clock")

# ---------------------------------------------------------------- the API document's schemas

ROUND = {
    "type": "object",
    "required": ["id", "taken_at", "site", "counts"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the tablet; idempotency key"},
        "taken_at": {"type": "string", "format": "date-time",
                     "description": f"when the round was taken, {_WHEN}"},
        "site": {"type": "string", "description": "site code"},
        "counts": {"type": "object", "minProperties": 1,
                   "description": "people counted per space code of the site (0 is a count)",
                   "additionalProperties": {"type": "integer", "minimum": 0,
                                            "maximum": MAX_PEOPLE}},
    },
    "additionalProperties": False,
}

ANSWER = {
    "type": "object",
    "required": ["id", "answered_at", "site", "score"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the kiosk; idempotency key"},
        "answered_at": {"type": "string", "format": "date-time",
                        "description": f"tap time, {_WHEN}"},
        "site": {"type": "string", "description": "site code (the kiosk's)"},
        "score": {"type": "integer", "minimum": 1, "maximum": 4,
                  "description": "1 not satisfied at all … 4 very satisfied"},
        "pole": {"type": ["string", "null"], "description": "pole code that helped, if said"},
    },
    "additionalProperties": False,
}

PRESENCE = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"enum": list(PRESENCE_STATUSES)},
        "pole": {"type": ["string", "null"],
                 "description": "pole code; default the counsellor's own pole"},
    },
}

class _RoundSchema(ItemSchema):
    """The round's schema; a count is named by its space ("counts.cyber") with one reason."""

    def _reason(self, field_name: str, error) -> str:
        if field_name.startswith("counts."):
            return _("nombre entier de 0 à %(max)d attendu", max=MAX_PEOPLE)
        return super()._reason(field_name, error)


ROUND_SCHEMA = _RoundSchema("round", ROUND, messages={
    "id": lambda _e: _("doit être un UUID"),
    "taken_at": lambda _e: _("date ISO 8601 avec fuseau attendue"),
    "counts": lambda _e: _("objet attendu, avec au moins un espace"),
})
ANSWER_SCHEMA = ItemSchema("answer", ANSWER, messages={
    "id": lambda _e: _("doit être un UUID"),
    "answered_at": lambda _e: _("date ISO 8601 avec fuseau attendue"),
    "score": lambda _e: _("entier de 1 à 4 attendu"),
})


def _site(code, author: Author) -> object:
    site = reference.lookup(Site, code)
    if site is None:
        raise Rejected("site", _("site inconnu « %(code)s »", code=code))
    if author.site_ids is not None and site.id not in author.site_ids:
        raise Rejected("site", _("hors de votre périmètre"))
    return site


# ---------------------------------------------------------------- occupancy rounds


def parse_round(raw: dict, author: Author, now: datetime) -> Item:
    """Check one round the schema let through against the site's spaces and the clock."""
    taken_at = instant_within_limits(raw["taken_at"], "taken_at", now,
                                     _("dans le futur : vérifiez l'horloge de la tablette"))
    site = _site(raw["site"], author)
    counts = []
    for code, people in sorted(raw["counts"].items()):
        space = reference.lookup(Space, code)
        if space is None or space.site_id != site.id:
            raise Rejected(f"counts.{code}", _("espace inconnu sur ce site"))
        counts.append((space.id, people))
    local_date, local_hour = local_day_and_hour(taken_at)
    values = {"taken_at": taken_at, "local_date": local_date, "local_hour": local_hour,
              "site_id": site.id, "counts": counts}
    row = {key: value for key, value in values.items() if key != "counts"}
    return Item({"id": uuid.UUID(raw["id"]), **row, "payload_digest": payload_digest(values),
                 "created_by_id": author.id, "received_at": now}, extra=counts)


def record_rounds(batch: list, user: User) -> list[dict]:
    """Store a batch of occupancy rounds; answer one result per round, in the same order."""

    def on_created(created: list[Item], _now: datetime) -> None:
        insert_rows(OccupancyCount, ({"round_id": item.id, "space_id": space_id, "people": people}
                                     for item in created for space_id, people in item.extra))

    return record_batch(batch, Author.of(user), schema=ROUND_SCHEMA, parse=parse_round,
                        model=OccupancyRound, on_created=on_created,
                        conflict=_("déjà utilisé pour une autre tournée (conflit)"))


def spaces_of(site_id: int) -> list:
    """Return the active spaces of a site, in their display order."""
    return [space for space in reference.active(Space) if space.site_id == site_id]


def schedule_of(site_id: int) -> dict:
    """Return when a site's rounds are due: every N minutes from first_hour to last_hour."""
    row = db.session.get(RoundSchedule, site_id)
    if row is None or not row.active:
        return {"every": 0, "first_hour": 0, "last_hour": -1}
    return {"every": row.every_minutes, "first_hour": row.first_hour, "last_hour": row.last_hour}


def last_round_at(site_id: int, day: date | None = None) -> datetime | None:
    """Return when the site's last round of the day was taken, if any."""
    day = day or local_today()
    rows = occupancy.rounds_taken(Scope(day, day, (site_id,)))
    return rows[0]["last"] if rows else None


def round_config(site) -> dict:
    """Return what the tablet's round dialog needs: the spaces, the schedule, the last round."""
    last = last_round_at(site.id)
    return {
        "site": site.code,
        "spaces": [{"code": s.code, "label": s.label, "capacity": s.capacity}
                   for s in spaces_of(site.id)],
        "schedule": schedule_of(site.id),
        "lastRoundAt": last.isoformat() if last else None,
    }


def round_config_for(site_code: str) -> dict:
    """Return round_config() of the site with that code."""
    return round_config(reference.by_code(Site, site_code))


def set_schedule(site_id: int, every: int, first_hour: int, last_hour: int,
                 active: bool = True) -> dict:
    """Set a site's round schedule; return what changed, as the journal keeps it."""
    row = db.session.get(RoundSchedule, site_id)
    before = ({"every_minutes": row.every_minutes, "first_hour": row.first_hour,
               "last_hour": row.last_hour, "active": row.active} if row else {})
    row = row or RoundSchedule(site_id=site_id)
    row.every_minutes, row.first_hour, row.last_hour, row.active = (every, first_hour,
                                                                    last_hour, active)
    db.session.add(row)
    after = {"every_minutes": every, "first_hour": first_hour, "last_hour": last_hour,
             "active": active}
    db.session.commit()
    return {key: [before.get(key), value] for key, value in after.items()
            if before.get(key) != value}


def save_schedule(actor: User, site, every: int, first_hour: int, last_hour: int,
                  active: bool) -> None:
    """Set a site's round schedule for an administrator, in the journal."""
    changes = set_schedule(site.id, every, first_hour, last_hour, active)
    if changes:
        db.session.add(AuditEvent(user_id=actor.id, action="reference.update",
                                  target_type="site", target_id=str(site.id), changes=changes))
        db.session.commit()


def sites_with_schedules() -> list[tuple]:
    """Return every active site with its round schedule."""
    sites = sorted((site for site in reference.active(Site)), key=lambda s: (s.position, s.id))
    rows = {row.site_id: row for row in db.session.scalars(sa.select(RoundSchedule))}
    return [(site, {"every": rows[site.id].every_minutes if site.id in rows
                    and rows[site.id].active else 0,
                    "first_hour": rows[site.id].first_hour if site.id in rows else 10,
                    "last_hour": rows[site.id].last_hour if site.id in rows else 17})
            for site in sites]


# ---------------------------------------------------------------- the exit kiosk


def parse_answer(raw: dict, author: Author, now: datetime) -> Item:
    """Check one kiosk answer the schema let through: the kiosk's own site, a known pole."""
    answered_at = instant_within_limits(raw["answered_at"], "answered_at", now,
                                        _("dans le futur : vérifiez l'horloge de la borne"))
    site = _site(raw["site"], author)
    pole_id = None
    if raw.get("pole") not in (None, ""):
        pole = reference.lookup(Pole, raw["pole"])
        if pole is None:
            raise Rejected("pole", _("pôle inconnu « %(code)s »", code=raw["pole"]))
        pole_id = pole.id
    values = {"answered_at": answered_at, "local_date": local_day_and_hour(answered_at)[0],
              "site_id": site.id, "score": raw["score"], "pole_id": pole_id}
    return Item({"id": uuid.UUID(raw["id"]), **values, "payload_digest": payload_digest(values),
                 "kiosk_id": author.id, "throttled": False, "received_at": now})


def _throttle(created: list[Item], kiosk_id: int) -> set[uuid.UUID]:
    """Mark the new taps that came too soon after the kiosk's previous answers; return them.

    A tap is throttled when it follows the kiosk's last counted answer by less than
    KIOSK_MIN_GAP_SECONDS, or when KIOSK_MAX_PER_MINUTE answers were counted in the minute
    before it. Runs in the write transaction, so two batches never both pass.
    """
    config = current_app.config
    gap = timedelta(seconds=config.get("KIOSK_MIN_GAP_SECONDS", 4))
    per_minute = config.get("KIOSK_MAX_PER_MINUTE", 6)
    ordered = sorted(created, key=lambda item: item.row["answered_at"])
    ids = {item.id for item in created}
    first = ordered[0].row["answered_at"] - timedelta(minutes=1)
    counted = sorted(at for key, at in db.session.execute(
        sa.select(SatisfactionAnswer.id, SatisfactionAnswer.answered_at)
        .where(SatisfactionAnswer.kiosk_id == kiosk_id,
               SatisfactionAnswer.throttled.is_(False),
               SatisfactionAnswer.answered_at >= first)) if key not in ids)
    refused = set()
    for item in ordered:
        at = item.row["answered_at"]
        before = [moment for moment in counted if moment <= at]
        recent = [moment for moment in before if moment > at - timedelta(minutes=1)]
        if (before and at - before[-1] < gap) or len(recent) >= per_minute:
            refused.add(item.id)
        else:
            counted = sorted([*counted, at])
    if refused:
        db.session.execute(sa.update(SatisfactionAnswer)
                           .where(SatisfactionAnswer.id.in_(refused)).values(throttled=True))
    return refused


def record_answers(batch: list, user: User) -> list[dict]:
    """Store a batch of kiosk answers; a burst's taps are kept, refused and counted apart."""
    author = Author.of(user)
    refused: set[uuid.UUID] = set()

    def on_created(created: list[Item], _now: datetime) -> None:
        refused.update(_throttle(created, author.id))

    results = record_batch(batch, author, schema=ANSWER_SCHEMA, parse=parse_answer,
                           model=SatisfactionAnswer, on_created=on_created,
                           conflict=_("déjà utilisé pour une autre réponse (conflit)"))
    replayed = [uuid.UUID(r["id"]) for r in results if r["status"] == "duplicate"]
    if replayed:
        # A replayed tap answers as it did the first time.
        refused.update(db.session.scalars(
            sa.select(SatisfactionAnswer.id).where(SatisfactionAnswer.id.in_(replayed),
                                                   SatisfactionAnswer.throttled.is_(True))))
    message = _("réponse trop rapprochée de la précédente sur cette borne : "
                "comptée parmi les appuis refusés")
    for result in results:
        if result["status"] in ("created", "duplicate") and uuid.UUID(result["id"]) in refused:
            result.update(status="rejected", field="answered_at",
                          error=f"answered_at: {message}")
    return results


def kiosk_config(user: User) -> dict:
    """Return what the kiosk page needs: its site, the poles, how long the thank-you shows."""
    site = reference.by_id(Site, user.site_id)
    return {
        "site": site.code,
        "poles": [{"code": p.code, "label": p.label, "short": p.short_label or p.label}
                  for p in reference.active(Pole)],
        "thanksMs": int(current_app.config.get("KIOSK_THANKS_SECONDS", 4) * 1000),
    }


# ---------------------------------------------------------------- counsellors' status


class PresenceRefused(Exception):
    """A status change cannot be made: the field and the reason."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def change_status(user: User, raw) -> dict:
    """Set the counsellor's status from a JSON body {status, pole?}; return the new one."""
    if not isinstance(raw, dict):
        raise PresenceRefused("body", _("objet JSON attendu"))
    status = raw.get("status")
    if status not in PRESENCE_STATUSES:
        raise PresenceRefused("status", _("valeur parmi %(values)s attendue",
                                          values=", ".join(PRESENCE_STATUSES)))
    code = raw.get("pole")
    if code not in (None, ""):
        pole = reference.lookup(Pole, code)
        if pole is None:
            raise PresenceRefused("pole", _("pôle inconnu « %(code)s »", code=code))
        pole_id = pole.id
    else:
        now = presence.current_status(user.id)
        pole_id = (now or {}).get("pole_id") or user.pole_id
        if pole_id is None:
            raise PresenceRefused("pole", _("obligatoire : votre compte n'a pas de pôle"))
    presence.set_status(user.id, user.site_id, pole_id, status)
    db.session.commit()
    return status_of(user)


def status_of(user: User) -> dict:
    """Return the counsellor's status today, as the status buttons show it."""
    now = presence.current_status(user.id)
    pole_id = (now or {}).get("pole_id") or user.pole_id
    pole = reference.by_id(Pole, pole_id) if pole_id else None
    return {"status": now["status"] if now else "away",
            "since": now["since"].isoformat() if now else None,
            "pole": pole.code if pole else None}


def site_for_status(code: str | None, user: User):
    """Return the site a status query names (default the user's), or None when unknown."""
    if not code:
        return reference.by_id(Site, user.site_id)
    return reference.by_code(Site, code)


def utc_iso(instant: datetime | None) -> str | None:
    """Return an instant as ISO 8601 in UTC."""
    return instant.isoformat() if instant else None


def now_iso() -> str:
    """Return the server's time, for the pages to show how fresh a figure is."""
    return utcnow().isoformat(timespec="seconds")


# ---------------------------------------------------------------- the floor board's sections


def floor_board_data(site_code: str, day_iso: str, live: bool) -> dict:
    """Return the floor board's pole and occupancy tables for one site and Paris day."""
    site = reference.by_code(Site, site_code)
    day = date.fromisoformat(day_iso)
    scope = Scope(day, day, (site.id,))
    poles = [pole for pole in reference.every(Pole)]
    poles.sort(key=lambda pole: (pole.position, pole.id))
    hours_rows = pole_hours(scope)
    used = {row["pole"] for row in hours_rows}
    shown = [pole for pole in poles if pole.active or pole.id in used]
    cells = {(row["hour"], row["pole"]): row for row in hours_rows}
    hours = sorted({row["hour"] for row in hours_rows})
    spaces = sorted(reference.every(Space), key=lambda s: (s.position, s.id))
    occupancy_rows = occupancy.by_space_and_hour(scope)
    counted = {(row["space"], row["hour"]): row for row in occupancy_rows}
    round_hours = sorted({row["hour"] for row in occupancy_rows})
    return {
        "live": live,
        "now": pole_status(site.id) if live else [],
        "poles": [{"id": p.id, "code": p.code, "label": p.short_label or p.label} for p in shown],
        "hours": [{"hour": hour, "cells": {p.id: cells.get((hour, p.id)) for p in shown}}
                  for hour in hours],
        "short_hours": sum(1 for row in hours_rows if row["short"]),
        "spaces": [{"code": s.code, "label": s.label, "capacity": s.capacity,
                    "cells": {hour: counted.get((s.id, hour)) for hour in round_hours}}
                   for s in spaces if s.site_id == site.id
                   and (s.active or any((s.id, h) in counted for h in round_hours))],
        "round_hours": round_hours,
    }


def dashboard_floor_data(filters: dict, user: User) -> dict:
    """Return the dashboard's floor sections for its filters: satisfaction, occupancy, poles."""
    scope = resolve(date.fromisoformat(filters["start"]), date.fromisoformat(filters["end"]),
                    filters.get("site"), filters.get("pole")).scope
    if scope.site_ids is None and site_ids_of(user) is not None:
        # "Every site" is every site the account sees (app.access).
        scope = replace(scope, site_ids=tuple(sorted(site_ids_of(user))))
    answers = satisfaction.answers(scope)
    by_score = {score: 0 for score in SCORES}
    months: dict[date, dict[int, int]] = {}
    by_pole: dict[int | None, dict[int, int]] = {}
    for row in answers:
        by_score[row["score"]] += row["answers"]
        months.setdefault(row["month"], {s: 0 for s in SCORES})[row["score"]] += row["answers"]
        by_pole.setdefault(row["pole"], {s: 0 for s in SCORES})[row["score"]] += row["answers"]
    total = sum(by_score.values())
    throttled = sum(row["taps"] for row in satisfaction.throttled(scope))
    poles = {pole.id: pole for pole in reference.every(Pole)}
    spaces = {space.id: space for space in reference.every(Space)}
    occupancy_rows = [{"code": spaces[row["space"]].code, "label": spaces[row["space"]].label,
                       "capacity": spaces[row["space"]].capacity, **row}
                      for row in occupancy.by_space(scope)]
    occupancy_rows.sort(key=lambda row: (spaces[row["space"]].position, row["space"]))
    short: dict[int, dict] = {}
    # Read minute by minute from raw rows: a season at most keeps the dashboard quick.
    hourly = pole_hours(scope) if (scope.end - scope.start).days <= POLE_HOURS_MAX_DAYS else None
    for row in hourly or []:
        entry = short.setdefault(row["pole"], {"sent": 0, "interviews": 0, "short": 0,
                                               "hours": {}})
        entry["sent"] += row["sent"]
        entry["interviews"] += row["interviews"]
        if row["short"]:
            entry["short"] += 1
            entry["hours"][row["hour"]] = entry["hours"].get(row["hour"], 0) + 1
    return {
        "satisfaction": {
            "answers": total, "by_score": by_score, "throttled": throttled,
            "average": sum(s * n for s, n in by_score.items()) / total if total else None,
            "months": [{"month": month, "by_score": scores, "answers": sum(scores.values())}
                       for month, scores in sorted(months.items())],
            "by_pole": [{"label": poles[pole].label if pole in poles else None,
                         "by_score": scores, "answers": sum(scores.values())}
                        for pole, scores in sorted(by_pole.items(), key=lambda item: (
                            poles[item[0]].position if item[0] in poles else 99))],
        },
        "occupancy": occupancy_rows,
        "poles": None if hourly is None else [
            {"label": poles[pole_id].label, **entry,
             "worst_hours": sorted(entry["hours"].items(), key=lambda h: (-h[1], h[0]))[:3]}
            for pole_id, entry in sorted(short.items(), key=lambda item: (
                poles[item[0]].position if item[0] in poles else 99))],
    }
