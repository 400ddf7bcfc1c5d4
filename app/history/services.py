"""Import the past years: preview a parsed workbook, keep it pending, apply it all at once.

A batch is applied in one transaction with its audit entry: every row or none. The
preview says what will be added, replaced or left as it is, and which site-months keep
their captured figures (captured data win over imported ones).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app import reference
from app.extensions import db
from app.figures.history import captured_months
from app.history.importer import Parsed, read_workbook
from app.history.spec import SHEET_BY_KIND
from app.models import AuditEvent, HistoryBatch, HistoryMonth, Site, User
from app.timeutil import utcnow

# A pending batch older than this is refused at confirmation: upload the file again.
PENDING_FOR = timedelta(hours=24)
LISTED = 100  # replaced rows and captured months listed in full on the preview


class BatchRefused(Exception):
    """The batch cannot be confirmed (unknown, already applied, discarded or too old)."""


@dataclass
class Preview:
    """What applying rows would change."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    # Per sheet kind: {"added": n, "replaced": n, "unchanged": n}
    by_sheet: dict = field(default_factory=dict)
    # Per (site code, year): {"months": n, "visitors": n, "interviews": n}
    by_site_year: list = field(default_factory=list)
    # Replaced rows: {sheet, row, site, month, measure, what, before, after}
    replacements: list = field(default_factory=list)
    # Site-months where captured data exist: their imported figures are kept but not counted.
    captured: list = field(default_factory=list)
    first_month: str | None = None
    last_month: str | None = None

    @property
    def total(self) -> int:
        """Return the number of figures in the file."""
        return self.added + self.replaced + self.unchanged


def _what(row: dict) -> str:
    return row["pole"] or row["destination"] or row["event_type"] or ""


def preview(rows: list[dict]) -> Preview:
    """Compare parsed rows with the stored figures; return what applying them would change."""
    result = Preview()
    if not rows:
        return result
    months = sorted({row["month"] for row in rows})
    result.first_month, result.last_month = months[0][:7], months[-1][:7]
    site_ids = sorted({row["site_id"] for row in rows})
    first, last = date.fromisoformat(months[0]), date.fromisoformat(months[-1])
    stored = {(r.site_id, r.month.isoformat(), r.measure, r.key): r.value
              for r in db.session.scalars(sa.select(HistoryMonth).where(
                  HistoryMonth.site_id.in_(site_ids), HistoryMonth.month >= first,
                  HistoryMonth.month <= last))}
    captured = captured_months(site_ids, first, last)
    sheets: dict = defaultdict(lambda: {"added": 0, "replaced": 0, "unchanged": 0})
    years: dict = defaultdict(lambda: {"months": set(), "visitors": 0, "interviews": 0})
    captured_listed: set = set()
    for row in rows:
        before = stored.get((row["site_id"], row["month"], row["measure"], row["key"]))
        state = "added" if before is None else ("unchanged" if before == row["value"]
                                               else "replaced")
        setattr(result, state, getattr(result, state) + 1)
        sheets[row["sheet"]][state] += 1
        if state == "replaced":
            result.replacements.append({
                "sheet": SHEET_BY_KIND[row["sheet"]].name, "row": row["row"], "site": row["site"],
                "month": row["month"][:7], "measure": row["measure"], "what": _what(row),
                "before": before, "after": row["value"]})
        month = date.fromisoformat(row["month"])
        year = years[(row["site"], month.year)]
        year["months"].add(month)
        if row["measure"] in ("visitors", "interviews"):
            year[row["measure"]] += row["value"]
        if (row["site_id"], month) in captured:
            captured_listed.add((row["site"], row["month"][:7]))
    result.by_sheet = {kind: sheets[kind] for kind in SHEET_BY_KIND if kind in sheets}
    result.by_site_year = [{"site": site, "year": year, "months": len(v["months"]),
                            "visitors": v["visitors"], "interviews": v["interviews"]}
                           for (site, year), v in sorted(years.items())]
    result.captured = [{"site": site, "month": month} for site, month in sorted(captured_listed)]
    return result


def stage(parsed: Parsed, filename: str, user: User | None, source: str = "web") -> HistoryBatch:
    """Keep a parsed file as a pending batch, to be confirmed after its preview."""
    # Previews nobody confirmed give their rows back: only the last day's are kept.
    db.session.execute(sa.update(HistoryBatch).where(
        HistoryBatch.status == "pending", HistoryBatch.created_at < utcnow() - PENDING_FOR)
        .values(status="discarded", rows=[]))
    batch = HistoryBatch(token=secrets.token_urlsafe(24), user_id=user.id if user else None,
                         source=source, filename=_clean_name(filename), status="pending",
                         rows=parsed.rows)
    db.session.add(batch)
    db.session.commit()
    return batch


def _clean_name(filename: str) -> str:
    # Only the base name, without control characters: it is shown in the journal.
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:255]


def pending(token: str) -> HistoryBatch:
    """Return the pending batch a token names; raise BatchRefused otherwise."""
    batch = db.session.scalar(sa.select(HistoryBatch).where(HistoryBatch.token == token)) \
        if token else None
    if batch is None:
        raise BatchRefused("unknown")
    if batch.status != "pending":
        raise BatchRefused(batch.status)
    if utcnow() - batch.created_at > PENDING_FOR:
        raise BatchRefused("expired")
    return batch


def discard(batch: HistoryBatch) -> None:
    """Drop a pending batch: nothing of it is stored."""
    batch.status = "discarded"
    batch.rows = []
    db.session.commit()


def _begin_write() -> None:
    # The batch replaces rows it has read: take SQLite's write lock before reading.
    db.session.connection(execution_options={"sqlite_immediate": True})


def apply(batch: HistoryBatch, user: User | None) -> Preview:
    """Store a pending batch's rows, all or nothing, with its audit entry; return what changed."""
    batch_id = batch.id
    db.session.rollback()  # end the read that found the batch: the write lock comes first
    _begin_write()
    batch = db.session.get(HistoryBatch, batch_id, populate_existing=True)
    if batch.status != "pending":
        db.session.rollback()
        raise BatchRefused(batch.status)
    rows = batch.rows
    result = preview(rows)
    if rows:
        months = sorted({row["month"] for row in rows})
        stored = {(r.site_id, r.month.isoformat(), r.measure, r.key): r
                  for r in db.session.scalars(sa.select(HistoryMonth).where(
                      HistoryMonth.site_id.in_({row["site_id"] for row in rows}),
                      HistoryMonth.month >= date.fromisoformat(months[0]),
                      HistoryMonth.month <= date.fromisoformat(months[-1])))}
        new = []
        for row in rows:
            existing = stored.get((row["site_id"], row["month"], row["measure"], row["key"]))
            if existing is not None:
                if existing.value != row["value"]:
                    existing.value, existing.batch_id = row["value"], batch.id
                continue
            new.append({"site_id": row["site_id"], "month": date.fromisoformat(row["month"]),
                        "measure": row["measure"], "key": row["key"],
                        "destination": row["destination"], "pole_id": row["pole_id"],
                        "event_type_id": row["event_type_id"], "value": row["value"],
                        "batch_id": batch.id})
        if new:
            # Core executemany: one round of batched INSERTs, no ORM bookkeeping per row.
            db.session.execute(HistoryMonth.__table__.insert(), new)
    batch.status, batch.applied_at, batch.rows = "applied", utcnow(), []
    batch.added, batch.replaced, batch.unchanged = result.added, result.replaced, result.unchanged
    batch.captured_months = len(result.captured)
    db.session.add(AuditEvent(
        user_id=user.id if user else None, action="history.import",
        target_type="history_batch", target_id=str(batch.id),
        changes={"file": [None, batch.filename], "source": [None, batch.source],
                 "period": [None, f"{result.first_month} – {result.last_month}"
                            if result.first_month else ""],
                 "rows_added": [None, result.added], "rows_replaced": [None, result.replaced],
                 "rows_unchanged": [None, result.unchanged],
                 "months_captured": [None, len(result.captured)]}))
    db.session.commit()
    return result


def import_file(data: bytes, filename: str, *, user: User | None = None, source: str = "cli",
                dry_run: bool = False) -> Preview:
    """Read, check and (unless dry_run) store a history workbook; raise ImportRefused."""
    parsed = read_workbook(data)
    if dry_run:
        result = preview(parsed.rows)
        db.session.rollback()
        return result
    return apply(stage(parsed, filename, user, source), user)


def site_labels() -> dict[str, str]:
    """Return site labels by code, for the preview."""
    return {row.code: row.label for row in reference.every(Site)}


def recent_batches(limit: int = 10) -> list[HistoryBatch]:
    """Return the latest applied batches, newest first."""
    return list(db.session.scalars(
        sa.select(HistoryBatch).where(HistoryBatch.status == "applied")
        .order_by(HistoryBatch.applied_at.desc(), HistoryBatch.id.desc()).limit(limit)))
