"""Runs: claim a (job, period) row, run the body in a staging folder, publish, record.

Exactly-once rests on the database, not on the scheduler: each run first claims its
``(job, period_key)`` row in ``job_runs`` by INSERT, and the unique constraint makes every
other claimant (another host's scheduler, a second process started by mistake) skip. A run
left ``running`` may be reclaimed, by a compare-and-swap UPDATE that again lets only one
claimant win: at once when the row names a process of this host that no longer exists
(``host`` holds ``hostname:pid``), after ``JOB_STALE_MINUTES`` otherwise (another host's
process cannot be checked from here).

Manual runs (the ``report`` commands, the Reports page) are recorded as job
``<job>:manual`` with period key ``<period>#<random>``: each is its own row, they never
block each other nor the scheduled run of the same period.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import JobRun
from app.timeutil import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MANUAL_SUFFIX = ":manual"
MAX_ERROR_CHARS = 4000
STAGING = re.compile(r"^\.run-(\d+)-[0-9a-f]+$")


class Skipped(Exception):
    """A body that deliberately did nothing; the message says why (recorded, not an error)."""


@dataclass
class RunOutcome:
    """What a run attempt did: success, failed, skipped (body chose), or taken (elsewhere)."""

    job: str
    period_key: str
    status: str
    run_id: int | None = None
    files: list[str] = field(default_factory=list)
    error: str = ""


def _host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def process_gone(host: str) -> bool:
    """Tell whether host ('hostname:pid') names a process of this machine that has ended."""
    name, _sep, pid_text = (host or "").rpartition(":")
    if name != socket.gethostname()[:120 - len(pid_text) - 1] or not pid_text.isdigit():
        return False  # another machine's process: only the stale timeout can tell
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


def stale_after() -> timedelta:
    """Return how long another host's run may stay 'running' before it is reclaimed."""
    return timedelta(minutes=int(current_app.config.get("JOB_STALE_MINUTES", 60)))


def reclaimable(status: str, started_at: datetime, host: str, now: datetime,
                stale: timedelta) -> bool:
    """Tell whether a 'running' row was abandoned: its process died, or it is too old."""
    return status == "running" and (started_at < now - stale or process_gone(host))


def claim(job: str, period_key: str, now: datetime, *, stale_after: timedelta,
          retry_failed: bool = False) -> int | None:
    """Claim the (job, period) row; return its id, or None when another claimant holds it."""
    table = JobRun.__table__
    # Its own connection and transaction: the claim must be committed, and visible to the
    # other claimants, before the long body starts.
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn:
        try:
            with conn.begin():
                result = conn.execute(sa.insert(table).values(
                    job=job, period_key=period_key, status="running", started_at=now,
                    finished_at=None, error="", files=[], host=_host()))
                return result.inserted_primary_key[0]
        except sa.exc.IntegrityError:
            pass  # the unique constraint arbitrated: someone holds this period already
        with conn.begin():
            row = conn.execute(sa.select(table.c.id, table.c.status, table.c.started_at,
                                         table.c.host).where(
                table.c.job == job, table.c.period_key == period_key)).one_or_none()
            if row is None:
                return None
            abandoned = reclaimable(row.status, row.started_at, row.host, now, stale_after)
            # "stale": a report whose figures were corrected since (app.jobs.honest).
            if not (abandoned or row.status == "stale"
                    or (retry_failed and row.status == "failed")):
                return None
            # Compare-and-swap: of several reclaimers, only the first matches the old row.
            swapped = conn.execute(
                sa.update(table)
                .where(table.c.id == row.id, table.c.status == row.status,
                       table.c.started_at == row.started_at)
                .values(status="running", started_at=now, finished_at=None, error="",
                        files=[], host=_host()))
            if swapped.rowcount != 1:
                return None
            log.warning("Reclaimed %s %s (was %s since %s on %s)", job, period_key, row.status,
                        row.started_at, row.host)
            return row.id


def _finish(run_id: int, status: str, now: datetime, *, error: str = "",
            files: list[str] | None = None) -> None:
    table = JobRun.__table__
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        conn.execute(sa.update(table).where(table.c.id == run_id).values(
            status=status, finished_at=now, error=error[:MAX_ERROR_CHARS], files=files or []))


def _publish(paths: Iterable[Path], staging: Path, reports_dir: Path) -> list[str]:
    """Move what the body wrote in staging into REPORTS_DIR; return names relative to it."""
    published = []
    for path in paths:
        path = Path(path)
        if path.is_relative_to(staging):
            final = reports_dir / path.relative_to(staging)
            final.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir() and final.is_dir():
                # A folder (the bilan's static export) replaces the one of an earlier run.
                shutil.rmtree(final)
            # Atomic on one filesystem: the Reports page never lists a half-written file.
            os.replace(path, final)
        else:
            final = path
        published.append(final.relative_to(reports_dir).as_posix()
                         if final.is_relative_to(reports_dir) else str(final))
    return published


def run_once(job: str, period_key: str, body: Callable[[Path], list[Path]], *,
             clock: Clock = utcnow, retry_failed: bool = False) -> RunOutcome:
    """Run body for (job, period) unless another claimant has it; record the run."""
    run_id = claim(job, period_key, clock(), stale_after=stale_after(),
                   retry_failed=retry_failed)
    if run_id is None:
        log.info("%s %s: already done or running elsewhere, skipped", job, period_key)
        return RunOutcome(job, period_key, "taken")
    reports_dir = Path(current_app.config["REPORTS_DIR"])
    reports_dir.mkdir(parents=True, exist_ok=True)
    staging = reports_dir / f".run-{run_id}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        files = _publish(body(staging), staging, reports_dir)
    except Skipped as exc:
        status = getattr(exc, "status", "skipped")
        _finish(run_id, status, clock(), error=str(exc))
        return RunOutcome(job, period_key, status, run_id, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure must be recorded, not lost
        log.exception("%s %s failed", job, period_key)
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"
        _finish(run_id, "failed", clock(), error=error)
        return RunOutcome(job, period_key, "failed", run_id, error=error)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        # Bodies read through the session: end that read so SQLite can checkpoint.
        db.session.remove()
    _finish(run_id, "success", clock(), files=files)
    log.info("%s %s: wrote %s", job, period_key, ", ".join(files) or "nothing")
    return RunOutcome(job, period_key, "success", run_id, files)


def manual_key(period: str) -> str:
    """Return a unique period key for a run started by hand (see the module docstring)."""
    token = secrets.token_hex(3)
    return f"{period[:40 - len(token) - 1]}#{token}"


def run_manual(job: str, period: str, body: Callable[[Path], list[Path]], *,
               clock: Clock = utcnow) -> RunOutcome:
    """Run a job by hand: always runs, recorded as its own '<job>:manual' row."""
    return run_once(f"{job}{MANUAL_SUFFIX}", manual_key(period), body, clock=clock)


def expire_stale_manual_runs(now: datetime) -> int:
    """Mark as failed the runs nobody will finish; return how many.

    Those are manual runs stuck in 'running' past the timeout or whose process of this
    host died, and scheduled runs whose process died (a due one was just reclaimed and run
    again by the catch-up; one no longer due would otherwise read 'running' forever).
    """
    table = JobRun.__table__
    stale = stale_after()
    rows = db.session.execute(sa.select(table.c.id, table.c.job, table.c.started_at,
                                        table.c.host).where(table.c.status == "running")).all()
    db.session.rollback()
    doomed = [row.id for row in rows
              if process_gone(row.host)
              or (row.job.endswith(MANUAL_SUFFIX) and row.started_at < now - stale)]
    if not doomed:
        return 0
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        result = conn.execute(
            sa.update(table).where(table.c.id.in_(doomed), table.c.status == "running")
            .values(status="failed", finished_at=now,
                    error="interrupted: the process running it stopped before the end"))
        return result.rowcount


def clean_staging() -> list[Path]:
    """Delete the staging folders of runs no process is still writing; return them."""
    reports_dir = Path(current_app.config["REPORTS_DIR"])
    if not reports_dir.is_dir():
        return []
    folders = {int(match.group(1)): path for path in reports_dir.iterdir()
               if path.is_dir() and (match := STAGING.match(path.name))}
    if not folders:
        return []
    table = JobRun.__table__
    alive = {row.id for row in db.session.execute(
        sa.select(table.c.id, table.c.host).where(
            table.c.id.in_(list(folders)), table.c.status == "running"))
        if not process_gone(row.host)}
    db.session.rollback()
    removed = [path for run_id, path in folders.items() if run_id not in alive]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
        log.warning("Removed the staging folder %s left by an interrupted run", path.name)
    return removed
