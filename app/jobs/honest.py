"""Honest scheduled reports: a period without data says so, a corrected period is compiled again.

A scheduled report of a period where nothing was counted is recorded as "empty" (with the
reason), never as a success full of zeros. Each report compiled is stamped with a
fingerprint of its period's figures (app.figures.trend.fingerprint); at each scheduler
pass the fingerprints are taken again, and a report whose figures changed since (an undo,
an interview corrected or deleted, an import, whatever path wrote it) is marked stale and
compiled again. An "empty" period that has figures now is compiled too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.figures import trend
from app.figures.scope import Scope
from app.jobs.periods import Period, parse_month, parse_week, year_period
from app.jobs.runs import Clock, RunOutcome, Skipped, log
from app.models import JobRun, ReportStamp, Site
from app.timeutil import utcnow

# The scheduled reports whose figures are checked (the backup has none).
REPORT_JOBS = ("weekly", "monthly", "annual")
EMPTY, STALE = "empty", "stale"


class NoData(Skipped):
    """The period holds no figure: nothing was compiled (recorded as "empty")."""

    status = EMPTY


def period_of(job: str, key: str) -> Period:
    """Return the period a scheduled report's key names."""
    if job == "weekly":
        return parse_week(key)
    if job == "monthly":
        return parse_month(key)
    return year_period(int(key))


def report_scope(period: Period) -> Scope:
    """Return the scope the scheduled reports count over (REPORT_SITE_CODE, else every site)."""
    code = current_app.config.get("REPORT_SITE_CODE")
    site_ids = None
    if code:
        site_ids = tuple(db.session.scalars(sa.select(Site.id).where(Site.code == code)))
    return Scope(period.start, period.end, site_ids)


def guarded(body: Callable[[Period, Path], list[Path]], period: Period
            ) -> Callable[[Path], list[Path]]:
    """Return the body of a scheduled report that refuses a period without any figure."""

    def run(out: Path) -> list[Path]:
        scope = report_scope(period)
        if not trend.has_figures(scope):
            db.session.rollback()
            raise NoData(f"Aucune donnée du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} : "
                         "rien n'a été compilé.")
        db.session.rollback()
        return body(period, out)

    return run


def stamp(outcome: RunOutcome, period: Period) -> None:
    """Record the fingerprint of the figures a successful report was compiled from."""
    if outcome.status != "success" or outcome.run_id is None:
        return
    fingerprint = trend.fingerprint(report_scope(period))
    db.session.rollback()
    table = ReportStamp.__table__
    # Its own write transaction, taken at once (PITFALLS: a read then a write under SQLite
    # fails when a tablet's insert got in between).
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        conn.execute(sa.delete(table).where(table.c.run_id == outcome.run_id))
        conn.execute(sa.insert(table).values(run_id=outcome.run_id, fingerprint=fingerprint))


def mark_stale(clock: Clock = utcnow) -> list[tuple[str, str]]:
    """Mark stale every compiled report whose period's figures changed; return (job, key)."""
    table = JobRun.__table__
    runs = db.session.execute(
        sa.select(table.c.id, table.c.job, table.c.period_key, table.c.status,
                  ReportStamp.fingerprint)
        .outerjoin(ReportStamp, ReportStamp.run_id == table.c.id)
        .where(table.c.job.in_(REPORT_JOBS), table.c.status.in_(("success", EMPTY)))).all()
    changed = []
    for run in runs:
        try:
            period = period_of(run.job, run.period_key)
        except ValueError:
            continue
        scope = report_scope(period)
        if run.status == EMPTY:
            moved = trend.has_figures(scope)
        else:
            # A report compiled before stamps existed is taken as it is.
            moved = run.fingerprint is not None and trend.fingerprint(scope) != run.fingerprint
        if moved:
            changed.append((run.id, run.job, run.period_key))
    db.session.rollback()
    if not changed:
        return []
    now = clock()
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        for run_id, job, key in changed:
            conn.execute(sa.update(table).where(table.c.id == run_id,
                                                table.c.status.in_(("success", EMPTY)))
                         .values(status=STALE, error="Chiffres corrigés depuis la compilation : "
                                 "compilé de nouveau au prochain passage."))
            conn.execute(sa.update(ReportStamp.__table__)
                         .where(ReportStamp.run_id == run_id).values(stale_since=now))
            log.info("%s %s: figures changed since it was compiled, marked stale", job, key)
    return [(job, key) for _id, job, key in changed]


def stale_reports(jobs: list[str]) -> list[tuple[str, str]]:
    """Return (job, period key) of the reports waiting to be compiled again."""
    table = JobRun.__table__
    rows = db.session.execute(sa.select(table.c.job, table.c.period_key).where(
        table.c.job.in_(jobs), table.c.status == STALE).order_by(table.c.id)).all()
    db.session.rollback()
    return [(row.job, row.period_key) for row in rows]
