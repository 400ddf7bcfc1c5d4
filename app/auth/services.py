"""Logging in and out, with throttling and server-side session revocation."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from app.extensions import db
from app.models import User
from app.security import hash_password, is_locked, needs_rehash, record_failure, verify_password
from app.timeutil import utcnow


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


def authenticate(username: str, password: str) -> User:
    """Check credentials and log the user in; raise LoginRefused with a French message."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is not None and is_locked(user):
        raise LoginRefused(_("Trop d'essais infructueux : compte bloqué quelques minutes."))
    if user is None or not verify_password(user.password_hash, password):
        if user is not None:
            record_failure(user)
            db.session.commit()
        raise LoginRefused(_("Identifiant ou mot de passe incorrect."))
    if not user.active:
        raise LoginRefused(_("Ce compte est désactivé : adressez-vous à l'administration."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    db.session.commit()
    login_user(user)
    return user


def logout(user: User) -> None:
    """End this session and every copy of its cookie."""
    user.session_version += 1
    db.session.commit()
    logout_user()
