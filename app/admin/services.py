"""Administration: accounts, reference lists and the audit trail.

Every change an administrator makes is committed here together with its AuditEvent, so the
journal can never miss one. Audit entries record field values before and after; they never
hold a password or its hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    ROLES,
    AuditEvent,
    EventType,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    Theme,
    User,
)
from app.models.users import LoginThrottle
from app.security import hash_password
from app.timeutil import utcnow

# Readable on a tablet and typed by hand once: no 0/o, 1/l/i look-alikes.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MIN_PASSWORD_LENGTH = 10
JOURNAL_PAGE_SIZE = 50

USER_FIELDS = ("display_name", "role", "site", "pole", "partner")
USER_RELATIONS = {"site": Site, "pole": Pole, "partner": Partner}

PROFILE_CATEGORY_LABELS = {
    "status": _l("Situation"),
    "age_band": _l("Tranche d'âge"),
    "gender": _l("Genre"),
    "first_visit": _l("Première visite"),
}
TARGET_KIND_LABELS = {
    "": _l("Aucune cible"),
    "partner": _l("Un partenaire"),
    "pole": _l("Un pôle"),
}

ACTION_LABELS = {
    "user.create": _l("Création de compte"),
    "user.update": _l("Modification de compte"),
    "user.deactivate": _l("Désactivation de compte"),
    "user.reactivate": _l("Réactivation de compte"),
    "user.password_reset": _l("Réinitialisation du mot de passe"),
    "reference.create": _l("Ajout à une liste"),
    "reference.update": _l("Modification d'une liste"),
    "reference.deactivate": _l("Désactivation dans une liste"),
    "reference.reactivate": _l("Réactivation dans une liste"),
    "undo": _l("Annulation d'une saisie"),
}
FIELD_LABELS = {
    "username": _l("Identifiant"),
    "display_name": _l("Nom affiché"),
    "role": _l("Rôle"),
    "site": _l("Site"),
    "pole": _l("Pôle"),
    "partner": _l("Partenaire"),
    "active": _l("Actif"),
    "session_version": _l("Sessions (version)"),
    "locked_until": _l("Bloqué jusqu'à"),
    "failed_logins": _l("Échecs de connexion"),
    "code": _l("Code"),
    "label": _l("Libellé"),
    "position": _l("Ordre"),
    "city": _l("Ville"),
    "parent": _l("Site principal"),
    "floor": _l("Étage"),
    "short_label": _l("Libellé court"),
    "description": _l("Description"),
    "seconds_counsellors": _l("Détache des conseillers"),
    "public_contacts": _l("Coordonnées publiques"),
    "category": _l("Catégorie"),
    "target_kind": _l("Cible"),
    "deleted_at": _l("Annulée le"),
}


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
                      fields=("short_label",)),
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
        return list(value)
    return value


def choices(model, *, current: str | None = None, where=None) -> list[tuple[str, str]]:
    """Return (code, label) of a reference list's active rows, plus the current one if not."""
    query = sa.select(model).where(model.active)
    if where is not None:
        query = query.where(where)
    rows = list(db.session.scalars(query.order_by(model.position, model.code)))
    pairs = [(row.code, row.label) for row in rows]
    if current and current not in {code for code, _label in pairs}:
        row = _by_code(model, current)
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


def reference_values(kind: ReferenceKind, row) -> dict:
    """Return a row's fields as the forms and the journal spell them."""
    names = ("code", "label", "position", "active") + kind.fields
    values = {name: _json_value(getattr(row, name)) for name in names}
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

def journal_page(*, action: str | None = None, page: int = 1):
    """Return one page of audit events, latest first, optionally of one action."""
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.user))
    if action:
        query = query.where(AuditEvent.action == action)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=JOURNAL_PAGE_SIZE, error_out=False)


def journal_actions() -> list[str]:
    """Return the actions the journal holds, for its filter."""
    return list(db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def describe_targets(events) -> dict[tuple[str, str], str]:
    """Name each event's target: a username, a list row's label and code..."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.target_id.isdigit():
            wanted.setdefault(event.target_type, set()).add(int(event.target_id))
    names: dict[tuple[str, str], str] = {}
    for target_type, ids in wanted.items():
        if target_type == "user":
            for user in db.session.scalars(sa.select(User).where(User.id.in_(ids))):
                names[("user", str(user.id))] = _("Compte %(username)s", username=user.username)
        elif target_type in _KIND_BY_TARGET:
            kind = _KIND_BY_TARGET[target_type]
            for row in db.session.scalars(sa.select(kind.model).where(kind.model.id.in_(ids))):
                names[(target_type, str(row.id))] = _("%(list)s : %(label)s (%(code)s)",
                                                      list=kind.title, label=row.label,
                                                      code=row.code)
    return names
