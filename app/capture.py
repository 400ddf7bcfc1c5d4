"""The capture kit: batches of items keyed by a client-made UUID, stored once whatever the replays.

Reception entries and interviews both go through `record_batch`: every item is checked
against its schema in the API document (the document *is* the validator, so the two cannot
drift), then by the feature's own parser (reference codes, clock limits, who may write
what); a bad item is answered `rejected` naming its field and never fails its batch. All of
that runs before the write transaction starts, with the reference lists from the per-process
cache (app.reference): the SQLite write lock is held for one multi-row
`INSERT … ON CONFLICT DO NOTHING RETURNING id` and its commit, not for the validation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

import jsonschema_rs
import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.access import site_ids_of
from app.extensions import db
from app.models import PROFILE_CATEGORIES
from app.timeutil import utcnow

log = logging.getLogger(__name__)

# How far a client's clock may run ahead, and how long an item may wait in a queue.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
MAX_QUEUE_AGE = timedelta(days=31)
# A batch's write aborted by a deadlock (40P01) or a serialization failure (40001) is run
# again this many times.
WRITE_RETRIES = 5
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


class Rejected(ValueError):
    """One item is invalid; the message names the field and the reason."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name


@dataclass(frozen=True)
class Author:
    """Who sends a batch, read once before the read transaction ends (no lazy loads later)."""

    id: int
    role: str
    site_id: int | None
    pole_id: int | None
    partner_id: int | None
    # The sites the account records at (None: every site), from app.access.
    site_ids: frozenset[int] | None = None

    @classmethod
    def of(cls, user) -> "Author":
        """Copy what the parsers need from the logged-in account."""
        return cls(user.id, user.role, user.site_id, user.pole_id, user.partner_id,
                   site_ids_of(user))


@dataclass
class Item:
    """A validated item: the row to insert (with "id" and "payload_digest") and any extras."""

    row: dict
    extra: Any = None

    @property
    def id(self) -> uuid.UUID:
        return self.row["id"]


# ------------------------------------------------------------------ request and clock


def bad_request(field: str, message: str, status: int = 400):
    """Answer a request-level error naming the field (documented as Error)."""
    return jsonify(error="invalid", field=field, message=f"{field}: {message}"), status


def batch_from_request(key: str):
    """Return (list, None) from a JSON body {key: [...]}, or (None, error response)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return None, bad_request("body", _("objet JSON attendu"))
    batch = payload.get(key)
    if not isinstance(batch, list):
        return None, bad_request(key, _("liste attendue"))
    limit = current_app.config["MAX_BATCH"]
    if len(batch) > limit:
        return None, bad_request(key, _("au plus %(n)d éléments par envoi", n=limit), 413)
    return batch, None


def parse_offset_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant that carries its offset, without converting it (ValueError)."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("no UTC offset")
    return parsed


def instant_within_limits(raw, field_name: str, now: datetime, future: str) -> datetime:
    """Return the instant in UTC, or raise Rejected when it is malformed or out of range.

    The range is checked on the value as sent, before any conversion: converting
    0001-01-01T00:00:00+01:00 or 9999-12-31T23:59:59-01:00 to UTC overflows (PITFALLS).
    Comparing aware datetimes works on their offsets and cannot overflow.
    """
    try:
        parsed = parse_offset_instant(raw)
    except ValueError:
        raise Rejected(field_name, _("date ISO 8601 avec fuseau attendue")) from None
    if parsed > now + MAX_CLOCK_AHEAD:
        raise Rejected(field_name, future)
    if parsed < now - MAX_QUEUE_AGE:
        raise Rejected(field_name, _("trop ancienne (plus de %(n)d jours)", n=MAX_QUEUE_AGE.days))
    return parsed.astimezone(now.tzinfo)


def payload_digest(values: dict) -> str:
    """Return a stable digest of a payload: the same UUID with another digest is a conflict."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


# The visitor profile, as both capture endpoints accept it (schema of the API document).
PROFILE = {
    "type": ["object", "null"],
    "description": "Coarse, optional visitor profile; each part may be null (not stated).",
    "properties": {category: {"type": ["string", "null"], "description": f"{category} option code"}
                   for category in PROFILE_CATEGORIES},
    "additionalProperties": False,
}
PROFILE["properties"]["first_visit"] = {"type": ["string", "boolean", "null"],
                                        "description": "first_visit option code (oui / non), or a boolean"}


def parse_profile(raw, options: dict[str, dict]) -> dict[str, int | None]:
    """Turn a profile object of codes into option ids; every part may be absent or null.

    `options` holds the codes allowed per category (app.reference.profile_options()).
    """
    ids = {}
    for category in PROFILE_CATEGORIES:
        code = (raw or {}).get(category)
        if category == "first_visit" and isinstance(code, bool):
            code = "oui" if code else "non"
        if code in (None, ""):
            ids[f"{category}_id"] = None
            continue
        option = options[category].get(code)
        if option is None:
            raise Rejected(f"profile.{category}", _("code inconnu « %(code)s »", code=code))
        ids[f"{category}_id"] = option.id
    return ids


# ------------------------------------------------------------------ the schema as validator


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_instant(value: str) -> bool:
    try:
        parse_offset_instant(value)
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


# The formats the document uses, checked the way the parsers read them.
FORMATS = {"uuid": _is_uuid, "date-time": _is_instant, "date": _is_date}


class ItemSchema:
    """One item's schema from the API document, compiled once, raising Rejected per item.

    `messages` maps a field to the reason given whatever rule it breaks (a callable gets the
    schema of the field); other fields get a reason by rule (required, type, enum...).
    """

    def __init__(self, name: str, schema: dict, definitions: dict | None = None,
                 messages: dict[str, Callable[[dict], str]] | None = None):
        self.name = name
        self.schema = schema
        self.definitions = definitions or {}
        self.messages = messages or {}
        self.order = {field: i for i, field in enumerate(schema.get("properties", {}))}
        self._validator = None

    @property
    def validator(self):
        if self._validator is None:
            document = {**self.schema, "components": {"schemas": self.definitions}}
            self._validator = jsonschema_rs.validator_for(
                document, validate_formats=True, formats=FORMATS)
        return self._validator

    def check(self, raw) -> None:
        """Raise Rejected for the first rule the item breaks, in the schema's field order."""
        if not isinstance(raw, dict):
            raise Rejected(self.name, _("doit être un objet"))
        errors = list(self.validator.iter_errors(raw))
        if not errors:
            return
        found = [(self._field(error), error) for error in errors]
        found.sort(key=lambda pair: self.order.get(pair[0].split(".")[0], len(self.order)))
        field_name, error = found[0]
        raise Rejected(field_name, self._reason(field_name, error))

    @staticmethod
    def _field(error) -> str:
        parts: list[str] = []
        for step in error.instance_path:
            if not isinstance(step, str):
                break  # an item of a list is named by its list
            parts.append(step)
        kind = error.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            parts.append(kind.property)
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            parts.append(sorted(kind.unexpected)[0])
        return ".".join(parts)

    def _reason(self, field_name: str, error) -> str:
        kinds = jsonschema_rs.ValidationErrorKind
        kind = error.kind
        if isinstance(kind, kinds.AdditionalProperties):
            parent = field_name.rpartition(".")[0]
            return self.messages[f"{parent}.*"](error) if f"{parent}.*" in self.messages \
                else _("champ inconnu")
        if isinstance(kind, kinds.Required) or (isinstance(kind, kinds.Type)
                                                and error.instance is None
                                                and field_name not in self.messages):
            return _("obligatoire")
        if field_name in self.messages:
            return self.messages[field_name](error)
        if isinstance(kind, kinds.Enum):
            return _("valeur parmi %(values)s attendue",
                     values=", ".join(f"« {value} »" for value in kind.options))
        if isinstance(kind, kinds.Type):
            return _("type attendu : %(types)s", types=", ".join(kind.types))
        if isinstance(kind, kinds.MaxLength):
            return _("%(max)d caractères au plus", max=kind.limit)
        return _("valeur invalide")


# ------------------------------------------------------------------ storing a batch


def _rejected(raw, rejected: Rejected) -> dict:
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    # The Result schema says id is a string or null: never echo a number or an object.
    return {"id": raw_id if isinstance(raw_id, str) else None, "status": "rejected",
            "field": rejected.field, "error": str(rejected)}


def record_batch(batch: list, author: Author, *, schema: ItemSchema,
                 parse: Callable[[dict, Author, datetime], Item], model,
                 conflict: str, on_created: Callable[[list[Item], datetime], None] | None = None
                 ) -> list[dict]:
    """Validate, then store a batch; answer one result per item, in the same order.

    Validation happens before the write transaction; a failure of one item (even an
    unforeseen one) is that item's `rejected`, never the batch's 500. A write the database
    aborts to break a deadlock is run again: the primary key keeps that idempotent.
    """
    now = utcnow()
    results: list[dict] = []
    # (position in results, id, payload digest) of every item that passed validation
    pending: list[tuple[int, uuid.UUID, str]] = []
    items: dict[uuid.UUID, Item] = {}
    for raw in batch:
        try:
            schema.check(raw)
            item = parse(raw, author, now)
        except Rejected as rejected:
            results.append(_rejected(raw, rejected))
            continue
        except (ValueError, TypeError, KeyError, ArithmeticError) as error:
            log.warning("capture: %s refused by an unforeseen error: %r", schema.name, error)
            results.append(_rejected(raw, Rejected(schema.name, _("valeur invalide"))))
            continue
        pending.append((len(results), item.id, item.row["payload_digest"]))
        results.append({"id": str(item.id), "status": None})
        items.setdefault(item.id, item)
    for attempt in range(WRITE_RETRIES + 1):
        try:
            begin_write()
            created_ids = insert_new(model, [item.row for item in items.values()])
            if on_created is not None:
                created = [item for item in items.values() if item.id in created_ids]
                if created:
                    on_created(created, now)
            settle(results, pending, model, created_ids, conflict)
            db.session.commit()
            return results
        except sa.exc.OperationalError as error:
            if attempt == WRITE_RETRIES or not _transient(error):
                raise
            # Two batches met on the same rollup rows (migration 0003's triggers) in opposite
            # orders and PostgreSQL chose this one: nothing of it was kept, so run it again.
            db.session.rollback()
            log.info("capture: %s batch retried after %s", schema.name, error.orig)
            time.sleep(random.uniform(0.002, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")


def _transient(error: sa.exc.OperationalError) -> bool:
    """Tell whether the database refused the transaction for a reason a retry removes."""
    return getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def opens_its_own_write(view):
    """Mark a capture view: its reads take no write lock; record_batch opens the write itself."""
    view.opens_its_own_write = True
    return view


def begin_write() -> None:
    """End the read transaction that loaded the account, and open the write one.

    On SQLite a POST's transaction takes the write lock at BEGIN (app.database), except in a
    view marked `opens_its_own_write`: there the account was read without the lock, and the
    lock is held for the inserts only, not for the validation.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL locks rows, not the database: one transaction, no round trip more
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_immediate": True})


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](table)


def insert_new(model, rows: list[dict]) -> set[uuid.UUID]:
    """Insert the rows whose id is new, in one statement; return the ids actually inserted.

    ON CONFLICT DO NOTHING lets the primary key arbitrate concurrent replays of one item
    (check-then-insert does not: PITFALLS) and never raises on a duplicate. The table, not
    the ORM class, is used: the ORM splits a bulk insert by which columns are NULL.
    """
    if not rows:
        return set()
    table = getattr(model, "__table__", model)
    # Rows as parameters, not .values(rows): SQLAlchemy renders them into one multi-row
    # statement ("insertmanyvalues") whose compiled form is cached, whatever the batch size.
    statement = (_insert(table).on_conflict_do_nothing(index_elements=["id"])
                 .returning(table.c.id))
    # On the session's connection: a Core statement needs none of the ORM's execution path.
    return set(db.session.connection().execute(statement, rows).scalars())


def insert_rows(table, rows: Iterable[dict]) -> None:
    """Insert plain rows (an item's children) in one statement."""
    rows = list(rows)
    if rows:
        db.session.connection().execute(sa.insert(getattr(table, "__table__", table)), rows)


def settle(results: list[dict], pending: list[tuple[int, uuid.UUID, str]], model,
           created: set[uuid.UUID], conflict: str) -> None:
    """Give every pending result its status: created, duplicate, or rejected as a conflict.

    An item not inserted is a duplicate when its payload matches what is stored or, for an
    id repeated within the batch, the first copy of it.
    """
    first: dict[uuid.UUID, str] = {}
    for _position, key, digest in pending:
        first.setdefault(key, digest)
    missing = [key for key in first if key not in created]
    stored = dict(db.session.execute(
        sa.select(model.id, model.payload_digest).where(model.id.in_(missing))
    ).all()) if missing else {}
    reported: set[uuid.UUID] = set()
    for position, key, digest in pending:
        result = results[position]
        if key in created and key not in reported:
            result["status"] = "created"
            reported.add(key)
        elif stored.get(key, first[key]) == digest:
            result["status"] = "duplicate"
        else:
            result.update(status="rejected", field="id", error=f"id: {conflict}")
