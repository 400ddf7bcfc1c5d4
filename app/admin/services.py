"""Administration: accounts, reference lists and the audit trail.

Every change an administrator makes is committed here together with its AuditEvent, so the
journal can never miss one. Audit entries record field values before and after; they never
hold a password or its hash.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import reference, vocabulary
from app.access import NETWORK_ROLES
from app.extensions import db
from app.models import (
    ROLES,
    AuditEvent,
    EventType,
    FlowEntry,
    HistoryBatch,
    Interview,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    Space,
    Theme,
    User,
)
from app.models.users import LoginThrottle
from app.security import hash_password
from app.timeutil import utcnow
from app.timeutil import day_start_utc

# Readable on a tablet and typed by hand once: no 0/o, 1/l/i look-alikes.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MIN_PASSWORD_LENGTH = 10
JOURNAL_PAGE_SIZE = 50

USER_FIELDS = ("display_name", "role", "site", "pole", "partner", "other_sites")
USER_RELATIONS = {"site": Site, "pole": Pole, "partner": Partner}

# The vocabulary spells these; the names stay for the admin views and templates.
PROFILE_CATEGORY_LABELS = vocabulary.PROFILE_CATEGORIES
TARGET_KIND_LABELS = vocabulary.OUTCOME_TARGETS
ACTION_LABELS = vocabulary.AUDIT_ACTIONS
FIELD_LABELS = vocabulary.AUDIT_FIELDS


class AdminRefused(Exception):
    """A change the rules forbid; the message is French and safe to show."""

    def __init__(self, message: str, field_name: str | None = None):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class ReferenceKind:
    """How one reference list is administered: its model, its extra fields, its URL slug."""

    slug: str
    model: type
    target_type: str
    title: Any
    add_label: Any
    # Extra fields beyond code/label/position/active, in display order.
    fields: tuple[str, ...] = ()
    # Fields fixed at creation: changing them would rewrite what history means.
    fixed: tuple[str, ...] = ()
    relations: dict[str, type] = field(default_factory=dict)
    # The code is unique within this column's value (profile options: per category).
    scope: str | None = None
    # Rows are listed grouped by this field.
    group: str | None = None


REFERENCE_KINDS: dict[str, ReferenceKind] = {
    kind.slug: kind
    for kind in (
        ReferenceKind("sites", Site, "site", _l("Sites"), _l("Ajouter un site"),
                      fields=("city", "parent"), relations={"parent": Site}),
        ReferenceKind("points", ReceptionPoint, "reception_point", _l("Points d'accueil"),
                      _l("Ajouter un point d'accueil"), fields=("site", "floor"),
                      fixed=("site",), relations={"site": Site}, group="site"),
        ReferenceKind("poles", Pole, "pole", _l("Pôles"), _l("Ajouter un pôle"),
                      fields=("short_label", "short_label_en")),
        ReferenceKind("partners", Partner, "partner", _l("Partenaires"),
                      _l("Ajouter un partenaire"),
                      fields=("description", "seconds_counsellors", "public_contacts")),
        ReferenceKind("themes", Theme, "theme", _l("Thèmes"), _l("Ajouter un thème"),
                      fields=("pole",), relations={"pole": Pole}, group="pole"),
        ReferenceKind("outcomes", Outcome, "outcome", _l("Suites d'entretien"),
                      _l("Ajouter une suite"), fields=("target_kind",), fixed=("target_kind",)),
        ReferenceKind("profile-options", ProfileOption, "profile_option", _l("Profil du public"),
                      _l("Ajouter une valeur de profil"), fields=("category",),
                      fixed=("category",), scope="category", group="category"),
        ReferenceKind("event-types", EventType, "event_type", _l("Types d'événement"),
                      _l("Ajouter un type d'événement")),
        # issue 11: the spaces occupancy rounds count, with their capacity
        ReferenceKind("spaces", Space, "space", _l("Espaces (tournées d'occupation)"),
                      _l("Ajouter un espace"), fields=("site", "capacity", "pole"),
                      fixed=("site",), relations={"site": Site, "pole": Pole}, group="site"),
    )
}
_KIND_BY_TARGET = {kind.target_type: kind for kind in REFERENCE_KINDS.values()}


# ---------------------------------------------------------------- shared helpers

def _audit(actor: User, action: str, target_type: str, target_id: Any, changes: dict) -> None:
    db.session.add(AuditEvent(user_id=actor.id, action=action, target_type=target_type,
                              target_id=str(target_id), changes=changes))


def _diff(before: dict, after: dict) -> dict:
    return {name: [before.get(name), value] for name, value in after.items()
            if before.get(name) != value}


def _by_code(model, code: str | None):
    if not code:
        return None
    return db.session.scalar(sa.select(model).where(model.code == code))


def _json_value(value: Any) -> Any:
    """Return what the audit trail and the forms keep of a field: codes for linked rows."""
    if hasattr(value, "code"):
        return value.code
    if isinstance(value, list):
        return [item.code if hasattr(item, "code") else item for item in value]
    return value


def choices(model, *, current: str | None = None, keep=None) -> list[tuple[str, str]]:
    """Return (code, label) of a reference list's active rows, plus the current one if not.

    Read through the one reference loader; `keep` narrows the rows (a predicate on a row).
    """
    rows = [row for row in reference.active(model) if keep is None or keep(row)]
    pairs = [(row.code, row.label) for row in rows]
    if current and current not in {code for code, _label in pairs}:
        row = reference.by_code(model, current)
        if row is not None:
            label = row.label if row.active else _("%(label)s (désactivé)", label=row.label)
            pairs.append((row.code, label))
    return pairs


def generate_password() -> str:
    """Return a random password of four groups of four characters (about 79 bits)."""
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _char in range(4))
              for _group in range(4))
    return "-".join(groups)


# ---------------------------------------------------------------- accounts

def list_users(*, role: str | None = None, site: str | None = None,
               active: bool | None = None) -> list[User]:
    """Return the accounts matching the filters, admins first then by username."""
    query = sa.select(User).options(selectinload(User.site), selectinload(User.pole),
                                    selectinload(User.partner))
    if role in ROLES:
        query = query.where(User.role == role)
    if site:
        query = query.join(User.site).where(Site.code == site)
    if active is not None:
        query = query.where(User.active.is_(active))
    order = sa.case({r: i for i, r in enumerate(reversed(ROLES))}, value=User.role)
    return list(db.session.scalars(query.order_by(order, User.username)))


def username_taken(username: str) -> bool:
    """Tell whether an account already uses this username, whatever its case."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User)
        .where(sa.func.lower(User.username) == username.strip().lower())
    ) > 0


def user_values(user: User) -> dict:
    """Return the editable fields of an account as the forms and the journal spell them."""
    return {name: _json_value(getattr(user, name)) for name in USER_FIELDS}


def _apply_user(user: User, values: dict) -> None:
    counsellor = values["role"] == "counsellor"
    user.display_name = (values.get("display_name") or "").strip() or user.username
    user.role = values["role"]
    user.site = _by_code(Site, values["site"])
    # Sites served besides the home one (rotating counsellors, agents covering a centre);
    # a network role sees every site already (app.access).
    user.other_sites = [] if values["role"] in NETWORK_ROLES else [
        _by_code(Site, code) for code in dict.fromkeys(values.get("other_sites") or ())
        if code and code != values["site"]]
    # Only counsellors belong to a pole and a partner institution.
    user.pole = _by_code(Pole, values.get("pole")) if counsellor else None
    user.partner = _by_code(Partner, values.get("partner")) if counsellor else None


class DuplicateUsername(AdminRefused):
    """Another account took the username (perhaps at the same moment)."""


def create_user(actor: User, username: str, values: dict,
                password: str | None = None) -> tuple[User, str | None]:
    """Create an account; return it and the generated password (None if one was given)."""
    generated = None if password else generate_password()
    password_hash = _hash_outside_transaction(password or generated)
    # Someone else chose this password: the account chooses its own at first login.
    user = User(username=username.strip(), password_hash=password_hash,
                must_change_password=True)
    _apply_user(user, values)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise DuplicateUsername(_("Cet identifiant est déjà utilisé."), "username") from error
    changes = {"username": [None, user.username]}
    changes.update({name: [None, value] for name, value in user_values(user).items()})
    changes["active"] = [None, True]
    _audit(actor, "user.create", "user", user.id, changes)
    db.session.commit()
    return user, generated


def update_user(actor: User, user: User, values: dict) -> dict:
    """Change an account's name, role, site, pole and partner; return what changed."""
    if user.id == actor.id and user.role == "admin" and values["role"] != "admin":
        raise AdminRefused(_("Vous ne pouvez pas retirer votre propre rôle d'administration."),
                           "role")
    before = user_values(user)
    _apply_user(user, values)
    changes = _diff(before, user_values(user))
    if changes:
        _audit(actor, "user.update", "user", user.id, changes)
    db.session.commit()
    return changes


def set_user_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate or reactivate an account; return False when it already was so."""
    if user.id == actor.id and not active:
        raise AdminRefused(_("Vous ne pouvez pas désactiver votre propre compte."))
    if user.active == active:
        return False
    changes = {"active": [user.active, active]}
    user.active = active
    if not active:
        # Every open session stops at its next request, and stays dead after a reactivation.
        changes["session_version"] = [user.session_version, user.session_version + 1]
        user.session_version += 1
    _audit(actor, "user.reactivate" if active else "user.deactivate", "user", user.id, changes)
    db.session.commit()
    return True


def reset_password(actor: User, user: User) -> str:
    """Give the account a new generated password, revoke its sessions and unlock it."""
    password = generate_password()
    password_hash = _hash_outside_transaction(password)
    changes: dict = {"session_version": [user.session_version, user.session_version + 1]}
    if user.locked_until is not None:
        changes["locked_until"] = [user.locked_until.isoformat(), None]
    if user.failed_logins:
        changes["failed_logins"] = [user.failed_logins, 0]
    user.password_hash = password_hash
    user.session_version += 1
    user.locked_until = None
    user.failed_logins = 0
    # An administrator resetting their own password has just read it: nothing to hide.
    user.must_change_password = user.id != actor.id
    db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.username == LoginThrottle.key_for(user.username)))
    _audit(actor, "user.password_reset", "user", user.id, changes)
    db.session.commit()
    return password


def _hash_outside_transaction(password: str) -> str:
    """Hash with the request's transaction ended: in a POST it holds SQLite's write lock."""
    db.session.rollback()
    return hash_password(password)


def throttled_usernames(usernames: list[str]) -> set[str]:
    """Return those of usernames some source must wait for before its next login try."""
    keys = {LoginThrottle.key_for(name): name for name in usernames}
    rows = db.session.scalars(sa.select(LoginThrottle.username).where(
        LoginThrottle.username.in_(list(keys)), LoginThrottle.blocked_until > utcnow()))
    return {keys[key] for key in rows}


def unlock_user(actor: User, user: User) -> int:
    """Forget the account's recent login failures from every source (audited); return how many."""
    rows = list(db.session.scalars(sa.select(LoginThrottle).where(
        LoginThrottle.username == LoginThrottle.key_for(user.username))))
    for row in rows:
        db.session.delete(row)
    _audit(actor, "user.unlock", "user", user.id, {"throttled_sources": [len(rows), 0]})
    db.session.commit()
    return len(rows)


# ---------------------------------------------------------------- reference lists

def reference_rows(kind: ReferenceKind) -> list:
    """Return every row of a list, active or not, grouped then in their display order."""
    rows = list(db.session.scalars(sa.select(kind.model)))

    def key(row):
        group = getattr(row, kind.group) if kind.group else None
        if kind.group == "category":
            group_key = (list(PROFILE_CATEGORY_LABELS).index(group)
                         if group in PROFILE_CATEGORY_LABELS else 99, group or "")
        elif group is not None:
            group_key = (group.position, group.code)
        else:
            group_key = (0, "")
        return (group_key, row.position, row.code)

    return sorted(rows, key=key)


def reference_counts() -> dict[str, tuple[int, int]]:
    """Return (active rows, all rows) for each list."""
    counts = {}
    for slug, kind in REFERENCE_KINDS.items():
        model = kind.model
        total, active = db.session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(model.active))
        ).one()
        counts[slug] = (active, total)
    return counts


def code_taken(kind: ReferenceKind, code: str, scope_value: str | None = None) -> bool:
    """Tell whether the code is already used in this list (within its scope, if any)."""
    query = sa.select(sa.func.count()).select_from(kind.model).where(kind.model.code == code)
    if kind.scope:
        query = query.where(getattr(kind.model, kind.scope) == scope_value)
    return db.session.scalar(query) > 0


# Stored attribute of each translatable field: ``row.label`` reads in the page's language.
_STORED = {"label": "label_fr", "short_label": "short_label_fr"}


def reference_values(kind: ReferenceKind, row) -> dict:
    """Return a row's fields as the forms and the journal spell them (French label as stored)."""
    names = ("code", "label", "label_en", "position", "active") + kind.fields
    values = {name: _json_value(getattr(row, _STORED.get(name, name))) for name in names}
    if "target_kind" in values:
        values["target_kind"] = values["target_kind"] or ""
    return values


def _apply_reference(kind: ReferenceKind, row, values: dict) -> None:
    for name, value in values.items():
        if name in kind.relations:
            setattr(row, name, _by_code(kind.relations[name], value))
        elif name == "target_kind":
            row.target_kind = value or None
        elif name == "public_contacts":
            row.public_contacts = list(value or [])
        elif name == "capacity":
            row.capacity = value  # blank clears it (issue 11)
        elif name in ("label_en", "short_label_en"):
            # Blank means "same as the French label" on English pages.
            setattr(row, name, (value or "").strip() or None)
        elif isinstance(value, str):
            setattr(row, name, value.strip())
        elif value is not None:
            setattr(row, name, value)


class DuplicateCode(AdminRefused):
    """Another row of the list took the code (perhaps at the same moment)."""


def create_reference(actor: User, kind: ReferenceKind, values: dict):
    """Add a row to a list; an administrator's row is never overwritten by seeding."""
    values = dict(values)
    model = kind.model
    if values.get("position") is None:
        query = sa.select(sa.func.max(model.position))
        if kind.scope:
            query = query.where(getattr(model, kind.scope) == values.get(kind.scope))
        highest = db.session.scalar(query)
        values["position"] = 0 if highest is None else highest + 1
    row = model(code=values.pop("code").strip(), active=True, customised=True)
    _apply_reference(kind, row, values)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise DuplicateCode(_("Ce code existe déjà dans la liste."), "code") from error
    changes = {name: [None, value] for name, value in reference_values(kind, row).items()}
    _audit(actor, "reference.create", kind.target_type, row.id, changes)
    db.session.commit()
    return row


def update_reference(actor: User, kind: ReferenceKind, row, values: dict) -> dict:
    """Change a row's editable fields (never its code); return what changed."""
    editable = {name: value for name, value in values.items()
                if name != "code" and name not in kind.fixed}
    before = reference_values(kind, row)
    _apply_reference(kind, row, editable)
    changes = _diff(before, reference_values(kind, row))
    if changes:
        row.customised = True
        _audit(actor, "reference.update", kind.target_type, row.id, changes)
    db.session.commit()
    return changes


def set_reference_active(actor: User, kind: ReferenceKind, row, active: bool) -> bool:
    """Deactivate or reactivate a row; history keeps pointing at it either way."""
    if row.active == active:
        return False
    _audit(actor, "reference.reactivate" if active else "reference.deactivate",
           kind.target_type, row.id, {"active": [row.active, active]})
    row.active = active
    row.customised = True
    db.session.commit()
    return True


# ---------------------------------------------------------------- audit journal

@dataclass(frozen=True)
class JournalFilters:
    """Who, what, when and where: the journal's filters, all optional."""

    who: int | None = None
    what: str | None = None          # a family of AUDIT_FAMILIES or a stored action
    start: date | None = None        # Paris days, inclusive
    end: date | None = None
    site: str | None = None          # a site code


@dataclass
class JournalChange:
    """One field of an entry, in words: "durée : 30 min → 45 min"."""

    field: str
    before: str | None
    after: str


@dataclass
class JournalEntry:
    """One audit event as the journal reads it."""

    at: datetime
    who: str
    action: str
    subject: str
    changes: list[JournalChange]


def _action_condition(what: str):
    family = vocabulary.AUDIT_FAMILIES.get(what)
    if family is None:
        return AuditEvent.action == what
    conditions = [AuditEvent.action.startswith(prefix) if prefix.endswith(".")
                  else AuditEvent.action == prefix for prefix in family[1]]
    return sa.or_(*conditions)


def _uuid_target(model):
    """Match a row whose UUID key is an event's target_id (text with dashes)."""
    if db.engine.dialect.name == "postgresql":
        # CASE keeps PostgreSQL from casting the integer ids of other targets.
        return model.id == sa.case(
            (AuditEvent.target_type.in_(("interview", "flow_entry")),
             sa.cast(AuditEvent.target_id, sa.Uuid)), else_=None)
    # SQLite stores a UUID as its 32 hex digits.
    return model.id == sa.func.replace(AuditEvent.target_id, "-", "")


def _site_condition(site_id: int):
    """Events about the site: its accounts, its lists, its interviews and taps, its staff."""
    actor = sa.select(User.id).where(User.site_id == site_id)
    user_targets = sa.select(sa.cast(User.id, sa.String)).where(User.site_id == site_id)
    point_targets = sa.select(sa.cast(ReceptionPoint.id, sa.String)).where(
        ReceptionPoint.site_id == site_id)
    return sa.or_(
        AuditEvent.user_id.in_(actor),
        sa.and_(AuditEvent.target_type == "user", AuditEvent.target_id.in_(user_targets)),
        sa.and_(AuditEvent.target_type == "site", AuditEvent.target_id == str(site_id)),
        sa.and_(AuditEvent.target_type == "reception_point", AuditEvent.target_id.in_(point_targets)),
        sa.and_(AuditEvent.target_type == "interview", sa.exists().where(
            _uuid_target(Interview), Interview.site_id == site_id)),
        sa.and_(AuditEvent.target_type == "flow_entry", sa.exists().where(
            _uuid_target(FlowEntry), FlowEntry.site_id == site_id)),
    )


def journal_page(filters: JournalFilters = JournalFilters(), page: int = 1):
    """Return one page of audit events matching the filters, latest first."""
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.user))
    if filters.who:
        query = query.where(AuditEvent.user_id == filters.who)
    if filters.what:
        query = query.where(_action_condition(filters.what))
    if filters.start:
        query = query.where(AuditEvent.at >= day_start_utc(filters.start))
    if filters.end:
        query = query.where(AuditEvent.at < day_start_utc(filters.end + timedelta(days=1)))
    if filters.site:
        site = _by_code(Site, filters.site)
        query = query.where(_site_condition(site.id) if site else sa.false())
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=JOURNAL_PAGE_SIZE, error_out=False)


def journal_people() -> list[tuple[int, str]]:
    """Return (id, name) of the accounts the journal names, for its "who" filter."""
    rows = db.session.execute(
        sa.select(User.id, User.username, User.display_name)
        .where(User.id.in_(sa.select(AuditEvent.user_id).distinct()))
        .order_by(User.username))
    return [(id_, _person(username, display)) for id_, username, display in rows]


def journal_actions() -> list[str]:
    """Return the actions the journal holds (kept for callers that filter by one action)."""
    return list(db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def _person(username: str, display_name: str | None) -> str:
    if display_name and display_name != username:
        return f"{display_name} ({username})"
    return username


class _Names:
    """Labels of the reference codes an entry mentions, in the page's language."""

    def __init__(self):
        self._cache: dict[Any, dict] = {}

    def _table(self, model) -> dict:
        if model not in self._cache:
            self._cache[model] = {row.code: row for row in db.session.scalars(sa.select(model))}
        return self._cache[model]

    def label(self, model, code) -> str:
        row = self._table(model).get(code)
        return row.label if row is not None else str(code)

    def row(self, model, code):
        return self._table(model).get(code)

    def option(self, category: str, code) -> str:
        if code is None:
            return str(vocabulary.OTHER[vocabulary.UNSTATED])
        if ProfileOption not in self._cache:
            self._cache[ProfileOption] = {(o.category, o.code): o
                                          for o in db.session.scalars(sa.select(ProfileOption))}
        option = self._cache[ProfileOption].get((category, code))
        return option.label if option is not None else str(code)


def _instant(value) -> str:
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    return format_datetime(moment, "short")


def _outcome(names: _Names, value: str) -> str:
    code, _sep, target = value.partition(":")
    outcome = names.row(Outcome, code)
    text = outcome.label if outcome is not None else code
    if target:
        model = Pole if outcome is not None and outcome.target_kind == "pole" else Partner
        text = _("%(outcome)s (%(target)s)", outcome=text, target=names.label(model, target))
    return text


_RELATIONS = {"site": Site, "parent": Site, "pole": Pole, "partner": Partner}
_YES_NO = ("active", "seconds_counsellors", "must_change_password")


def _value(names: _Names, name: str, value) -> str:
    """Say one stored value in words: labels for codes, local time for instants."""
    if name.startswith("profile."):
        return names.option(name.split(".", 1)[1], value)
    if value is None or value == "" or value == []:
        return "—"
    if name in _YES_NO:
        return _("oui") if value else _("non")
    if name == "role":
        return vocabulary.label_of(vocabulary.ROLES, value)
    if name == "channel":
        return vocabulary.label_of(vocabulary.CHANNELS, value)
    if name == "category":
        return vocabulary.label_of(vocabulary.PROFILE_CATEGORIES, value)
    if name == "target_kind":
        return vocabulary.label_of(vocabulary.OUTCOME_TARGETS, value)
    if name in _RELATIONS:
        return names.label(_RELATIONS[name], value)
    if name in ("started_at", "deleted_at", "locked_until"):
        return _instant(value)
    if name == "duration_min":
        return _("%(n)s min", n=value)
    if name == "themes":
        return ", ".join(names.label(Theme, code) for code in value)
    if name == "outcomes":
        return ", ".join(_outcome(names, code) for code in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _changes(names: _Names, event: AuditEvent) -> list[JournalChange]:
    created = event.action.endswith(".create")
    lines = []
    for name, pair in (event.changes or {}).items():
        field_label = vocabulary.label_of(vocabulary.AUDIT_FIELDS, name)
        if name == "session_version":
            # The number means nothing to a reader; what it did does.
            lines.append(JournalChange(field_label, None, _("fermées")))
            continue
        if name == "note":
            lines.append(JournalChange(field_label, None, _("modifiée (le texte n'est jamais "
                                                            "gardé au journal)")))
            continue
        if name == "deleted_at" and event.action in ("delete", "undo"):
            continue  # the action says it; the time is the entry's own
        if not (isinstance(pair, list) and len(pair) == 2):
            lines.append(JournalChange(field_label, None, _value(names, name, pair)))
            continue
        before, after = pair
        if created:
            if after not in (None, "", []):
                lines.append(JournalChange(field_label, None, _value(names, name, after)))
            continue
        lines.append(JournalChange(field_label, _value(names, name, before),
                                   _value(names, name, after)))
    return lines


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _subjects(events) -> dict[tuple[str, str], str]:
    """Name each event's target in words: an account, a list row, an interview, a tap."""
    wanted: dict[str, set] = {}
    for event in events:
        key = _uuid(event.target_id) if event.target_type in ("interview", "flow_entry") \
            else (int(event.target_id) if event.target_id.isdigit() else None)
        if key is not None:
            wanted.setdefault(event.target_type, set()).add(key)
    names: dict[tuple[str, str], str] = {}
    for target_type, ids in wanted.items():
        if target_type == "user":
            for user in db.session.scalars(sa.select(User).where(User.id.in_(ids))):
                names[("user", str(user.id))] = _("Compte de %(person)s",
                                                  person=_person(user.username, user.display_name))
        elif target_type == "interview":
            query = sa.select(Interview).where(Interview.id.in_(ids)).options(
                selectinload(Interview.pole), selectinload(Interview.counsellor))
            for interview in db.session.scalars(query):
                names[("interview", str(interview.id))] = _(
                    "Entretien du %(when)s, %(pole)s, par %(person)s",
                    when=format_datetime(interview.started_at, "short"),
                    pole=interview.pole.short_label or interview.pole.label,
                    person=_person(interview.counsellor.username,
                                   interview.counsellor.display_name))
        elif target_type == "flow_entry":
            query = sa.select(FlowEntry).where(FlowEntry.id.in_(ids)).options(
                selectinload(FlowEntry.destination_pole),
                selectinload(FlowEntry.destination_partner),
                selectinload(FlowEntry.reception_point))
            for entry in db.session.scalars(query):
                names[("flow_entry", str(entry.id))] = _(
                    "%(kind)s du %(when)s vers %(where)s, %(point)s",
                    kind=vocabulary.label_of(vocabulary.ENTRY_KINDS, entry.kind),
                    when=format_datetime(entry.occurred_at, "short"),
                    where=_destination(entry),
                    point=entry.reception_point.label if entry.reception_point else
                    vocabulary.label_of(vocabulary.OTHER, vocabulary.NO_POINT))
        elif target_type == "history_batch":  # issue 12: the past years
            for batch in db.session.scalars(sa.select(HistoryBatch).where(HistoryBatch.id.in_(ids))):
                names[("history_batch", str(batch.id))] = _("Import du fichier « %(name)s »",
                                                            name=batch.filename)
        elif target_type in _KIND_BY_TARGET:
            kind = _KIND_BY_TARGET[target_type]
            for row in db.session.scalars(sa.select(kind.model).where(kind.model.id.in_(ids))):
                names[(target_type, str(row.id))] = _("%(list)s : %(label)s",
                                                      list=kind.title, label=row.label)
    return names


def _destination(entry: FlowEntry) -> str:
    if entry.destination_kind == "pole" and entry.destination_pole is not None:
        return entry.destination_pole.label
    if entry.destination_kind == "partner" and entry.destination_partner is not None:
        return entry.destination_partner.label
    return vocabulary.label_of(vocabulary.DESTINATIONS, entry.destination_kind)


def journal_entries(events) -> list[JournalEntry]:
    """Say each audit event in words, in the page's language."""
    names = _Names()
    subjects = _subjects(events)
    entries = []
    for event in events:
        who = _person(event.user.username, event.user.display_name) if event.user else "—"
        subject = subjects.get((event.target_type, event.target_id)) or _(
            "%(what)s (supprimé)", what=vocabulary.label_of(vocabulary.AUDIT_TARGETS,
                                                            event.target_type))
        action = vocabulary.label_of(vocabulary.AUDIT_ACTIONS, event.action,
                                     default=event.action.replace("_", " ").replace(".", " "))
        entries.append(JournalEntry(event.at, who, action, subject, _changes(names, event)))
    return entries
