"""Recording taps from the reception tablets: validated, idempotent, counted by tap time."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import reference
from app.access import may_act_on, site_ids_of
from app.offers import config_version, offer_of
from app.capture import (
    MAX_CLOCK_AHEAD,
    MAX_QUEUE_AGE,
    Author,
    Item,
    PROFILE,
    ItemSchema,
    Rejected,
    instant_within_limits,
    parse_profile,
    payload_digest,
    record_batch,
)
from app.extensions import db
from app.figures import flow
from app.figures.scope import Scope
from app.models import (
    ENTRY_KINDS,
    AuditEvent,
    Event,
    EventType,
    FlowEntry,
    Partner,
    Pole,
    ReceptionPoint,
    Site,
    User,
)
from app.timeutil import local_day_and_hour, utcnow

__all__ = ["MAX_CLOCK_AHEAD", "MAX_QUEUE_AGE", "Rejected"]  # re-exported for older imports

FIXED_DESTINATIONS = ("documentation", "cyber", "event", "desk")
MAX_PARTY = 500

# The API document's schemas of an entry: record_entries validates every entry against them.
ENTRY = {
    "type": "object",
    "required": ["id", "kind", "occurred_at", "reception_point", "destination"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the client; idempotency key"},
        "kind": {"enum": list(ENTRY_KINDS)},
        "occurred_at": {"type": "string", "format": "date-time",
                        "description": f"tap time, with offset; at most {MAX_QUEUE_AGE.days} days "
                                       f"old and {int(MAX_CLOCK_AHEAD.total_seconds() // 60)} "
                                       "minutes ahead of the server's clock"},
        "reception_point": {"type": "string", "description": "reception point code"},
        "destination": {
            "type": "string",
            "description": f"pole code, {', '.join(FIXED_DESTINATIONS)}, or partner:<code>",
        },
        "from_pole": {"type": ["string", "null"], "description": "pole code; reorientations only"},
        "party_size": {"type": "integer", "minimum": 1, "maximum": MAX_PARTY, "default": 1},
        "event_type": {"type": ["string", "null"],
                       "description": "event type code; destination event only"},
        "profile": {"$ref": "#/components/schemas/Profile"},
        "event": {"type": ["string", "null"], "format": "uuid",
                  "description": "id of a planned event of the site; destination event only"},
    },
}


def _profile_reason(_error) -> str:
    return _("doit être un objet")


ENTRY_SCHEMA = ItemSchema("entry", ENTRY, {"Profile": PROFILE}, messages={
    "id": lambda _e: _("doit être un UUID"),
    "kind": lambda _e: _("doit valoir « arrival » ou « reorientation »"),
    "occurred_at": lambda _e: _("date ISO 8601 avec fuseau attendue"),
    "party_size": lambda _e: _("entier entre 1 et %(max)d attendu", max=MAX_PARTY),
    "profile": _profile_reason,
    "profile.*": lambda _e: _("catégorie inconnue"),
    "event": lambda _e: _("doit être l'identifiant (UUID) d'un événement"),
})


def parse_destination(raw: str) -> dict:
    """Split a destination code into its kind and the pole or partner it names."""
    if not raw:
        raise Rejected("destination", _("obligatoire"))
    if raw in FIXED_DESTINATIONS:
        return {"destination_kind": raw}
    if raw.startswith("partner:"):
        partner = reference.lookup(Partner, raw.removeprefix("partner:"))
        if partner is None:
            raise Rejected("destination", _("organisme inconnu « %(code)s »", code=raw))
        return {"destination_kind": "partner", "destination_partner_id": partner.id}
    pole = reference.lookup(Pole, raw)
    if pole is None:
        raise Rejected("destination", _("destination inconnue « %(code)s »", code=raw))
    return {"destination_kind": "pole", "destination_pole_id": pole.id}


def parse_entry(raw: dict, author: Author, now) -> Item:
    """Check one entry the schema let through against the reference lists and the clock."""
    entry_id = uuid.UUID(raw["id"])
    kind = raw["kind"]
    occurred_at = instant_within_limits(raw["occurred_at"], "occurred_at", now,
                                        _("dans le futur : vérifiez l'horloge de la tablette"))
    point = reference.lookup(ReceptionPoint, raw["reception_point"])
    if point is None:
        raise Rejected("reception_point", _("point d'accueil inconnu"))
    if author.site_ids is not None and point.site_id not in author.site_ids:
        raise Rejected("reception_point", _("n'appartient pas à votre site"))
    party_size = raw.get("party_size", 1)
    destination = parse_destination(raw["destination"])
    from_pole_id = None
    if kind == "reorientation":
        from_pole = reference.lookup(Pole, raw.get("from_pole"))
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
        event_type = reference.lookup(EventType, raw["event_type"])
        if event_type is None:
            raise Rejected("event_type", _("type d'événement inconnu"))
        event_type_id = event_type.id
    event_id, event_type_id = event_of_entry(raw.get("event"), destination, point, event_type_id)
    profile = parse_profile(raw.get("profile"), reference.profile_options())
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
    # The event enters the digest only when named: entries queued before it existed keep theirs.
    digest = payload_digest({**values, "event_id": event_id} if event_id else values)
    return Item({"id": entry_id, **values, "event_id": event_id, "payload_digest": digest,
                 "created_by_id": author.id, "received_at": now})


def event_of_entry(raw, destination: dict, point, event_type_id: int | None):
    """Return (event id, event type id) of an arrival naming a planned event (issue 9).

    The event fills the type, so the figures by event type stay right.
    """
    if raw is None:
        return None, event_type_id
    if destination["destination_kind"] != "event":
        raise Rejected("event", _("réservé à la destination « event »"))
    event = db.session.get(Event, uuid.UUID(raw))
    if event is None:
        raise Rejected("event", _("événement inconnu"))
    if event.site_id != point.site_id:
        raise Rejected("event", _("événement d'un autre site"))
    if event_type_id is not None and event_type_id != event.event_type_id:
        raise Rejected("event_type", _("ne correspond pas au type de l'événement"))
    return event.id, event.event_type_id


def record_entries(batch: list, user: User) -> list[dict]:
    """Store a batch of tablet entries; answer one result per entry, in the same order."""
    return record_batch(batch, Author.of(user), schema=ENTRY_SCHEMA, parse=parse_entry,
                        model=FlowEntry,
                        conflict=_("déjà utilisé pour une autre saisie (conflit)"))


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
        user.has_role("director", "admin") and may_act_on(user, entry.site_id))
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


def site_by_code(code: str):
    """Return the site with that code, active or not, or None."""
    return reference.by_code(Site, code)


def own_site(user: User):
    """Return the user's site."""
    return reference.by_id(Site, user.site_id)


def day_counts(day: date, site) -> dict:
    """Return the day's persons per destination and per reception point, and the reorientations."""
    # Read from the figures layer, like the floor board and the reports: one count, one place.
    scope = Scope(day, day, (site.id,))
    poles = [pole.code for pole in reference.active(Pole)]
    by_destination = {code: 0 for code in [*poles, *FIXED_DESTINATIONS]}
    by_point = {point.code: 0 for point in reference.active(ReceptionPoint) if point.site_id == site.id}
    total = 0
    for row in flow.arrivals_by_destination(scope):
        if row["kind"] == "pole":
            code = reference.by_id(Pole, row["pole"]).code
        elif row["kind"] == "partner":
            code = f"partner:{reference.by_id(Partner, row['partner']).code}"
        else:
            code = row["kind"]
        by_destination[code] = by_destination.get(code, 0) + row["persons"]
        total += row["persons"]
    for row in flow.arrivals_by_hour(scope):
        if row["point"] is not None:
            point = reference.by_id(ReceptionPoint, row["point"]).code
            by_point[point] = by_point.get(point, 0) + row["persons"]
    reorientations = sum(row["persons"] for row in flow.reorientations(scope))
    return {"date": day.isoformat(), "site": site.code, "total": total,
            "by_destination": by_destination, "by_point": by_point,
            "reorientations": reorientations,
            "config_version": site_tablet_config(site.id)["version"]}


def points_for(user: User) -> list[ReceptionPoint]:
    """Return the active reception points the user may log at."""
    query = sa.select(ReceptionPoint).where(ReceptionPoint.active).order_by(ReceptionPoint.position)
    sites = site_ids_of(user)
    if sites is not None:
        query = query.where(ReceptionPoint.site_id.in_(sites))
    return list(db.session.scalars(query))


def point_by_code(code: str) -> ReceptionPoint | None:
    """Return the active reception point with that code, if any."""
    return db.session.scalar(
        sa.select(ReceptionPoint).where(ReceptionPoint.code == code, ReceptionPoint.active))


def tablet_config(point: ReceptionPoint) -> dict:
    """Return what the tablet script needs: destinations, profile chips, options."""
    config = site_tablet_config(point.site_id)
    return {"receptionPoint": point.code, **config,
            "reloadIdleSeconds": current_app.config.get("TABLET_RELOAD_IDLE_SECONDS", 20)}


def site_tablet_config(site_id: int) -> dict:
    """Return the tablet settings of a site: only what it offers; "version" tells a change."""
    offer = offer_of(site_id)
    config = {
        "site": reference.by_id(Site, site_id).code,
        "undoMinutes": current_app.config["UNDO_WINDOW_MINUTES"],
        "poles": [{"code": p.code, "label": p.label, "short": p.short_label or p.label}
                  for p in reference.active(Pole) if p.code in offer.poles],
        "fixed": [code for code in FIXED_DESTINATIONS if code in offer.destinations],
        "offersPartner": "partner" in offer.destinations,
        "partners": [{"code": p.code, "label": p.label} for p in reference.active(Partner)],
        "eventTypes": [{"code": e.code, "label": e.label} for e in reference.active(EventType)],
        "profile": {category: [{"code": o.code, "label": o.label} for o in options.values()]
                    for category, options in reference.profile_options().items() if options},
    }
    # An open tablet compares this with the counts it polls and reloads itself (issue 10).
    config["version"] = config_version(config)
    return config
