"""Password hashing, login throttling and role checks on views."""

from __future__ import annotations

from datetime import timedelta
from functools import cache, wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, jsonify, request
from flask_login import current_user

from app.timeutil import utcnow

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Return a hash verified when the username is unknown, so timing does not tell.

    Made on first use, not at import: Argon2 takes 64 MiB to hash, which every CLI command
    and report process would otherwise carry for nothing.
    """
    return _hasher.hash("affluence-dummy-password")


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Tell whether password matches the stored hash (False for an unknown user)."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def is_locked(user) -> bool:
    """Tell whether repeated failures have locked the account for now."""
    return user.locked_until is not None and user.locked_until > utcnow()


def record_failure(user) -> None:
    """Count a failed login; lock the account for a while after too many."""
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0


def wants_json() -> bool:
    """Tell whether the caller is an API client (answers must be JSON, never HTML)."""
    return request.path.startswith("/api/")


def check_login_before_csrf(app) -> None:
    """Turn away anonymous writes to protected views before the CSRF check runs.

    Must be registered before CSRFProtect. A tablet whose session expired overnight must be
    told 401 (log in again, the queue waits), not 400 for a token that could never match a
    session that is gone; a form posted after expiry goes to the login page likewise.
    """

    @app.before_request
    def _login_first():
        view = app.view_functions.get(request.endpoint)
        if request.method in ("GET", "HEAD", "OPTIONS") or view is None:
            return None
        if getattr(view, "allowed_roles", None) and not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return None


def role_required(*roles: str):
    """Allow the view to logged-in accounts holding one of roles; 401/403 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                if wants_json():
                    return jsonify(error="forbidden", message="role not allowed"), 403
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator
