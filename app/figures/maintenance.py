"""Look after the rollups: rebuild them, check them against raw rows, apply retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.figures import rollups
from app.models import AuditEvent, FlowEntry, Interview, RetentionRun, rollup_pause
from app.timeutil import local_today


def rebuild(start: date | None = None, end: date | None = None) -> dict[str, int]:
    """Recompute the rollups of [start, end] (everything by default) from raw rows."""
    with db.engine.begin() as connection:
        return rollups.rebuild(connection, start, end)


def check(start: date | None = None, end: date | None = None) -> list[rollups.Drift]:
    """Return every rollup row that differs from a recount of raw rows (none expected)."""
    with db.engine.connect() as connection:
        return rollups.check(connection, start, end)


@dataclass(frozen=True)
class RetentionSummary:
    """What a retention run removed."""

    before: date
    flow_entries: int
    interviews: int
    dry_run: bool


def retention_cutoff(years: int, today: date | None = None) -> date:
    """Return the first day kept when raw rows older than `years` years are removed."""
    today = today or local_today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def apply_retention(years: int, *, dry_run: bool = False, run_by: str = "",
                    today: date | None = None) -> RetentionSummary:
    """Remove raw rows dated before the cutoff; the rollups keep every figure of those days."""
    if years < 1:
        raise ValueError("retention keeps at least one year of raw rows")
    before = retention_cutoff(years, today)
    counted = {
        "flow": db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)
                                  .where(FlowEntry.local_date < before)),
        "interviews": db.session.scalar(sa.select(sa.func.count()).select_from(Interview)
                                        .where(Interview.local_date < before)),
    }
    summary = RetentionSummary(before, counted["flow"], counted["interviews"], dry_run)
    if dry_run:
        return summary
    session = db.session
    # Visible to this transaction only: the triggers stand aside while it deletes.
    session.execute(rollup_pause.insert().values(id=1))
    flows = session.execute(sa.delete(FlowEntry).where(FlowEntry.local_date < before)).rowcount
    # Themes, outcomes and the reorientations they made go by ON DELETE CASCADE.
    held = session.execute(sa.delete(Interview).where(Interview.local_date < before)).rowcount
    session.execute(rollup_pause.delete())
    session.add(RetentionRun(before=before, flow_entries=flows, interviews=held, run_by=run_by))
    session.add(AuditEvent(action="retention", target_type="raw_rows",
                           target_id=before.isoformat(),
                           changes={"before": before.isoformat(), "flow_entries": flows,
                                    "interviews": held, "run_by": run_by}))
    session.commit()
    return RetentionSummary(before, flows, held, False)


def retention_runs(limit: int = 20) -> list[RetentionRun]:
    """Return the latest retention runs, newest first (the admin sees what was removed)."""
    return list(db.session.scalars(
        sa.select(RetentionRun).order_by(RetentionRun.ran_at.desc()).limit(limit)))
