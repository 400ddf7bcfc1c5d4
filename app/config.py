"""Configuration classes, chosen by AFFLUENCE_ENV (development, testing, production)."""

import os
from datetime import timedelta

DEFAULT_SECRET = "dev-only-not-secret"


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


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = DEFAULT_SECRET  # replaced from the environment in create_app()
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
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    UNDO_WINDOW_MINUTES = 10
    MAX_BATCH = 500
    # Published tables hide counts from 1 to this threshold (inclusive).
    SMALL_CELL_THRESHOLD = 10
    REPORTS_DIR = None  # set from the project root in create_app
    # Scheduled reports (app/jobs.py): a run left "running" this long by a crashed process
    # may be reclaimed; backups kept; the site the scheduled reports cover (None: all sites);
    # how long the Reports page waits for a compile before saying it is still running.
    JOB_STALE_MINUTES = 60
    BACKUP_KEEP = 14
    REPORT_SITE_CODE = None
    REPORTS_WAIT_SECONDS = 25
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Durability over raw speed on the floor (PITFALLS: NORMAL can lose the last commits).
    SQLITE_SYNCHRONOUS = "FULL"


class DevelopmentConfig(Config):
    """Local use: `make run`."""


class TestingConfig(Config):
    """The test suite."""

    TESTING = True
    SECRET_KEY = "testing-secret"
    # A throw-away database: fsync on every commit would only slow the suite down.
    SQLITE_SYNCHRONOUS = "OFF"
    LOGIN_LOCK_MINUTES = 15


class ProductionConfig(Config):
    """Behind HTTPS, with a real secret."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
