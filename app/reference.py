"""The one loader of reference lists: sites, reception points, poles, partners, profile options...

Reference rows change a few times a year and are read on every tap, so each process keeps
them in memory: capture validates codes without a SELECT per batch (issue 8). Rows come back
as immutable records (`RefRow`), never ORM objects, so they are safe to share between
requests and threads.

The cache is dropped when a reference table is written through SQLAlchemy: an engine
listener notes any INSERT, UPDATE, DELETE or TRUNCATE naming one of these tables, and the
commit that follows drops the cache in this process and touches a stamp file that the other
processes of the host (gunicorn workers, the scheduler) check at most every half second.
Another host of a PostgreSQL network learns of a change when a lookup misses (at most one
reload a second) or after `MAX_AGE` seconds.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import namedtuple
from pathlib import Path
from typing import Mapping

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from app.extensions import db
from app.vocabulary import in_language
from app.models import (
    PROFILE_CATEGORIES,
    EventType,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    ReceptionPoint,
    Site,
    Space,
    Theme,
)

MODELS = (Site, ReceptionPoint, Pole, Partner, ProfileOption, EventType, Theme, Outcome, Space)
KINDS = {model.__tablename__: model for model in MODELS}
# A change made on another host is seen within this many seconds at worst.
MAX_AGE = 300.0
# How often a process looks at the stamp file other processes touch.
STAMP_CHECK_SECONDS = 0.5
# A missed code reloads the lists at most this often (a hostile client cannot make it spin).
MISS_RELOAD_SECONDS = 1.0

_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+(.*)", re.I | re.S)
_TABLE = re.compile(r'"?(' + "|".join(map(re.escape, KINDS)) + r')"?(?=[\s(,;]|$)')


# The stored (French) labels; a record's `label` and `short_label` speak the page's language,
# like the models' (app/models/reference.py).
STORED = {"label": "label_fr", "short_label": "short_label_fr"}


def _translated(french: str, english: str) -> property:
    return property(lambda self: in_language(getattr(self, french), getattr(self, english)),
                    doc="The label in the page's language (English falls back to French).")


def _record_type(model) -> type:
    """Build the immutable record of a table's rows: a named tuple that equals its ORM row."""
    columns = [STORED.get(column.key, column.key) for column in model.__table__.columns]
    base = namedtuple(f"{model.__name__}Row", columns)

    def __eq__(self, other):
        if isinstance(other, tuple) and not isinstance(other, RefRow):
            return NotImplemented
        return (getattr(other, "__tablename__", None) == self.__tablename__
                and getattr(other, "id", None) == self.id)

    def __hash__(self):
        return hash((self.__tablename__, self.id))

    labels = {name: _translated(stored, f"{name}_en") for name, stored in STORED.items()
              if stored in columns and f"{name}_en" in columns}
    return type(base.__name__, (base, RefRow), {
        "__slots__": (), "__tablename__": model.__tablename__, "__eq__": __eq__,
        "__hash__": __hash__, **labels})


class RefRow:
    """Marker base of the reference records (see _record_type)."""

    __slots__ = ()


_RECORDS = {model: _record_type(model) for model in MODELS}


class _Lists:
    """Every reference row of one database, indexed by id and by active code."""

    def __init__(self, rows: dict[type, list]):
        self.loaded_at = time.monotonic()
        self.rows = rows
        self.ids = {model: {row.id: row for row in items} for model, items in rows.items()}
        self.codes = {model: {row.code: row for row in items if row.active}
                      for model, items in rows.items() if model is not ProfileOption}
        self.profile = {category: {} for category in PROFILE_CATEGORIES}
        for row in rows[ProfileOption]:
            if row.active and row.category in self.profile:
                self.profile[row.category][row.code] = row

    @classmethod
    def read(cls) -> "_Lists":
        """Read every reference table in display order (one SELECT per table)."""
        rows = {}
        # Through the session: a second connection would wait on the SQLite write lock
        # that the request's own transaction may hold.
        for model in MODELS:
            table = model.__table__
            order = [table.c.pole_id] if model is Theme else []
            if model is ProfileOption:
                order = [table.c.category]
            record = _RECORDS[model]
            result = db.session.execute(
                sa.select(table).order_by(*order, table.c.position, table.c.code))
            rows[model] = [record(**{STORED.get(key, key): value
                                     for key, value in row._mapping.items()})
                           for row in result]
        return cls(rows)


class _Cache:
    """The lists of each database this process talks to, with their freshness."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lists: dict = {}
        self.stamp_seen: dict = {}
        self.stamp_checked = 0.0
        self.last_miss_reload: dict = {}


_cache = _Cache()


def _key():
    # One set of lists per engine (the tests and the CLI may build several apps).
    return db.engine


def _stamp_path() -> Path:
    return Path(current_app.config.get("REFERENCE_STAMP")
                or Path(current_app.instance_path) / "reference.stamp")


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _lists() -> _Lists:
    key = _key()
    now = time.monotonic()
    lists = _cache.lists.get(key)
    if lists is not None and now - _cache.stamp_checked > STAMP_CHECK_SECONDS:
        _cache.stamp_checked = now
        if _stamp(_stamp_path()) != _cache.stamp_seen.get(key):
            lists = None
    if lists is None or now - lists.loaded_at > MAX_AGE:
        lists = _reload(key)
    return lists


def _reload(key: str) -> _Lists:
    with _cache.lock:
        stamp = _stamp(_stamp_path())
        lists = _Lists.read()
        _cache.lists[key] = lists
        _cache.stamp_seen[key] = stamp
        return lists


def _model(model_or_kind) -> type:
    return KINDS[model_or_kind] if isinstance(model_or_kind, str) else model_or_kind


def active_by_code(model_or_kind, category: str | None = None) -> Mapping[str, RefRow]:
    """Return the active rows of a list by code, in display order.

    Profile options are keyed by code within one category: pass `category`.
    """
    lists = _lists()
    model = _model(model_or_kind)
    if model is ProfileOption:
        return lists.profile[category]
    return lists.codes[model]


def profile_options() -> Mapping[str, Mapping[str, RefRow]]:
    """Return the active profile options by category, then by code."""
    return _lists().profile


def active(model_or_kind) -> list[RefRow]:
    """Return the active rows of a list in display order."""
    model = _model(model_or_kind)
    return [row for row in _lists().rows[model] if row.active]


def every(model_or_kind) -> list[RefRow]:
    """Return every row of a list, active or not, in display order."""
    return list(_lists().rows[_model(model_or_kind)])


def by_code(model_or_kind, code) -> RefRow | None:
    """Return the row with that code, active or not (profile options: use active_by_code)."""
    if not isinstance(code, str):
        return None
    model = _model(model_or_kind)
    found = _lists().codes[model].get(code)
    if found is None:
        found = next((row for row in _lists().rows[model] if row.code == code), None)
    return found


def by_id(model_or_kind, row_id: int | None) -> RefRow | None:
    """Return the row with that id, active or not (history keeps pointing at old rows)."""
    if row_id is None:
        return None
    return _lists().ids[_model(model_or_kind)].get(row_id)


def lookup(model_or_kind, code, category: str | None = None) -> RefRow | None:
    """Return the active row with that code; on a miss, re-read the lists (at most once a second).

    A list edited on another host is then seen at once for a code it added.
    """
    if not isinstance(code, str):
        return None
    found = active_by_code(model_or_kind, category).get(code)
    if found is not None:
        return found
    key, now = _key(), time.monotonic()
    if now - _cache.last_miss_reload.get(key, 0.0) < MISS_RELOAD_SECONDS:
        return None
    _cache.last_miss_reload[key] = now
    _reload(key)
    return active_by_code(model_or_kind, category).get(code)


def invalidate() -> None:
    """Forget the lists in this process and tell the other processes of this host."""
    with _cache.lock:
        _cache.lists.clear()
    try:
        path = _stamp_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        # Two edits within the filesystem's timestamp resolution must still differ.
        stamp = time.time_ns()
        os.utime(path, ns=(stamp, stamp))
    except (OSError, RuntimeError):
        pass  # no app context or a read-only instance folder: MAX_AGE still bounds staleness


def names_reference_table(statement: str) -> bool:
    """Tell whether an SQL statement writes one of the reference tables."""
    match = _WRITE.match(statement)
    if match is None:
        return False
    verb, rest = match.group(1).upper(), match.group(2)
    if verb == "TRUNCATE":  # names every table it empties
        return any(_TABLE.match(name.strip()) for name in rest.split(" CASCADE")[0].split(","))
    # Only the target table counts: an INSERT ... SELECT FROM poles writes elsewhere.
    return _TABLE.match(rest) is not None


@event.listens_for(Engine, "after_cursor_execute")
def _note_reference_write(conn, _cursor, statement, _parameters, _context, _executemany):
    if statement[:1] in ("I", "U", "D", "T", "i", "u", "d", "t", " ") and names_reference_table(statement):
        conn.info["reference_written"] = True


@event.listens_for(Engine, "commit")
def _drop_on_commit(conn):
    # Dropped now and again once the connection is handed back, after COMMIT has run: a
    # request reading the lists between the two would otherwise keep the old rows.
    if conn.info.pop("reference_written", False):
        conn.info["reference_committed"] = True
        invalidate()


@event.listens_for(Pool, "checkin")
def _drop_after_commit(_dbapi_connection, record):
    if record is not None and record.info.pop("reference_committed", False):
        invalidate()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn):
    # The lists may have been read inside the transaction that wrote them: drop them too.
    if conn.info.pop("reference_written", False):
        invalidate()
