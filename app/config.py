"""Configuration classes, chosen by AFFLUENCE_ENV (development, testing, production)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

# The key the first versions shipped with: public, so never accepted outside the tests.
DEFAULT_SECRET = "dev-only-not-secret"
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_LENGTH = 32


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the legacy driver; psycopg 3 is the one installed.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + os.path.join(instance_path, "affluence.db")


def is_known_secret(key: str | None) -> bool:
    """Tell whether key is missing or public (anyone could sign a session with it)."""
    return not key or key == DEFAULT_SECRET


def instance_secret(instance_path: str) -> str:
    """Return the key kept in instance/secret_key, creating it on first start.

    Several gunicorn workers start at once: each writes its candidate to a private
    temporary file (0600 from the start, never world-readable) and hard-links it to the
    final name. link() fails when the name exists, so exactly one candidate wins and every
    worker then reads that one: they all sign with the same key, and no worker ever reads a
    half-written file.
    """
    final = Path(instance_path) / SECRET_KEY_FILE
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        candidate = final.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(candidate, final)
            except FileExistsError:
                pass  # another worker won the race: use its key
        finally:
            candidate.unlink(missing_ok=True)
    key = final.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"{final} holds no usable key: delete it to have a new one made.")
    return key


class Config:
    """Settings shared by every environment."""

    # None: read from SECRET_KEY or instance/config.py, else made once into instance/
    # (development) or refused (production): see app.configure().
    SECRET_KEY = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # A reception shift, not the 31 days Flask gives by default.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=14)
    REMEMBER_COOKIE_DURATION = timedelta(hours=14)
    # Tokens live as long as the session: a tablet left open all morning must still post.
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")
    TIMEZONE = "Europe/Paris"
    # Argon2id cost (argon2-cffi's RFC 9106 low-memory profile): ~0.05-0.5 s a hash.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536  # KiB
    ARGON2_PARALLELISM = 4
    # Login throttling per (account, source address): the first failures are free, then
    # each one makes the next try wait twice as long, up to a ceiling. A floor shares one
    # NAT address, so a ceiling of a minute slows a guesser without locking the floor out.
    LOGIN_FREE_FAILURES = 5
    LOGIN_DELAY_BASE_SECONDS = 2
    LOGIN_DELAY_MAX_SECONDS = 60
    # A source without failures for this long starts again from zero.
    LOGIN_FAILURE_MEMORY = timedelta(hours=1)
    # Across names: past this many failures within LOGIN_FAILURE_MEMORY, a source (a guesser
    # trying many names, each under its own free failures) waits the same growing delays.
    # High enough that a floor of tablets behind one address, mistyping now and then, never
    # reaches it.
    LOGIN_SOURCE_FREE_FAILURES = 30
    MIN_PASSWORD_LENGTH = 10
    UNDO_WINDOW_MINUTES = 10
    MAX_BATCH = 500
    # Deeper JSON is refused with a 400 before any code walks it.
    MAX_JSON_DEPTH = 32
    # Published tables hide counts from 1 to this threshold (inclusive).
    SMALL_CELL_THRESHOLD = 10
    REPORTS_DIR = None  # set from the project root in create_app
    # Scheduled reports (app/jobs/): a run left "running" this long by a crashed process
    # on another host may be reclaimed (on this host, a dead pid is reclaimed at once);
    # backups kept; the site the scheduled reports cover (None: all sites); how long the
    # Reports page waits for a compile before saying it is still running.
    JOB_STALE_MINUTES = 60
    BACKUP_KEEP = 14
    REPORT_SITE_CODE = None
    REPORTS_WAIT_SECONDS = 25
    # Reports e-mailed to their subscribers (app/subscriptions/, issue 12): SMTP server,
    # STARTTLS when MAIL_USE_TLS, login when MAIL_USERNAME is set; no server, no mail.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25") or 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes", "on")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "affluence@localhost")
    MAIL_TIMEOUT_SECONDS = 30
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Durability over raw speed on the floor (PITFALLS: NORMAL can lose the last commits).
    SQLITE_SYNCHRONOUS = "FULL"
    # Strict-Transport-Security max-age; 0 sends none (plain HTTP in development).
    HSTS_SECONDS = 0
    PROXY_COUNT = 0
    # The reception tablet loads the bundles scripts/build-assets.sh makes (app/static/dist:
    # one script, one stylesheet); False serves the source files one by one instead.
    ASSETS_BUNDLED = True


class DevelopmentConfig(Config):
    """Local use: `make run`."""


class TestingConfig(Config):
    """The test suite."""

    TESTING = True
    SECRET_KEY = "testing-secret"
    # A throw-away database: fsync on every commit would only slow the suite down.
    SQLITE_SYNCHRONOUS = "OFF"
    # A login would cost ~0.1-0.5 s at the real cost and the suite logs in hundreds of
    # times (cookiecutter-flask does the same with BCRYPT_LOG_ROUNDS = 4).
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 256
    ARGON2_PARALLELISM = 1
    # Each test builds its own data: the bilan's page reads its figures afresh (issue 12).
    BILAN_CACHE_SECONDS = 0


class ProductionConfig(Config):
    """Behind HTTPS, with a real secret."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 365 * 24 * 3600
    # Proxies in front (nginx: 1) whose X-Forwarded-For/-Proto are trusted; gunicorn must
    # then listen only where the proxy reaches it (deploy/), or clients could forge them.
    PROXY_COUNT = int(os.environ.get("AFFLUENCE_PROXY_COUNT", "1"))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
