"""Recording counsellors' interviews: validated, screened for personal data, idempotent.

Interviews follow the conventions of the tablet entries (app.reception.services): a UUID
made by the browser, one result per item, ON CONFLICT DO NOTHING on the primary key. An
outcome that points at another pole also writes a reorientation into the visitor flow,
kept in step with the interview's corrections and deletion.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden, NotFound

from app import presence, reference
from app.capture import (
    MAX_QUEUE_AGE,
    Author,
    Item,
    PROFILE,
    ItemSchema,
    Rejected,
    insert_new,
    insert_rows,
    instant_within_limits,
    parse_profile,
    payload_digest,
    record_batch,
)
from app.extensions import db
from app.models import (
    CHANNELS,
    PROFILE_CATEGORIES,
    AuditEvent,
    FlowEntry,
    Interview,
    InterviewOutcome,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    Site,
    Theme,
    User,
    interview_themes,
)
from app.offers import offer_of
from app.privacy import PersonalDataFound, ensure_clean
from app.privacy.messages import refusal_message
from app.timeutil import day_start_utc, local_day_and_hour, local_today, to_local, utcnow

NOTE_MAX = 280
MAX_DURATION = 480  # a working day; anything longer is a typing slip
CORRECTION_DAYS = 7  # today and the six Paris days before it
DEFAULT_DURATION = 30
DEFAULT_CHANNEL = "in_person"
# Control characters break exports (PITFALLS: openpyxl); line breaks may stay.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")

# The API document's schemas of an interview: record_interviews validates every item with them.
INTERVIEW_OUTCOME = {
    "description": "an outcome code, or an object naming its target where the outcome has one",
    "oneOf": [
        {"type": "string", "description": "outcome code without target (information, atelier...)"},
        {"type": "object", "required": ["code"], "additionalProperties": False,
         "properties": {
             "code": {"type": "string"},
             "partner": {"type": ["string", "null"],
                         "description": "partner code; outcomes targeting a partner"},
             "pole": {"type": ["string", "null"],
                      "description": "pole code; a reorientation, also counted in the visitor flow"},
         }},
    ],
}
INTERVIEW = {
    "type": "object",
    "required": ["id", "started_at", "duration_min", "channel"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the browser; idempotency key"},
        "started_at": {"type": "string", "format": "date-time",
                       "description": f"start of the interview, with offset; at most "
                                      f"{MAX_QUEUE_AGE.days} days old"},
        "duration_min": {"type": "integer", "minimum": 1, "maximum": MAX_DURATION},
        "channel": {"enum": list(CHANNELS)},
        "site": {"type": ["string", "null"], "description": "site code; default the counsellor's site"},
        "pole": {"type": ["string", "null"], "description": "pole code; default the counsellor's pole"},
        "partner": {"type": ["string", "null"],
                    "description": "partner code of the counsellor's institution; default theirs"},
        "profile": {"$ref": "#/components/schemas/Profile"},
        "themes": {"type": ["array", "null"], "items": {"type": "string"},
                   "description": "theme codes, all of the interview's pole"},
        "outcomes": {"type": ["array", "null"],
                     "items": {"$ref": "#/components/schemas/InterviewOutcome"}},
        "note": {"type": ["string", "null"], "maxLength": NOTE_MAX,
                 "description": "optional; refused (field note) when it holds personal data: "
                                "e-mail, phone, social-security number, IBAN, street address, "
                                "birth date, a person's name. Partners' public contacts are allowed."},
    },
}
FIELDS = frozenset(INTERVIEW["properties"])

INTERVIEW_SCHEMA = ItemSchema("interview", INTERVIEW, {
    "Profile": PROFILE, "InterviewOutcome": INTERVIEW_OUTCOME}, messages={
    "id": lambda _e: _("doit être un UUID"),
    "started_at": lambda _e: _("date ISO 8601 avec fuseau attendue"),
    "duration_min": lambda _e: _("nombre de minutes entre 1 et %(max)d attendu", max=MAX_DURATION),
    "channel": lambda _e: _("choisissez sur place, téléphone ou visio"),
    "profile": lambda _e: _("doit être un objet"),
    "profile.*": lambda _e: _("catégorie inconnue"),
    "themes": lambda _e: _("liste de codes attendue"),
    "outcomes": lambda _e: _("chaque suite est un code ou un objet {code, partner|pole}"),
    "note": lambda e: (_("%(max)d caractères au plus (%(n)d saisis)", max=NOTE_MAX, n=len(e.instance))
                       if isinstance(e.instance, str) else _("texte attendu")),
})


# --------------------------------------------------------------------------------------
# Reference data


class InterviewReference:
    """The reference rows a form or a batch may name, by code (records from app.reference).

    A correction may keep rows deactivated since the interview was recorded (`keep`).
    """

    def __init__(self, keep: Interview | None = None):
        self.sites = dict(reference.active_by_code(Site))
        self.poles = dict(reference.active_by_code(Pole))
        self.partners = dict(reference.active_by_code(Partner))
        self.themes = dict(reference.active_by_code(Theme))
        self.outcomes = dict(reference.active_by_code(Outcome))
        self.profile = {c: dict(options) for c, options in reference.profile_options().items()}
        # Partners' own phone numbers and addresses, and the names of partners, sites,
        # poles and themes: not a visitor's personal data, though the name model may tag
        # some of them as persons ("Léo Lagrange Méditerranée").
        contacts = [str(contact) for partner in self.partners.values()
                    for contact in (partner.public_contacts or []) if contact]
        names = [text for rows in (self.partners, self.sites, self.poles, self.themes)
                 for row in rows.values()
                 for text in (row.label_fr, row.label_en, getattr(row, "city", None)) if text]
        self.allow = tuple(dict.fromkeys(contacts + names))
        if keep is not None:
            self._keep(keep)

    @classmethod
    def load(cls, keep: Interview | None = None) -> "InterviewReference":
        """Return the active rows, plus any inactive row the interview being corrected holds."""
        return cls(keep)

    def _keep(self, interview: Interview) -> None:
        """Let a correction keep references deactivated since the interview was recorded."""
        def keep(names: dict, model, row_id):
            row = reference.by_id(model, row_id)
            if row is not None:
                names.setdefault(row.code, row)

        keep(self.sites, Site, interview.site_id)
        keep(self.poles, Pole, interview.pole_id)
        keep(self.partners, Partner, interview.partner_id)
        for theme in interview.themes:
            keep(self.themes, Theme, theme.id)
        for item in interview.outcomes:
            keep(self.outcomes, Outcome, item.outcome_id)
            keep(self.partners, Partner, item.target_partner_id)
            keep(self.poles, Pole, item.target_pole_id)
        for category in PROFILE_CATEGORIES:
            keep(self.profile[category], ProfileOption, getattr(interview, f"{category}_id"))

    def themes_of(self, pole) -> list:
        """Return the themes listed under a pole."""
        return [theme for theme in self.themes.values() if theme.pole_id == pole.id]

    def sites_for(self, user) -> list:
        """Return the sites the user records at: their home site and the others they serve."""
        ids = user.site_ids
        return [site for site in self.sites.values() if ids is None or site.id in ids]


# --------------------------------------------------------------------------------------
# Parsing one interview


@dataclass
class ParsedInterview(Item):
    """A validated interview: its row, theme ids and outcomes, ready to store."""

    theme_ids: list[int] = field(default_factory=list)
    # (outcome record, target partner id, target pole id)
    outcomes: list[tuple] = field(default_factory=list)


def paris_instant(day: date, clock: time) -> datetime:
    """Return the UTC instant of a Paris wall-clock time, DST-correct.

    Built on app.timeutil's helpers only: start of the Paris day, then correct the drift
    a DST change in between introduces.
    """
    guess = day_start_utc(day) + timedelta(hours=clock.hour, minutes=clock.minute)
    drift = datetime.combine(day, clock) - to_local(guess).replace(tzinfo=None)
    return guess + drift


def correction_start() -> date:
    """Return the first Paris day whose interviews a counsellor may still correct."""
    return local_today() - timedelta(days=CORRECTION_DAYS - 1)


def clean_note(raw, allow: tuple[str, ...]) -> str:
    """Return the note ready to store, or raise Rejected naming the data found and where.

    The refusal carries the guard's message only: the note itself is never echoed.
    """
    if raw is None:
        return ""
    note = _CONTROL.sub(" ", raw.replace("\r\n", "\n")).strip()
    if len(note) > NOTE_MAX:
        raise Rejected("note", _("%(max)d caractères au plus (%(n)d saisis)", max=NOTE_MAX,
                                 n=len(note)))
    try:
        ensure_clean(note, allow=allow)
    except PersonalDataFound as found:
        raise Rejected("note", refusal_message(found.findings)) from None
    return note


def _reference(ref_map: dict, raw, field_name: str, default, unknown: str):
    if raw in (None, ""):
        # A default deactivated since (the counsellor's former pole...) must be chosen anew.
        if default is None or ref_map.get(default.code) != default:
            raise Rejected(field_name, _("obligatoire"))
        return ref_map[default.code]
    row = ref_map.get(raw)
    if row is None:
        raise Rejected(field_name, unknown % {"code": raw})
    return row


def _parse_themes(raw, pole, ref: InterviewReference) -> list[int]:
    ids: list[int] = []
    for code in raw or []:
        theme = ref.themes.get(code)
        if theme is None:
            raise Rejected("themes", _("thème inconnu « %(code)s »", code=code))
        if theme.pole_id != pole.id:
            raise Rejected("themes", _("« %(theme)s » ne relève pas du pôle « %(pole)s »",
                                       theme=theme.label, pole=pole.label))
        if theme.id not in ids:
            ids.append(theme.id)
    return sorted(ids)


def _parse_outcomes(raw, pole, ref: InterviewReference):
    parsed: list[tuple] = []
    seen: set[str] = set()
    for item in raw or []:
        if isinstance(item, str):
            item = {"code": item}
        code = item["code"]
        outcome = ref.outcomes.get(code)
        if outcome is None:
            raise Rejected("outcomes", _("suite inconnue « %(code)s »", code=code))
        if code in seen:
            raise Rejected("outcomes", _("« %(label)s » en double", label=outcome.label))
        seen.add(code)
        name = f"outcomes.{code}"
        extra = set(item) - {"code", outcome.target_kind}
        if extra:
            raise Rejected(name, _("« %(label)s » ne prend pas de « %(key)s »",
                                   label=outcome.label, key=sorted(extra)[0]))
        target_partner_id = target_pole_id = None
        if outcome.target_kind == "partner":
            partner = ref.partners.get(item.get("partner"))
            if item.get("partner") in (None, ""):
                raise Rejected(name, _("précisez vers quel organisme"))
            if partner is None:
                raise Rejected(name, _("organisme inconnu « %(code)s »", code=item.get("partner")))
            target_partner_id = partner.id
        elif outcome.target_kind == "pole":
            target = ref.poles.get(item.get("pole"))
            if item.get("pole") in (None, ""):
                raise Rejected(name, _("précisez vers quel pôle"))
            if target is None:
                raise Rejected(name, _("pôle inconnu « %(code)s »", code=item.get("pole")))
            if target.id == pole.id:
                raise Rejected(name, _("le pôle de destination est celui de l'entretien"))
            target_pole_id = target.id
        parsed.append((outcome, target_partner_id, target_pole_id))
    return sorted(parsed, key=lambda o: (o[0].position, o[0].id))


def parse_interview(raw: dict, author: Author, ref: InterviewReference, now: datetime,
                    editing: Interview | None = None) -> ParsedInterview:
    """Check one interview the schema let through; raise Rejected naming the field and the reason."""
    interview_id = uuid.UUID(raw["id"])
    started_at = instant_within_limits(raw["started_at"], "started_at", now,
                                       _("dans le futur : vérifiez la date et l'heure"))
    local_date, local_hour = local_day_and_hour(started_at)
    if editing is not None and local_date < correction_start():
        raise Rejected("started_at", _("au-delà des %(n)d derniers jours", n=CORRECTION_DAYS))
    duration = raw["duration_min"]
    channel = raw["channel"]

    owner = Author.of(editing.counsellor) if editing is not None else author
    default_site = reference.by_id(Site, editing.site_id if editing is not None else owner.site_id)
    site = _reference(ref.sites, raw.get("site"), "site", default_site, _("site inconnu « %(code)s »"))
    allowed_sites = {s.id for s in ref.sites_for(owner)} | ({editing.site_id} if editing else set())
    if site.id not in allowed_sites:
        raise Rejected("site", _("hors de vos sites (voir votre compte)"))
    pole = _reference(ref.poles, raw.get("pole"), "pole",
                      reference.by_id(Pole, owner.pole_id) if editing is None else None,
                      _("pôle inconnu « %(code)s »"))
    partner = _reference(ref.partners, raw.get("partner"), "partner",
                         reference.by_id(Partner, owner.partner_id) if editing is None else None,
                         _("organisme inconnu « %(code)s »"))
    if pole is not None and (editing is None or editing.pole_id != pole.id):
        offer = offer_of(site.id)
        if pole.code not in offer.poles:
            raise Rejected("pole", _("pôle non proposé par ce site"))
    profile = parse_profile(raw.get("profile"), ref.profile)
    theme_ids = _parse_themes(raw.get("themes"), pole, ref)
    outcomes = _parse_outcomes(raw.get("outcomes"), pole, ref)
    note = clean_note(raw.get("note"), ref.allow)

    values = {
        "started_at": started_at,
        "local_date": local_date,
        "local_hour": local_hour,
        "duration_min": duration,
        "channel": channel,
        "site_id": site.id,
        "pole_id": pole.id,
        "partner_id": partner.id,
        "counsellor_id": owner.id,
        **profile,
        "note": note,
    }
    signature = {**values, "themes": theme_ids,
                 "outcomes": [(o.id, partner_id, pole_id) for o, partner_id, pole_id in outcomes]}
    row = {"id": interview_id, **values, "payload_digest": payload_digest(signature), "created_at": now}
    return ParsedInterview(row, theme_ids=theme_ids, outcomes=outcomes)


# --------------------------------------------------------------------------------------
# Reorientations written into the visitor flow


def _flow_id(interview_id: uuid.UUID, outcome: Outcome) -> uuid.UUID:
    """Name the flow entry an outcome makes: stable, so corrections find it again."""
    return uuid.uuid5(interview_id, f"outcome:{outcome.code}")


def _flow_values(values: dict, target_pole_id: int) -> dict:
    """Return the reorientation a pole-targeted outcome adds to the visitor flow."""
    flow = {
        "kind": "reorientation",
        "occurred_at": values["started_at"],
        "local_date": values["local_date"],
        "local_hour": values["local_hour"],
        "site_id": values["site_id"],
        "reception_point_id": None,
        "destination_kind": "pole",
        "destination_pole_id": target_pole_id,
        "destination_partner_id": None,
        "event_type_id": None,
        "from_pole_id": values["pole_id"],
        "party_size": 1,
        **{f"{c}_id": values[f"{c}_id"] for c in PROFILE_CATEGORIES},
    }
    return {**flow, "payload_digest": payload_digest(flow)}


def _interview_values(interview: Interview) -> dict:
    return {
        "started_at": interview.started_at, "local_date": interview.local_date,
        "local_hour": interview.local_hour, "site_id": interview.site_id,
        "pole_id": interview.pole_id,
        **{f"{c}_id": getattr(interview, f"{c}_id") for c in PROFILE_CATEGORIES},
    }


def sync_reorientations(interview: Interview, user: User, now: datetime) -> None:
    """Make the interview's reorientations in the visitor flow match its current state."""
    existing = {entry.id: entry for entry in db.session.scalars(
        sa.select(FlowEntry).where(FlowEntry.interview_id == interview.id))}
    wanted: dict[uuid.UUID, dict] = {}
    if interview.deleted_at is None:
        values = _interview_values(interview)
        for item in interview.outcomes:
            if item.outcome.target_kind == "pole" and item.target_pole_id is not None:
                wanted[_flow_id(interview.id, item.outcome)] = _flow_values(values, item.target_pole_id)
    for flow_id, flow in wanted.items():
        entry = existing.get(flow_id)
        if entry is None:
            db.session.add(FlowEntry(id=flow_id, interview_id=interview.id, created_by_id=user.id,
                                     received_at=now, **flow))
            continue
        for name, value in flow.items():
            setattr(entry, name, value)
        entry.deleted_at = entry.deleted_by_id = None
    for flow_id, entry in existing.items():
        if flow_id not in wanted and entry.deleted_at is None:
            entry.deleted_at = now
            entry.deleted_by_id = user.id


# --------------------------------------------------------------------------------------
# Recording a batch


def remember_defaults(user: User | Author, parsed: ParsedInterview) -> None:
    """Keep the counsellor's last channel and duration as the next form's defaults."""
    account = db.session.get(User, user.id)
    preferences = dict(account.preferences or {})
    remembered = {"channel": parsed.row["channel"], "duration_min": parsed.row["duration_min"]}
    if preferences.get("interview") != remembered:
        preferences["interview"] = remembered
        account.preferences = preferences  # reassigned: a JSON column does not track mutation


def form_defaults(user: User) -> dict:
    """Return the channel and duration the counsellor's form opens with."""
    remembered = (user.preferences or {}).get("interview") or {}
    channel = remembered.get("channel")
    duration = remembered.get("duration_min")
    return {
        "channel": channel if channel in CHANNELS else DEFAULT_CHANNEL,
        "duration_min": duration if isinstance(duration, int) and 0 < duration <= MAX_DURATION
        else DEFAULT_DURATION,
    }


def _store_children(created: list[ParsedInterview], author_id: int, now: datetime) -> None:
    """Insert the themes, outcomes and reorientations of newly created interviews."""
    insert_rows(interview_themes, ({"interview_id": p.id, "theme_id": theme_id}
                                   for p in created for theme_id in p.theme_ids))
    insert_rows(InterviewOutcome, ({"interview_id": p.id, "outcome_id": outcome.id,
                                    "target_partner_id": partner_id, "target_pole_id": pole_id}
                                   for p in created for outcome, partner_id, pole_id in p.outcomes))
    insert_new(FlowEntry, [{"id": _flow_id(p.id, outcome), **_flow_values(p.row, pole_id),
                            "interview_id": p.id, "created_by_id": author_id, "received_at": now}
                           for p in created for outcome, _partner, pole_id in p.outcomes
                           if outcome.target_kind == "pole"])


def record_interviews(batch: list, user: User) -> list[dict]:
    """Store a batch of interviews; answer one result per item, in the same order."""
    author = Author.of(user)
    ref = InterviewReference.load()

    def parse(raw: dict, author: Author, now: datetime) -> ParsedInterview:
        return parse_interview(raw, author, ref, now)

    def on_created(created: list[ParsedInterview], now: datetime) -> None:
        _store_children(created, author.id, now)
        remember_defaults(author, created[-1])
        presence.interview_recorded(author.id, [p.row["started_at"] for p in created], now)

    return record_batch(batch, author, schema=INTERVIEW_SCHEMA, parse=parse, model=Interview,
                        conflict=_("déjà utilisé pour un autre entretien (conflit)"),
                        on_created=on_created)


# --------------------------------------------------------------------------------------
# Corrections


def interview_for_correction(interview_id: uuid.UUID, user: User) -> Interview:
    """Return the user's own live interview of the last 7 days; 404 or 403 otherwise."""
    interview = db.session.get(Interview, interview_id)
    if interview is None or interview.deleted_at is not None:
        raise NotFound()
    if interview.counsellor_id != user.id:
        raise Forbidden()
    if interview.local_date < correction_start():
        raise Forbidden()
    return interview


def snapshot(interview: Interview) -> dict:
    """Describe an interview by codes, for the audit trail; the note only as its length."""
    return {
        "started_at": interview.started_at.isoformat(),
        "duration_min": interview.duration_min,
        "channel": interview.channel,
        "site": interview.site.code,
        "pole": interview.pole.code,
        "partner": interview.partner.code,
        **{f"profile.{c}": getattr(interview, c).code if getattr(interview, c) else None
           for c in PROFILE_CATEGORIES},
        "themes": [theme.code for theme in interview.themes],
        "outcomes": [outcome_code(item) for item in interview.outcomes],
    }


def outcome_code(item: InterviewOutcome) -> str:
    """Spell an outcome as the audit shows it: code, or code:target."""
    target = item.target_partner or item.target_pole
    return f"{item.outcome.code}:{target.code}" if target is not None else item.outcome.code


def _apply(interview: Interview, parsed: ParsedInterview) -> None:
    for name in ("started_at", "local_date", "local_hour", "duration_min", "channel", "site_id",
                 "pole_id", "partner_id", "note", *(f"{c}_id" for c in PROFILE_CATEGORIES)):
        setattr(interview, name, parsed.row[name])
    interview.themes = list(db.session.scalars(
        sa.select(Theme).where(Theme.id.in_(parsed.theme_ids)).order_by(Theme.position)))
    # Reuse the rows of outcomes kept: a delete-then-insert of the same outcome would meet
    # the (interview, outcome) unique key before the delete is flushed.
    current = {item.outcome_id: item for item in interview.outcomes}
    kept = []
    for outcome, partner_id, pole_id in parsed.outcomes:
        item = current.get(outcome.id) or InterviewOutcome(outcome_id=outcome.id)
        item.target_partner_id, item.target_pole_id = partner_id, pole_id
        kept.append(item)
    interview.outcomes = kept


def update_interview(interview: Interview, raw: dict, user: User) -> dict:
    """Correct an interview; audit what changed (never the note's text); return the changes."""
    now = utcnow()
    ref = InterviewReference.load(keep=interview)
    raw = {**raw, "id": str(interview.id)}
    INTERVIEW_SCHEMA.check(raw)
    parsed = parse_interview(raw, Author.of(user), ref, now, editing=interview)
    before, note_before = snapshot(interview), interview.note
    _apply(interview, parsed)
    db.session.flush()
    db.session.expire(interview, ["themes", "outcomes", "site", "pole", "partner",
                                  *PROFILE_CATEGORIES])
    after = snapshot(interview)
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if interview.note != note_before:
        # The note may only be said to have changed: its text never enters the audit.
        changes["note"] = {"changed": True}
    if not changes:
        db.session.rollback()
        return {}
    interview.updated_at = now
    sync_reorientations(interview, user, now)
    db.session.add(AuditEvent(user_id=user.id, at=now, action="update", target_type="interview",
                              target_id=str(interview.id), changes=changes))
    db.session.commit()
    return changes


def delete_interview(interview: Interview, user: User) -> None:
    """Soft-delete an interview and its reorientations; audit it."""
    now = utcnow()
    interview.deleted_at = now
    interview.deleted_by_id = user.id
    sync_reorientations(interview, user, now)
    db.session.add(AuditEvent(user_id=user.id, at=now, action="delete", target_type="interview",
                              target_id=str(interview.id),
                              changes={"deleted_at": [None, now.isoformat()]}))
    db.session.commit()


# --------------------------------------------------------------------------------------
# Reading


def _with_details(query):
    return query.options(
        selectinload(Interview.themes), selectinload(Interview.pole),
        selectinload(Interview.partner), selectinload(Interview.site),
        selectinload(Interview.counsellor),
        selectinload(Interview.outcomes).selectinload(InterviewOutcome.outcome),
        selectinload(Interview.outcomes).selectinload(InterviewOutcome.target_partner),
        selectinload(Interview.outcomes).selectinload(InterviewOutcome.target_pole),
        *(selectinload(getattr(Interview, c)) for c in PROFILE_CATEGORIES),
    )


_LIVE = Interview.deleted_at.is_(None)


def counsellor_interviews(user: User, first: date, last: date) -> list[Interview]:
    """Return the counsellor's live interviews of the Paris days first..last, newest first."""
    return list(db.session.scalars(_with_details(
        sa.select(Interview)
        .where(Interview.counsellor_id == user.id, _LIVE,
               Interview.local_date.between(first, last))
        .order_by(Interview.started_at.desc()))))


def day_summary(user: User, day: date) -> list[tuple[str, int, int]]:
    """Return (pole label, interviews, minutes) of the counsellor's day, per pole."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Pole.label, sa.func.count(Interview.id), sa.func.sum(Interview.duration_min))
        .join(Pole, Pole.id == Interview.pole_id)
        .where(Interview.counsellor_id == user.id, _LIVE, Interview.local_date == day)
        .group_by(Pole.id, Pole.label, Pole.position).order_by(Pole.position))]


@dataclass
class InterviewFilters:
    """What the director's list is narrowed to."""

    first: date
    last: date
    site_id: int | None = None
    pole_id: int | None = None
    partner_id: int | None = None
    channel: str | None = None
    site_ids: frozenset[int] | None = None  # the sites the reader sees (None: all)


def search_interviews(filters: InterviewFilters, page: int, per_page: int):
    """Return (interviews of the page, total count, total minutes) matching the filters."""
    conditions = [_LIVE, Interview.local_date.between(filters.first, filters.last)]
    for column, value in ((Interview.site_id, filters.site_id), (Interview.pole_id, filters.pole_id),
                          (Interview.partner_id, filters.partner_id),
                          (Interview.channel, filters.channel)):
        if value:
            conditions.append(column == value)
    if filters.site_ids is not None:
        conditions.append(Interview.site_id.in_(filters.site_ids))
    total, minutes = db.session.execute(
        sa.select(sa.func.count(Interview.id), sa.func.coalesce(sa.func.sum(Interview.duration_min), 0))
        .where(*conditions)).one()
    rows = list(db.session.scalars(_with_details(
        sa.select(Interview).where(*conditions)
        .order_by(Interview.started_at.desc(), Interview.id)
        .offset((page - 1) * per_page).limit(per_page))))
    return rows, total, minutes
