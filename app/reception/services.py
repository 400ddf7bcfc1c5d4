"""Recording taps from the reception tablets: validated, idempotent, counted by tap time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.extensions import db
from app.idempotency import insert_new, payload_digest, pending, settle
from app.models import (
    PROFILE_CATEGORIES,
    AuditEvent,
    EventType,
    FlowEntry,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    User,
)
from app.timeutil import local_day_and_hour, parse_instant, utcnow

FIXED_DESTINATIONS = ("documentation", "cyber", "event", "desk")
MAX_PARTY = 500
# How far a tablet's clock may run ahead, and how long an entry may wait in a queue.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
MAX_QUEUE_AGE = timedelta(days=31)


class Rejected(ValueError):
    """One entry is invalid; the message names the field and the reason."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name


@dataclass
class ReferenceIndex:
    """The active reference codes and ids, read once per batch (rows, not ORM objects)."""

    reception_points: dict[str, sa.Row]
    poles: dict[str, sa.Row]
    partners: dict[str, sa.Row]
    event_types: dict[str, sa.Row]
    profile: dict[str, dict[str, sa.Row]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "ReferenceIndex":
        """Read the active reference codes."""
        def active(model, *extra):
            query = sa.select(model.code, model.id, *extra).where(model.active)
            return {row.code: row for row in db.session.execute(query)}

        profile: dict[str, dict[str, sa.Row]] = {c: {} for c in PROFILE_CATEGORIES}
        options = db.session.execute(
            sa.select(ProfileOption.category, ProfileOption.code, ProfileOption.id)
            .where(ProfileOption.active))
        for option in options:
            profile[option.category][option.code] = option
        return cls(active(ReceptionPoint, ReceptionPoint.site_id), active(Pole), active(Partner),
                   active(EventType), profile)


def parse_profile(raw, index: ReferenceIndex) -> dict[str, int | None]:
    """Turn a profile object of codes into option ids; every part may be absent or null."""
    if raw is None:
        return {f"{c}_id": None for c in PROFILE_CATEGORIES}
    if not isinstance(raw, dict):
        raise Rejected("profile", _("doit être un objet"))
    unknown = set(raw) - set(PROFILE_CATEGORIES)
    if unknown:
        raise Rejected(f"profile.{sorted(unknown)[0]}", _("catégorie inconnue"))
    ids = {}
    for category in PROFILE_CATEGORIES:
        code = raw.get(category)
        if category == "first_visit" and isinstance(code, bool):
            code = "oui" if code else "non"
        if code in (None, ""):
            ids[f"{category}_id"] = None
            continue
        option = index.profile[category].get(code) if isinstance(code, str) else None
        if option is None:
            raise Rejected(f"profile.{category}", _("code inconnu « %(code)s »", code=code))
        ids[f"{category}_id"] = option.id
    return ids


def parse_destination(raw, index: ReferenceIndex) -> dict:
    """Split a destination code into its kind and the pole or partner it names."""
    if not isinstance(raw, str) or not raw:
        raise Rejected("destination", _("obligatoire"))
    if raw in FIXED_DESTINATIONS:
        return {"destination_kind": raw}
    if raw.startswith("partner:"):
        partner = index.partners.get(raw.removeprefix("partner:"))
        if partner is None:
            raise Rejected("destination", _("organisme inconnu « %(code)s »", code=raw))
        return {"destination_kind": "partner", "destination_partner_id": partner.id}
    pole = index.poles.get(raw)
    if pole is None:
        raise Rejected("destination", _("destination inconnue « %(code)s »", code=raw))
    return {"destination_kind": "pole", "destination_pole_id": pole.id}


def parse_entry(raw, user: User, index: ReferenceIndex, now) -> dict:
    """Validate one submitted entry and return the row to insert; raise Rejected."""
    if not isinstance(raw, dict):
        raise Rejected("entry", _("doit être un objet"))
    try:
        entry_id = uuid.UUID(str(raw.get("id")))
    except ValueError:
        raise Rejected("id", _("doit être un UUID")) from None
    kind = raw.get("kind")
    if kind not in ("arrival", "reorientation"):
        raise Rejected("kind", _("doit valoir « arrival » ou « reorientation »"))
    try:
        occurred_at = parse_instant(raw.get("occurred_at"))
    except (TypeError, ValueError):
        raise Rejected("occurred_at", _("date ISO 8601 avec fuseau attendue")) from None
    if occurred_at > now + MAX_CLOCK_AHEAD:
        raise Rejected("occurred_at", _("dans le futur : vérifiez l'horloge de la tablette"))
    if occurred_at < now - MAX_QUEUE_AGE:
        raise Rejected("occurred_at", _("trop ancienne (plus de 31 jours)"))
    point = index.reception_points.get(raw.get("reception_point"))
    if point is None:
        raise Rejected("reception_point", _("point d'accueil inconnu"))
    if user.role != "admin" and point.site_id != user.site_id:
        raise Rejected("reception_point", _("n'appartient pas à votre site"))
    party_size = raw.get("party_size", 1)
    if isinstance(party_size, bool) or not isinstance(party_size, int) or not 1 <= party_size <= MAX_PARTY:
        raise Rejected("party_size", _("entier entre 1 et %(max)d attendu", max=MAX_PARTY))
    destination = parse_destination(raw.get("destination"), index)
    from_pole_id = None
    if kind == "reorientation":
        from_pole = index.poles.get(raw.get("from_pole"))
        if from_pole is None:
            raise Rejected("from_pole", _("pôle de départ inconnu ou absent"))
        if destination["destination_kind"] not in ("pole", "partner"):
            raise Rejected("destination", _("une réorientation va vers un pôle ou un organisme"))
        if destination.get("destination_pole_id") == from_pole.id:
            raise Rejected("destination", _("identique au pôle de départ"))
        from_pole_id = from_pole.id
    elif raw.get("from_pole") is not None:
        raise Rejected("from_pole", _("réservé aux réorientations"))
    event_type_id = None
    if raw.get("event_type") is not None:
        if destination["destination_kind"] != "event":
            raise Rejected("event_type", _("réservé à la destination « event »"))
        event_type = index.event_types.get(raw.get("event_type"))
        if event_type is None:
            raise Rejected("event_type", _("type d'événement inconnu"))
        event_type_id = event_type.id
    profile = parse_profile(raw.get("profile"), index)
    local_date, local_hour = local_day_and_hour(occurred_at)
    values = {
        "kind": kind,
        "occurred_at": occurred_at,
        "local_date": local_date,
        "local_hour": local_hour,
        "site_id": point.site_id,
        "reception_point_id": point.id,
        "destination_kind": destination["destination_kind"],
        "destination_pole_id": destination.get("destination_pole_id"),
        "destination_partner_id": destination.get("destination_partner_id"),
        "event_type_id": event_type_id,
        "from_pole_id": from_pole_id,
        "party_size": party_size,
        **profile,
    }
    return {"id": entry_id, **values, "payload_digest": payload_digest(values),
            "created_by_id": user.id, "received_at": now}


def record_entries(batch: list, user: User) -> list[dict]:
    """Store a batch of tablet entries; answer one result per entry, in the same order."""
    now = utcnow()
    index = ReferenceIndex.load()
    results: list[dict] = []
    rows: dict[uuid.UUID, dict] = {}
    for raw in batch:
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            row = parse_entry(raw, user, index, now)
        except Rejected as rejected:
            results.append({"id": raw_id, "status": "rejected", "field": rejected.field,
                            "error": str(rejected)})
            continue
        results.append(pending(row["id"], row["payload_digest"]))
        rows.setdefault(row["id"], row)
    created = insert_new(FlowEntry, list(rows.values()))
    settle(results, FlowEntry, created, _("id: déjà utilisé pour une autre saisie (conflit)"))
    db.session.commit()
    return results


class UndoRefused(Exception):
    """The undo cannot be done; carries an HTTP status and a message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def undo_entry(entry_id: str, user: User) -> str:
    """Soft-delete an entry within the undo window; return 'undone' or 'already_undone'."""
    try:
        key = uuid.UUID(entry_id)
    except ValueError:
        raise UndoRefused(400, _("id: doit être un UUID")) from None
    entry = db.session.get(FlowEntry, key)
    if entry is None or entry.interview_id is not None:
        raise UndoRefused(404, _("Saisie introuvable."))
    if entry.deleted_at is not None:
        return "already_undone"
    may_undo = entry.created_by_id == user.id or (
        user.role in ("director", "admin") and (user.role == "admin" or entry.site_id == user.site_id)
    )
    if not may_undo:
        raise UndoRefused(403, _("Seul l'auteur de la saisie peut l'annuler."))
    now = utcnow()
    window = timedelta(minutes=current_app.config["UNDO_WINDOW_MINUTES"])
    # An entry queued offline reaches the server late: the window runs from whichever came last.
    if now - max(entry.occurred_at, entry.received_at) > window:
        raise UndoRefused(409, _("Délai d'annulation dépassé."))
    entry.deleted_at = now
    entry.deleted_by_id = user.id
    db.session.add(AuditEvent(user_id=user.id, action="undo", target_type="flow_entry",
                              target_id=str(entry.id), changes={"deleted_at": [None, now.isoformat()]}))
    db.session.commit()
    return "undone"


def day_counts(day: date, site: Site) -> dict:
    """Return the day's persons per destination and the reorientations, for one site."""
    live = sa.and_(FlowEntry.site_id == site.id, FlowEntry.local_date == day,
                   FlowEntry.deleted_at.is_(None))
    rows = db.session.execute(
        sa.select(FlowEntry.kind, FlowEntry.destination_kind, Pole.code, Partner.code,
                  sa.func.sum(FlowEntry.party_size))
        .outerjoin(Pole, Pole.id == FlowEntry.destination_pole_id)
        .outerjoin(Partner, Partner.id == FlowEntry.destination_partner_id)
        .where(live)
        .group_by(FlowEntry.kind, FlowEntry.destination_kind, Pole.code, Partner.code)
    ).all()
    poles = db.session.scalars(sa.select(Pole.code).where(Pole.active).order_by(Pole.position))
    by_destination = {code: 0 for code in [*poles, *FIXED_DESTINATIONS]}
    total = reorientations = 0
    for kind, destination_kind, pole_code, partner_code, persons in rows:
        if kind == "reorientation":
            reorientations += persons
            continue
        code = {"pole": pole_code, "partner": f"partner:{partner_code}"}.get(destination_kind,
                                                                          destination_kind)
        by_destination[code] = by_destination.get(code, 0) + persons
        total += persons
    return {"date": day.isoformat(), "site": site.code, "total": total,
            "by_destination": by_destination, "reorientations": reorientations}


def points_for(user: User) -> list[ReceptionPoint]:
    """Return the active reception points the user may log at."""
    query = sa.select(ReceptionPoint).where(ReceptionPoint.active).order_by(ReceptionPoint.position)
    if user.role != "admin":
        query = query.where(ReceptionPoint.site_id == user.site_id)
    return list(db.session.scalars(query))


def point_by_code(code: str) -> ReceptionPoint | None:
    """Return the active reception point with that code, if any."""
    return db.session.scalar(
        sa.select(ReceptionPoint).where(ReceptionPoint.code == code, ReceptionPoint.active))


def tablet_config(point: ReceptionPoint) -> dict:
    """Return what the tablet script needs: destinations, profile chips, options."""
    def active(model, *order):
        return list(db.session.scalars(sa.select(model).where(model.active).order_by(*order)))

    profile: dict[str, list] = {}
    for option in active(ProfileOption, ProfileOption.category, ProfileOption.position):
        profile.setdefault(option.category, []).append({"code": option.code, "label": option.label})
    return {
        "receptionPoint": point.code,
        "site": point.site.code,
        "undoMinutes": current_app.config["UNDO_WINDOW_MINUTES"],
        "poles": [{"code": p.code, "label": p.label, "short": p.short_label or p.label}
                  for p in active(Pole, Pole.position)],
        "fixed": list(FIXED_DESTINATIONS),
        "partners": [{"code": p.code, "label": p.label} for p in active(Partner, Partner.position)],
        "eventTypes": [{"code": e.code, "label": e.label}
                       for e in active(EventType, EventType.position)],
        "profile": profile,
    }
