"""Password hashing, login delays, bounded JSON bodies and role checks on views."""

from __future__ import annotations

from datetime import timedelta
from functools import cache, wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Request, abort, current_app, has_app_context, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from app.access import holds_role

# ---------------------------------------------------------------- passwords


@cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    """Return the Argon2id hasher at the configured cost (the library's defaults outside an app)."""
    if not has_app_context():
        return _hasher_for(3, 65536, 4)
    config = current_app.config
    return _hasher_for(int(config["ARGON2_TIME_COST"]), int(config["ARGON2_MEMORY_COST"]),
                       int(config["ARGON2_PARALLELISM"]))


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Return a hash to verify when the account is unknown, at the same cost as real ones.

    Made on first use, not at import: Argon2 takes 64 MiB to hash, which every CLI command
    and report process would otherwise carry for nothing.
    """
    return hasher.hash("affluence-dummy-password")


def hash_password(password: str) -> str:
    """Hash a password with Argon2id at the configured cost."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Tell whether password matches the stored hash (False for an unknown account).

    An unknown account still pays one full hash, so a wrong password takes as long for a
    name that does not exist as for one that does (PITFALLS: enumeration by timing).
    """
    hasher = _hasher()
    try:
        matches = hasher.verify(stored_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether the hash was made at another cost than today's."""
    return _hasher().check_needs_rehash(stored_hash)


def login_delay(failures: int, free: int | None = None) -> timedelta:
    """Return how long a source must wait after its `failures`-th failure on an account.

    ``free``: the failures that cost nothing (LOGIN_FREE_FAILURES unless given; the source's
    failures across every name count against LOGIN_SOURCE_FREE_FAILURES).
    """
    config = current_app.config
    over = failures - int(config["LOGIN_FREE_FAILURES"] if free is None else free)
    if over <= 0:
        return timedelta(0)
    seconds = int(config["LOGIN_DELAY_BASE_SECONDS"]) * 2 ** min(over - 1, 20)
    return timedelta(seconds=min(seconds, int(config["LOGIN_DELAY_MAX_SECONDS"])))


# ---------------------------------------------------------------- JSON bodies


class JSONTooDeep(BadRequest):
    """A JSON body nested deeper than MAX_JSON_DEPTH (or than the parser can follow)."""

    description = "JSON nested too deep"


def _depth_exceeds(value, limit: int) -> bool:
    # Iterative: a recursive walk of an attacker's document is the bug being fixed.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedRequest(Request):
    """A request whose JSON body is refused (400) when nested too deep, never a 500.

    json.loads raises RecursionError, not ValueError, past about 1,000 levels, so
    get_json(silent=True) let it through as a 500; and a document a little shallower than
    that would still crash whatever walks it recursively later.
    """

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            raise JSONTooDeep() from None
        limit = current_app.config.get("MAX_JSON_DEPTH", 32)
        if value is not None and _depth_exceeds(value, limit):
            raise JSONTooDeep()
        return value


# ---------------------------------------------------------------- views


def wants_json() -> bool:
    """Tell whether the caller is an API client (answers must be JSON, never HTML)."""
    # The pages' JSON twins (/statistiques/jour.json...) are polled by scripts too.
    return request.path.startswith("/api/") or request.path.endswith(".json")


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
            if not holds_role(current_user, *roles):
                if wants_json():
                    return jsonify(error="forbidden", message="role not allowed"), 403
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator
