"""Engine set-up: SQLite pragmas, write transactions that take the lock up front."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wants_immediate(conn) -> bool:
    if conn.get_execution_options().get("sqlite_immediate"):
        return True
    # A mutating request reads then writes: take the write lock at BEGIN, or a concurrent
    # writer makes the upgrade fail at once with "database is locked" (PITFALLS).
    return (has_request_context() and request.method not in SAFE_METHODS
            and not _opens_its_own_write())


def _opens_its_own_write() -> bool:
    """Tell whether the view only reads until it opens its write transaction (app.capture).

    The capture endpoints validate a batch first and then begin an immediate transaction
    themselves: their reads (the account) must not hold the lock meanwhile.
    """
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "opens_its_own_write", False))


def _install_sqlite_listeners(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" listener emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 10000")  # first, before anything can lock
        cursor.execute("PRAGMA journal_mode = WAL")
        mode = cursor.fetchone()[0]
        if mode.lower() not in ("wal", "memory"):
            raise RuntimeError(f"SQLite refused WAL mode (got {mode!r})")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_size_limit = 67108864")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate(conn) else "BEGIN")


def init_engine(app: Flask) -> None:
    """Bind SQLAlchemy and tune the engine for the configured database."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            synchronous = app.config.get("SQLITE_SYNCHRONOUS", "FULL")
            if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
                raise RuntimeError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
            _install_sqlite_listeners(engine, synchronous)
