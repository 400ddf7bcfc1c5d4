"""Idempotent batches: rows keyed by a client-made UUID are stored once, whatever the replays.

Both capture endpoints (reception entries, interviews) use these: the database's primary key
arbitrates, and each item of a batch is answered created, duplicate or rejected (conflict).
"""

from __future__ import annotations

import hashlib
import json
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def payload_digest(values: dict) -> str:
    """Return a stable digest of a payload: the same UUID with another digest is a conflict."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def insert_new(model, rows: list[dict]) -> set[uuid.UUID]:
    """Insert the rows whose id is new; return the ids actually inserted.

    ON CONFLICT DO NOTHING lets the primary key arbitrate concurrent replays of one item
    (check-then-insert does not: PITFALLS), and never raises on a duplicate.
    """
    if not rows:
        return set()
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(model).on_conflict_do_nothing(index_elements=["id"]).returning(model.id)
    return set(db.session.scalars(statement, rows))


def pending(item_id: uuid.UUID, digest: str) -> dict:
    """Return the result placeholder of an item that passed validation."""
    return {"id": str(item_id), "status": None, "_key": item_id, "_digest": digest}


def settle(results: list[dict], model, created: set[uuid.UUID], conflict_message: str) -> None:
    """Give every pending result its status: created, duplicate, or rejected as a conflict.

    An item not inserted is a duplicate when its payload matches what is stored or, for an
    id repeated within the batch, the first copy of it.
    """
    first: dict[uuid.UUID, str] = {}
    for result in results:
        if "_key" in result:
            first.setdefault(result["_key"], result["_digest"])
    missing = [key for key in first if key not in created]
    stored = dict(db.session.execute(
        sa.select(model.id, model.payload_digest).where(model.id.in_(missing))
    ).all()) if missing else {}
    reported: set[uuid.UUID] = set()
    for result in results:
        key, digest = result.pop("_key", None), result.pop("_digest", None)
        if key is None:
            continue
        if key in created and key not in reported:
            result["status"] = "created"
            reported.add(key)
        elif stored.get(key, first[key]) == digest:
            result["status"] = "duplicate"
        else:
            result.update(status="rejected", field="id", error=conflict_message)
