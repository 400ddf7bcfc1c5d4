"""Logging in and out: throttling per account and source, password changes, revocation.

SQLite's write lock: every POST opens ``BEGIN IMMEDIATE`` (app/database.py), so the first
query of a login takes the lock. Argon2 costs tens to hundreds of milliseconds; hashing
inside that transaction made every tablet of the floor wait behind each login (and six
logins at once gave "database is locked"). So each service here reads what it needs,
ends that transaction, hashes with no transaction open, then writes in a short one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from app.extensions import db
from app.models import AuditEvent, User
from app.models.users import LoginThrottle
from app.security import hash_password, login_delay, needs_rehash, verify_password
from app.timeutil import utcnow

# Session keys that survive a login: the interface language the person chose before it.
KEPT_ACROSS_LOGIN = ("lang",)


def load_user(token: str) -> User | None:
    """Return the account a session token names, if that session was not revoked."""
    user_id, _sep, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


class LoginRefused(Exception):
    """The credentials were refused; the message is safe to show."""


class PasswordRefused(Exception):
    """A new password was refused; the message is safe to show, field names the input."""

    def __init__(self, message: str, field_name: str):
        super().__init__(message)
        self.field = field_name


throttle_key = LoginThrottle.key_for


@dataclass(frozen=True)
class _Credentials:
    """What a login needs from the database, read before the hash (no ORM object)."""

    user_id: int | None
    password_hash: str | None
    active: bool
    blocked_until: datetime | None


def _read_credentials(username: str, source: str, now: datetime) -> _Credentials:
    row = db.session.execute(
        sa.select(User.id, User.password_hash, User.active).where(User.username == username)
    ).one_or_none()
    blocked = db.session.scalar(
        sa.select(LoginThrottle.blocked_until).where(
            LoginThrottle.username == throttle_key(username), LoginThrottle.source == source))
    # The source's failures across every name: a guesser spraying names waits as well.
    total, last = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(LoginThrottle.failures), 0),
                  sa.func.max(LoginThrottle.last_failure_at))
        .where(LoginThrottle.source == source,
               LoginThrottle.last_failure_at >= now - current_app.config["LOGIN_FAILURE_MEMORY"])
    ).one()
    # End the transaction: in a POST it holds SQLite's write lock, and the hash comes next.
    db.session.rollback()
    waits = [blocked] if blocked is not None else []
    source_delay = login_delay(int(total), free=int(current_app.config["LOGIN_SOURCE_FREE_FAILURES"]))
    if source_delay and last is not None:
        waits.append(last + source_delay)
    until = max(waits, default=None)
    return _Credentials(row.id if row else None, row.password_hash if row else None,
                        bool(row and row.active), until if until is not None and until > now else None)


def _record_failure(username: str, source: str, now: datetime) -> None:
    """Count a failure of username from source and set how long the next try must wait."""
    key = throttle_key(username)
    memory = current_app.config["LOGIN_FAILURE_MEMORY"]
    # Forget old rows here, on the failure path: names sprayed by a guesser do not pile up.
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - memory))
    row = db.session.scalar(sa.select(LoginThrottle).where(
        LoginThrottle.username == key, LoginThrottle.source == source).with_for_update())
    if row is None:
        row = LoginThrottle(username=key, source=source, failures=0)
        db.session.add(row)
    row.failures += 1
    row.last_failure_at = now
    delay = login_delay(row.failures)
    row.blocked_until = now + delay if delay else None
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two failures of a new name at once (PostgreSQL): the other one counted it.
        db.session.rollback()


def _fresh_session() -> None:
    """Start a new session (new CSRF token) keeping only the person's language choice."""
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)


def authenticate(username: str, password: str, source: str) -> User:
    """Check credentials and log the user in; raise LoginRefused with a French message.

    Existing and unknown names get the same answers, in the same time: the throttle is
    kept per typed name, and an unknown name is checked against a dummy hash.
    """
    username = username.strip()
    source = (source or "unknown")[:64]
    now = utcnow()
    found = _read_credentials(username, source, now)
    if found.blocked_until is not None:
        seconds = max(1, int((found.blocked_until - now).total_seconds() + 0.999))
        raise LoginRefused(_("Trop d'essais infructueux : réessayez dans %(seconds)d s.",
                             seconds=seconds))
    matches = verify_password(found.password_hash, password)  # no transaction open
    if not matches:
        _record_failure(username, source, now)
        raise LoginRefused(_("Identifiant ou mot de passe incorrect."))
    if not found.active:
        raise LoginRefused(_("Ce compte est désactivé : adressez-vous à l'administration."))
    rehashed = hash_password(password) if needs_rehash(found.password_hash) else None
    user = db.session.get(User, found.user_id)
    if rehashed:
        user.password_hash = rehashed
    user.last_login_at = now
    db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.username == throttle_key(username), LoginThrottle.source == source))
    db.session.commit()
    _fresh_session()
    login_user(user)
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Replace the account's password with one it chose; close its other sessions."""
    user_id, stored = user.id, user.password_hash
    db.session.rollback()  # no write lock during the two hashes below
    if not verify_password(stored, current):
        raise PasswordRefused(_("Mot de passe actuel incorrect."), "current_password")
    if new != confirm:
        raise PasswordRefused(_("Les deux saisies du nouveau mot de passe diffèrent."), "confirm")
    if len(new) < current_app.config["MIN_PASSWORD_LENGTH"]:
        raise PasswordRefused(_("Au moins %(n)d caractères.",
                                n=current_app.config["MIN_PASSWORD_LENGTH"]), "new_password")
    if new == current:
        raise PasswordRefused(_("Choisissez un mot de passe différent de l'actuel."),
                              "new_password")
    new_hash = hash_password(new)
    user = db.session.get(User, user_id)
    user.password_hash = new_hash
    user.must_change_password = False
    user.session_version += 1  # copies of the old session cookie stop working
    db.session.add(AuditEvent(user_id=user.id, action="user.password_change", target_type="user",
                              target_id=str(user.id),
                              changes={"session_version": [user.session_version - 1,
                                                           user.session_version]}))
    db.session.commit()
    _fresh_session()
    login_user(user)


def set_password(user: User, password: str, *, must_change: bool) -> None:
    """Give the account a password chosen by someone else (CLI); revoke its sessions."""
    new_hash = hash_password(password)
    user.password_hash = new_hash
    user.must_change_password = must_change
    user.session_version += 1
    db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.username == throttle_key(user.username)))


def logout(user: User) -> None:
    """End this session and every copy of its cookie."""
    user.session_version += 1
    db.session.commit()
    logout_user()
