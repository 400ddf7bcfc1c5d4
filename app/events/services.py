"""Planning events and entering their attendance: validated like every capture, per field."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app import reference
from app.access import may_act_on, site_ids_of
from app.capture import (
    Author,
    Item,
    ItemSchema,
    Rejected,
    insert_rows,
    parse_offset_instant,
    payload_digest,
    record_batch,
)
from app.extensions import db
from app.models import (
    SPLIT_CATEGORIES,
    AuditEvent,
    Event,
    EventAttendanceSplit,
    EventType,
    Partner,
    Pole,
    ProfileOption,
    Site,
    User,
    event_partners,
    event_poles,
)
from app.privacy import PersonalDataFound, ensure_clean
from app.privacy.messages import refusal_message
from app.timeutil import local_day_and_hour, local_today, utcnow

PLANNER_ROLES = ("director", "admin")
ATTENDANCE_ROLES = ("agent", "counsellor", "director", "admin")
TITLE_MAX = 160
PLACE_MAX = 160
MAX_CAPACITY = 100_000
# An attendance above this many times the capacity is a typing slip until someone confirms it.
CAPACITY_FACTOR = 10
MAX_DAYS = 31  # a Semaine métiers or a forum lasts days, never months
FIRST_YEAR, LAST_YEAR = 2000, 2100
SPLIT_FIELDS = {f"by_{category}": category for category in SPLIT_CATEGORIES}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The API document's schema of an event: record_events validates every item against it.
EVENT = {
    "type": "object",
    "required": ["id", "type", "title", "site", "starts_at", "ends_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the client; idempotency key"},
        "type": {"type": "string", "description": "event type code"},
        "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX,
                  "description": "no personal data (checked by the guard)"},
        "site": {"type": "string", "description": "site code"},
        "poles": {"type": "array", "items": {"type": "string"}, "description": "pole codes"},
        "partners": {"type": "array", "items": {"type": "string"},
                     "description": "codes of the organising partners"},
        "starts_at": {"type": "string", "format": "date-time", "description": "with offset"},
        "ends_at": {"type": "string", "format": "date-time",
                    "description": f"with offset; after starts_at, at most {MAX_DAYS} days later"},
        "place": {"type": ["string", "null"], "maxLength": PLACE_MAX,
                  "description": "a room of the centre, or the place outside"},
        "outside": {"type": "boolean", "default": False,
                    "description": "held outside the centre (a forum on the Vieux-Port)"},
        "capacity": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_CAPACITY},
        "registered": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_CAPACITY,
                       "description": "persons registered beforehand, if any"},
        "series": {"type": ["string", "null"], "format": "uuid",
                   "description": "shared by the events of one series (every Tuesday...)"},
    },
}

SPLIT = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
         "description": "persons per profile option code; may cover only part of the total"}

ATTENDANCE = {
    "type": "object",
    "required": ["total"],
    "properties": {
        "total": {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY * CAPACITY_FACTOR,
                  "description": f"persons who attended; above {CAPACITY_FACTOR}x the capacity "
                                 "refused unless confirmed"},
        **{name: {"$ref": "#/components/schemas/AttendanceSplit"} for name in SPLIT_FIELDS},
        "confirmed": {"type": "boolean", "default": False,
                      "description": f"the person confirmed a total above {CAPACITY_FACTOR}x the capacity"},
    },
    "additionalProperties": False,
}

EVENT_SCHEMA = ItemSchema("event", EVENT, messages={
    "id": lambda _e: _("doit être un UUID"),
    "title": lambda _e: _("obligatoire, %(max)d caractères au plus", max=TITLE_MAX),
    "starts_at": lambda _e: _("date ISO 8601 avec fuseau attendue"),
    "ends_at": lambda _e: _("date ISO 8601 avec fuseau attendue"),
    "capacity": lambda _e: _("entier entre 1 et %(max)d attendu", max=MAX_CAPACITY),
    "registered": lambda _e: _("entier entre 0 et %(max)d attendu", max=MAX_CAPACITY),
    "series": lambda _e: _("doit être un UUID"),
    "poles": lambda _e: _("liste de codes de pôles attendue"),
    "partners": lambda _e: _("liste de codes de partenaires attendue"),
})

ATTENDANCE_SCHEMA = ItemSchema("attendance", ATTENDANCE, {"AttendanceSplit": SPLIT}, messages={
    "total": lambda _e: _("nombre entier de personnes, positif, attendu"),
    **{name: (lambda _e: _("objet {code d'option : nombre de personnes} attendu"))
       for name in SPLIT_FIELDS},
})


class AttendanceRefused(Exception):
    """The attendance cannot be stored; carries an HTTP status, the field and the reason."""

    def __init__(self, status: int, field: str, reason: str, confirmable: bool = False):
        super().__init__(f"{field}: {reason}")
        self.status = status
        self.field = field
        # True when the person may confirm the figure (above ten times the capacity).
        self.confirmable = confirmable


# ------------------------------------------------------------------ planning


def _instant(raw, field: str) -> datetime:
    """Return the instant in UTC, refusing years a planning never holds (and overflows)."""
    try:
        parsed = parse_offset_instant(raw)
    except ValueError:
        raise Rejected(field, _("date ISO 8601 avec fuseau attendue")) from None
    # Checked before any conversion: 0001-01-01T00:00+01:00 overflows in UTC (PITFALLS).
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise Rejected(field, _("année entre %(first)d et %(last)d attendue",
                                first=FIRST_YEAR, last=LAST_YEAR))
    return parsed.astimezone(utcnow().tzinfo)


def _codes(model, raw: list, field: str, unknown: str) -> list[int]:
    ids = []
    for code in dict.fromkeys(raw or []):
        row = reference.lookup(model, code)
        if row is None:
            raise Rejected(field, unknown % {"code": code})
        ids.append(row.id)
    return ids


def clean_text(raw, field: str, limit: int) -> str:
    """Return free text ready to store, or raise Rejected when it holds personal data.

    Rules only, no name model: titles and places are proper nouns ("Forum du Vieux-Port")
    the model tags as persons.
    """
    text = _CONTROL.sub(" ", raw or "").strip()
    if len(text) > limit:
        raise Rejected(field, _("%(max)d caractères au plus", max=limit))
    try:
        ensure_clean(text, allow=_allowed_names(), use_model=False)
    except PersonalDataFound as found:
        raise Rejected(field, refusal_message(found.findings)) from None
    return text


def _allowed_names() -> tuple[str, ...]:
    names = [text for model in (Site, Pole, Partner, EventType) for row in reference.active(model)
             for text in (row.label_fr, row.label_en, getattr(row, "city", None)) if text]
    contacts = [str(c) for p in reference.active(Partner) for c in (p.public_contacts or []) if c]
    return tuple(dict.fromkeys(names + contacts))


def event_values(raw: dict, sites: frozenset[int] | None) -> tuple[dict, list[int], list[int]]:
    """Check an event the schema let through; return its column values, pole and partner ids.

    `sites` is what app.access.site_ids_of answered for the author (None: every site).
    """
    event_type = reference.lookup(EventType, raw["type"])
    if event_type is None:
        raise Rejected("type", _("type d'événement inconnu « %(code)s »", code=raw["type"]))
    title = clean_text(raw["title"], "title", TITLE_MAX)
    if not title:
        raise Rejected("title", _("obligatoire"))
    site = reference.lookup(Site, raw["site"])
    if site is None:
        raise Rejected("site", _("site inconnu « %(code)s »", code=raw["site"]))
    if sites is not None and site.id not in sites:
        raise Rejected("site", _("site hors de votre périmètre"))
    pole_ids = _codes(Pole, raw.get("poles"), "poles", _("pôle inconnu « %(code)s »"))
    partner_ids = _codes(Partner, raw.get("partners"), "partners",
                         _("partenaire inconnu « %(code)s »"))
    starts_at = _instant(raw["starts_at"], "starts_at")
    ends_at = _instant(raw["ends_at"], "ends_at")
    if ends_at <= starts_at:
        raise Rejected("ends_at", _("la fin doit venir après le début"))
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise Rejected("ends_at", _("%(n)d jours au plus après le début", n=MAX_DAYS))
    capacity, registered = raw.get("capacity"), raw.get("registered")
    if capacity is not None and registered is not None and registered > capacity * CAPACITY_FACTOR:
        raise Rejected("registered", _("plus de %(n)d fois la capacité", n=CAPACITY_FACTOR))
    outside = bool(raw.get("outside", False))
    place = clean_text(raw.get("place"), "place", PLACE_MAX)
    if outside and not place:
        raise Rejected("place", _("obligatoire pour un événement hors les murs"))
    start_date, _hour = local_day_and_hour(starts_at)
    # An event ending at midnight sharp ends on the day before.
    end_date, _hour = local_day_and_hour(ends_at - timedelta(microseconds=1))
    values = {
        "event_type_id": event_type.id, "title": title, "site_id": site.id,
        "starts_at": starts_at, "ends_at": ends_at, "start_date": start_date,
        "end_date": end_date, "location": "outside" if outside else "centre", "place": place,
        "capacity": capacity, "registered": registered,
        "series_id": uuid.UUID(raw["series"]) if raw.get("series") else None,
    }
    return values, sorted(pole_ids), sorted(partner_ids)


def parse_event(raw: dict, author: Author, now: datetime, sites: frozenset[int] | None) -> Item:
    """Check one event of a batch; return the row to insert with its poles and partners."""
    event_id = uuid.UUID(raw["id"])
    values, pole_ids, partner_ids = event_values(raw, sites)
    digest = payload_digest({**values, "poles": pole_ids, "partners": partner_ids})
    return Item({"id": event_id, **values, "status": "planned", "payload_digest": digest,
                 "created_by_id": author.id, "created_at": now},
                extra=(pole_ids, partner_ids))


def _store_links(created: list[Item], _now: datetime) -> None:
    insert_rows(event_poles, ({"event_id": item.id, "pole_id": pole_id}
                              for item in created for pole_id in item.extra[0]))
    insert_rows(event_partners, ({"event_id": item.id, "partner_id": partner_id}
                                 for item in created for partner_id in item.extra[1]))


def record_events(batch: list, user: User) -> list[dict]:
    """Store a batch of planned events; answer one result per event, in the same order."""
    # Read once, while the account is loaded: the parsers run outside its transaction.
    sites = site_ids_of(user)

    def parse(raw: dict, author: Author, now: datetime) -> Item:
        return parse_event(raw, author, now, sites)

    return record_batch(batch, Author.of(user), schema=EVENT_SCHEMA, parse=parse,
                        model=Event, conflict=_("déjà utilisé pour un autre événement (conflit)"),
                        on_created=_store_links)


def first_refusal(payloads: list[dict], user: User) -> Rejected | None:
    """Return the first refusal among events about to be planned together, or None."""
    sites = site_ids_of(user)
    for raw in payloads:
        try:
            EVENT_SCHEMA.check(raw)
            event_values(raw, sites)
        except Rejected as rejected:
            return rejected
    return None


def update_event(event: Event, raw: dict, user: User) -> None:
    """Change a planned event (same checks as a creation); raise Rejected naming the field."""
    EVENT_SCHEMA.check({**raw, "id": str(event.id)})
    if not may_act_on(user, event.site_id):
        raise Rejected("site", _("site hors de votre périmètre"))
    values, pole_ids, partner_ids = event_values(raw, site_ids_of(user))
    values.pop("series_id")
    for name, value in values.items():
        setattr(event, name, value)
    event.poles = [db.session.get(Pole, pole_id) for pole_id in pole_ids]
    event.partners = [db.session.get(Partner, partner_id) for partner_id in partner_ids]
    db.session.add(AuditEvent(user_id=user.id, action="event.update", target_type="event",
                              target_id=str(event.id), changes={}))
    db.session.commit()


def cancel_event(event: Event, user: User) -> None:
    """Mark an event cancelled (kept: arrivals may point at it)."""
    if event.status == "cancelled":
        return
    event.status = "cancelled"
    db.session.add(AuditEvent(user_id=user.id, action="event.cancel", target_type="event",
                              target_id=str(event.id), changes={"status": ["planned", "cancelled"]}))
    db.session.commit()


def event_payload(event: Event) -> dict:
    """Return an event as the API reads it back (a duplicate starts from this)."""
    return {
        "type": event.event_type.code, "title": event.title, "site": event.site.code,
        "poles": [pole.code for pole in event.poles],
        "partners": [partner.code for partner in event.partners],
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
        "place": event.place, "outside": event.outside, "capacity": event.capacity,
        "registered": event.registered,
    }


# ------------------------------------------------------------------ attendance


def parse_attendance(raw, event: Event) -> tuple[int, list[dict]]:
    """Check an attendance against the event; return the total and the split rows."""
    try:
        ATTENDANCE_SCHEMA.check(raw)
    except Rejected as rejected:
        reason = str(rejected).split(": ", 1)[1]
        if rejected.field.partition(".")[0] in SPLIT_FIELDS and "." in rejected.field:
            reason = _("nombre entier de personnes, positif, attendu")
        raise AttendanceRefused(400, rejected.field, reason) from None
    total = raw["total"]
    if event.capacity and total > event.capacity * CAPACITY_FACTOR and not raw.get("confirmed"):
        raise AttendanceRefused(422, "total", _(
            "%(total)d personnes pour une capacité de %(capacity)d : plus de %(n)d fois la "
            "capacité, à confirmer", total=total, capacity=event.capacity, n=CAPACITY_FACTOR),
            confirmable=True)
    rows = []
    for name, category in SPLIT_FIELDS.items():
        split = raw.get(name) or {}
        options = reference.active_by_code("profile_options", category)
        for code, persons in split.items():
            option = options.get(code)
            if option is None:
                raise AttendanceRefused(422, f"{name}.{code}", _("code inconnu « %(code)s »", code=code))
            if persons:
                rows.append({"category": category, "option_id": option.id, "persons": persons})
        if sum(split.values()) > total:
            raise AttendanceRefused(422, name, _(
                "la répartition (%(split)d) dépasse le total (%(total)d)",
                split=sum(split.values()), total=total))
    return total, rows


def enter_attendance(event: Event, raw, user: User) -> None:
    """Store (or replace) an event's attendance: the same body twice leaves the same state."""
    if not may_act_on(user, event.site_id):
        raise AttendanceRefused(403, "site", _("événement d'un autre site"))
    if event.status == "cancelled":
        raise AttendanceRefused(409, "status", _("événement annulé"))
    if event.starts_at > utcnow():
        raise AttendanceRefused(409, "starts_at", _("l'événement n'a pas encore commencé"))
    total, rows = parse_attendance(raw, event)
    before = event.attendance
    event.attendance = total
    event.status = "held"
    event.attendance_at = utcnow()
    event.attendance_by_id = user.id
    event.splits = [EventAttendanceSplit(**row) for row in rows]
    if before != total:
        db.session.add(AuditEvent(user_id=user.id, action="event.attendance", target_type="event",
                                  target_id=str(event.id), changes={"attendance": [before, total]}))
    db.session.commit()


# ------------------------------------------------------------------ reading


def event_by_id(event_id) -> Event | None:
    """Return the event with that id (a string or UUID), or None."""
    try:
        key = event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(str(event_id))
    except ValueError:
        return None
    return db.session.get(Event, key)


@dataclass(frozen=True)
class EventFilter:
    """What the calendar and the list show: dates, site, type, pole, partner, status."""

    start: date
    end: date
    site_id: int | None = None
    type_id: int | None = None
    pole_id: int | None = None
    partner_id: int | None = None
    include_cancelled: bool = True


def events_between(user: User, wanted: EventFilter) -> list[Event]:
    """Return the events overlapping the days, in the sites the account may see, by start."""
    query = (sa.select(Event)
             .where(Event.start_date <= wanted.end, Event.end_date >= wanted.start)
             .options(selectinload(Event.poles), selectinload(Event.partners),
                      selectinload(Event.event_type), selectinload(Event.site))
             .order_by(Event.starts_at, Event.title))
    sites = site_ids_of(user)
    if sites is not None:
        query = query.where(Event.site_id.in_(sites))
    if wanted.site_id is not None:
        query = query.where(Event.site_id == wanted.site_id)
    if wanted.type_id is not None:
        query = query.where(Event.event_type_id == wanted.type_id)
    if wanted.pole_id is not None:
        query = query.where(Event.id.in_(sa.select(event_poles.c.event_id)
                                         .where(event_poles.c.pole_id == wanted.pole_id)))
    if wanted.partner_id is not None:
        query = query.where(Event.id.in_(sa.select(event_partners.c.event_id)
                                         .where(event_partners.c.partner_id == wanted.partner_id)))
    if not wanted.include_cancelled:
        query = query.where(Event.status != "cancelled")
    return list(db.session.scalars(query))


def awaiting_attendance(user: User, site_id: int | None = None) -> list[Event]:
    """Return the events already over, not cancelled, whose attendance nobody entered yet."""
    query = (sa.select(Event)
             .where(Event.ends_at <= utcnow(), Event.status != "cancelled",
                    Event.attendance.is_(None))
             .options(selectinload(Event.event_type), selectinload(Event.site))
             .order_by(Event.starts_at.desc()))
    sites = site_ids_of(user)
    if sites is not None:
        query = query.where(Event.site_id.in_(sites))
    if site_id is not None:
        query = query.where(Event.site_id == site_id)
    return list(db.session.scalars(query))


def attendance_json(event: Event) -> dict | None:
    """Return an event's attendance as the API reads and writes it, or None."""
    if event.attendance is None:
        return None
    splits: dict[str, dict[str, int]] = {name: {} for name in SPLIT_FIELDS}
    for split in event.splits:
        option = reference.by_id(ProfileOption, split.option_id)
        splits[f"by_{split.category}"][option.code] = split.persons
    return {"total": event.attendance, **splits}


def event_json(event: Event, arrivals: dict) -> dict:
    """Return an event as GET /api/v1/events lists it."""
    return {"id": str(event.id), **event_payload(event), "type_label": event.event_type.label,
            "status": event.status, "attendance": attendance_json(event),
            "arrivals": arrivals.get(event.id, 0)}


# ------------------------------------------------------------------ pages


def sites_of(user: User) -> list:
    """Return the active sites the account may plan or enter events at."""
    sites = site_ids_of(user)
    return [site for site in reference.active(Site) if sites is None or site.id in sites]


LIST_DAYS = 90  # the list view shows the next three months


def calendar_range(view: str, anchor: date) -> tuple[date, date]:
    """Return the first and last day a view shows: whole weeks of the month, a week, a list."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if view == "list":
        return anchor, anchor + timedelta(days=LIST_DAYS - 1)
    first = anchor.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


def calendar_filter(form, user: User) -> tuple[EventFilter, date, date, date]:
    """Return the filter, first and last day a calendar form asks for, and its anchor day."""
    anchor = form.day.data or local_today()
    start, end = calendar_range(form.view.data or "month", anchor)

    def code_id(model, code):
        row = reference.by_code(model, code) if code else None
        return row.id if row else None

    site_id = code_id(Site, form.site.data)
    return (EventFilter(start, end, site_id=site_id, type_id=code_id(EventType, form.type.data),
                        pole_id=code_id(Pole, form.pole.data),
                        partner_id=code_id(Partner, form.partner.data)), start, end, anchor)


def calendar_weeks(view: str, anchor: date, events: list[Event]) -> list[list[dict]]:
    """Return the calendar's weeks: seven days each, with the events running that day."""
    if view == "list":
        return []
    start, end = calendar_range(view, anchor)
    weeks, day = [], start
    while day <= end:
        week = []
        for _weekday in range(7):
            week.append({"day": day, "in_month": day.month == anchor.month or view == "week",
                         "events": [e for e in events if e.start_date <= day <= e.end_date]})
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


def split_values(event: Event) -> dict[str, int]:
    """Return the stored splits keyed like the attendance form's inputs."""
    values = {}
    for split in event.splits:
        option = reference.by_id(ProfileOption, split.option_id)
        values[f"by_{split.category}.{option.code}"] = split.persons
    return values


def waiting_by_site(user: User) -> list[tuple]:
    """Return (site, events waiting for attendance) for each site that has some."""
    groups: dict[int, list[Event]] = {}
    for event in awaiting_attendance(user):
        groups.setdefault(event.site_id, []).append(event)
    return [(reference.by_id(Site, site_id), events) for site_id, events in groups.items()]


def calendar_steps(view: str, anchor: date) -> tuple[date, date]:
    """Return the anchor days of the previous and the next page of a view."""
    if view == "week":
        return anchor - timedelta(days=7), anchor + timedelta(days=7)
    if view == "list":
        return anchor - timedelta(days=LIST_DAYS), anchor + timedelta(days=LIST_DAYS)
    first = anchor.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return previous, following
