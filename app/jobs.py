"""Scheduled jobs: what each writes, for which period, run exactly once per period.

Exactly-once rests on the database, not on the scheduler: each run first claims its
``(job, period_key)`` row in ``job_runs`` by INSERT, and the unique constraint makes every
other claimant (another gunicorn host's scheduler, a second process started by mistake)
skip. A run left ``running`` by a crashed process for longer than ``JOB_STALE_MINUTES``
may be reclaimed, by a compare-and-swap UPDATE that again lets only one claimant win.

The scheduler keeps its jobs in memory (a pickling job store in the database would let
whoever can write there run code: PITFALLS) and forgets runs missed while it was down, so
at start, and every hour, :func:`catch_up` computes the periods that should have run and
runs those that have no row yet.

Manual runs (the ``report`` commands, the Reports page) are recorded as job
``<job>:manual`` with period key ``<period>#<random>``: each is its own row, they never
block each other nor the scheduled run of the same period.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models import JobRun
from app.timeutil import PARIS, to_local, utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# progress(label, steps done, steps in all), as app.exports.service calls it.
Progress = Callable[[str, int, int], None]
# A job body writes its files into out_dir and returns their paths.
Body = Callable[..., list[Path]]

MANUAL_SUFFIX = ":manual"
BACKUP_DIR = "backups"
MAX_ERROR_CHARS = 4000


class Skipped(Exception):
    """A body that deliberately did nothing; the message says why (recorded, not an error)."""


# ---------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A reporting period: its key in job_runs and its first and last Paris days."""

    key: str
    start: date
    end: date


def week_period(year: int, week: int) -> Period:
    """Return ISO week `week` of ISO year `year` (Monday to Sunday)."""
    monday = date.fromisocalendar(year, week, 1)
    return Period(f"{year}-W{week:02d}", monday, monday + timedelta(days=6))


def week_of(day: date) -> Period:
    """Return the ISO week holding day."""
    year, week, _ = day.isocalendar()
    return week_period(year, week)


def parse_week(text: str) -> Period:
    """Parse '2025-W10'; raise ValueError otherwise."""
    try:
        year_text, week_text = text.strip().upper().split("-W")
        return week_period(int(year_text), int(week_text))
    except (ValueError, TypeError):
        raise ValueError(f"not an ISO week like 2025-W10: {text!r}") from None


def same_week_last_year(period: Period) -> Period:
    """Return the week with the same ISO number a year earlier (week 52 stands in for 53)."""
    year, week, _ = period.start.isocalendar()
    try:
        return week_period(year - 1, week)
    except ValueError:
        return week_period(year - 1, 52)


def month_period(year: int, month: int) -> Period:
    """Return calendar month `month` of `year`."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(f"{year}-{month:02d}", first, following - timedelta(days=1))


def parse_month(text: str) -> Period:
    """Parse '2025-03'; raise ValueError otherwise."""
    try:
        year_text, month_text = text.strip().split("-")
        return month_period(int(year_text), int(month_text))
    except (ValueError, TypeError):
        raise ValueError(f"not a month like 2025-03: {text!r}") from None


def shift_month(period: Period, months: int) -> Period:
    """Return the month `months` away from period (negative: earlier)."""
    index = period.start.year * 12 + period.start.month - 1 + months
    return month_period(index // 12, index % 12 + 1)


def year_period(year: int) -> Period:
    """Return calendar year `year`."""
    return Period(str(year), date(year, 1, 1), date(year, 12, 31))


def day_period(day: date) -> Period:
    """Return one Paris day."""
    return Period(day.isoformat(), day, day)


# Fire times, Paris local time. The due computations below mirror these cron rules.
WEEKLY_AT = time(7, 0)     # Mondays
MONTHLY_AT = time(6, 0)    # the 1st
ANNUAL_AT = time(6, 0)     # 2 January
BACKUP_AT = time(2, 30)    # every night


def due_weeks(now: datetime, count: int) -> list[Period]:
    """Return the last `count` weeks whose Monday-07:00 summary is due at now, oldest first."""
    local = to_local(now)
    this_week = week_of(local.date())
    fired = local.weekday() > 0 or local.time() >= WEEKLY_AT
    last = this_week.start - timedelta(days=7 if fired else 14)
    return [week_of(last - timedelta(days=7 * back)) for back in reversed(range(count))]


def due_months(now: datetime, count: int) -> list[Period]:
    """Return the last `count` months whose report (the 1st, 06:00) is due, oldest first."""
    local = to_local(now)
    this_month = month_period(local.year, local.month)
    fired = local.day > 1 or local.time() >= MONTHLY_AT
    last = shift_month(this_month, -1 if fired else -2)
    return [shift_month(last, -back) for back in reversed(range(count))]


def due_years(now: datetime, count: int) -> list[Period]:
    """Return the last `count` years whose annual report (2 January, 06:00) is due."""
    local = to_local(now)
    fired = (local.month, local.day, local.time()) >= (1, 2, ANNUAL_AT)
    last = local.year - (1 if fired else 2)
    return [year_period(last - back) for back in reversed(range(count))]


def due_backups(now: datetime, count: int) -> list[Period]:
    """Return the latest night whose 02:30 backup is due (older nights cannot be backed up)."""
    local = to_local(now)
    day = local.date() if local.time() >= BACKUP_AT else local.date() - timedelta(days=1)
    return [day_period(day)]


# ---------------------------------------------------------------------------- bodies


def _site_code() -> str | None:
    # None: the whole network (main site and associated centres).
    return current_app.config.get("REPORT_SITE_CODE")


def weekly_body(period: Period, out_dir: Path, progress: Progress | None = None) -> list[Path]:
    """Write the weekly summary, beside the week before and the same week last year."""
    from app.exports.service import write_period_report

    before = week_of(period.start - timedelta(days=7))
    last_year = same_week_last_year(period)
    return _as_list(write_period_report(
        "hebdo", period.start, period.end, _site_code(), out_dir,
        compare=[(f"Semaine précédente ({before.key})", before.start, before.end),
                 (f"Même semaine l'an dernier ({last_year.key})", last_year.start, last_year.end)],
    ))


def monthly_body(period: Period, out_dir: Path, progress: Progress | None = None) -> list[Path]:
    """Write the monthly report, beside the month before and the same month last year."""
    from app.exports.service import write_period_report

    before = shift_month(period, -1)
    last_year = shift_month(period, -12)
    return _as_list(write_period_report(
        "mensuel", period.start, period.end, _site_code(), out_dir,
        compare=[(f"Mois précédent ({before.key})", before.start, before.end),
                 (f"Même mois l'an dernier ({last_year.key})", last_year.start, last_year.end)],
    ))


def annual_body(period: Period, out_dir: Path, progress: Progress | None = None,
                site_code: str | None = None, editions: Iterable[str] = ("internal", "public"),
                ) -> list[Path]:
    """Write the annual activity report of the year, in each edition."""
    from app.exports.service import write_annual_report

    written: list[Path] = []
    for edition in editions:
        written += _as_list(write_annual_report(period.start.year, site_code or _site_code(),
                                                edition, out_dir, progress=progress))
    return written


def raw_body(start: date, end: date, site_code: str | None, out_dir: Path) -> list[Path]:
    """Write the raw export (one row per arrival, reorientation, interview) of start..end."""
    from app.exports.service import write_raw_export

    return _as_list(write_raw_export(start, end, site_code, out_dir))


def partner_body(partner_code: str, year: int, out_dir: Path) -> list[Path]:
    """Write a partner's own activity report for year."""
    from app.exports.service import write_partner_report

    return _as_list(write_partner_report(partner_code, year, out_dir))


def _as_list(written) -> list[Path]:
    # A writer may return one path or several.
    return [written] if isinstance(written, (str, Path)) else list(written)


def backup_body(period: Period, out_dir: Path, progress: Progress | None = None,
                which: Callable[[str], str | None] = shutil.which) -> list[Path]:
    """Back the database up into REPORTS_DIR/backups, keeping the latest BACKUP_KEEP copies."""
    target_dir = Path(current_app.config["REPORTS_DIR"]) / BACKUP_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    written = backup_database(db.engine.url, target_dir, period.key, which=which)
    rotate_backups(target_dir, int(current_app.config.get("BACKUP_KEEP", 14)))
    return [written]


def backup_database(url: sa.URL, target_dir: Path, stamp: str,
                    which: Callable[[str], str | None] = shutil.which) -> Path:
    """Write a consistent copy of the database named after stamp; raise Skipped if impossible."""
    if url.get_backend_name() == "sqlite":
        final = target_dir / f"affluence-{stamp}.sqlite3"
        partial = target_dir / f".{final.name}.partial"
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(url.database, timeout=30)
        try:
            # VACUUM INTO copies a consistent snapshot without blocking writers (PITFALLS:
            # never copy the file), then the checkpoint keeps the WAL from growing.
            source.execute("VACUUM INTO ?", (str(partial),))
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            source.close()
        os.replace(partial, final)
        return final
    if url.get_backend_name() == "postgresql":
        pg_dump = which("pg_dump")
        if pg_dump is None:
            raise Skipped("skipped: pg_dump not found on this host; use the server's own backups")
        final = target_dir / f"affluence-{stamp}.pgdump"
        partial = target_dir / f".{final.name}.partial"
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)  # never on the command line, where ps shows it
        plain = url.set(drivername="postgresql", password=None)
        completed = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={partial}",
             f"--dbname={plain.render_as_string(hide_password=False)}"],
            env=env, capture_output=True, text=True, timeout=3600, check=False,
        )
        if completed.returncode != 0:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"pg_dump failed: {completed.stderr.strip()[-1000:]}")
        os.replace(partial, final)
        return final
    raise Skipped(f"skipped: no backup method for {url.get_backend_name()}")


def rotate_backups(target_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; return the deleted paths."""
    backups = sorted(p for p in target_dir.glob("affluence-*") if p.is_file())
    # Names carry the ISO date, so name order is age order.
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: its cron rule, the periods due at an instant, and its body."""

    name: str
    cron: dict
    due: Callable[[datetime, int], list[Period]]
    window: int
    body: Body
    misfire_grace_seconds: int = 6 * 3600


def default_specs() -> dict[str, JobSpec]:
    """Return the four scheduled jobs, keyed by name."""
    specs = [
        JobSpec("weekly", {"day_of_week": "mon", "hour": WEEKLY_AT.hour, "minute": WEEKLY_AT.minute},
                due_weeks, 2, weekly_body),
        JobSpec("monthly", {"day": 1, "hour": MONTHLY_AT.hour, "minute": MONTHLY_AT.minute},
                due_months, 2, monthly_body),
        JobSpec("annual", {"month": 1, "day": 2, "hour": ANNUAL_AT.hour,
                           "minute": ANNUAL_AT.minute}, due_years, 1, annual_body),
        JobSpec("backup", {"hour": BACKUP_AT.hour, "minute": BACKUP_AT.minute},
                due_backups, 1, backup_body, misfire_grace_seconds=2 * 3600),
    ]
    return {spec.name: spec for spec in specs}


# ---------------------------------------------------------------------------- runs


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


def _stale_after() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("JOB_STALE_MINUTES", 60)))


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
            row = conn.execute(sa.select(table.c.id, table.c.status, table.c.started_at).where(
                table.c.job == job, table.c.period_key == period_key)).one_or_none()
            if row is None:
                return None
            stale = row.status == "running" and row.started_at < now - stale_after
            if not (stale or (retry_failed and row.status == "failed")):
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
            log.warning("Reclaimed %s %s (was %s since %s)", job, period_key, row.status,
                        row.started_at)
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
    run_id = claim(job, period_key, clock(), stale_after=_stale_after(),
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
        _finish(run_id, "skipped", clock(), error=str(exc))
        return RunOutcome(job, period_key, "skipped", run_id, error=str(exc))
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
    """Mark manual runs stuck in 'running' (their process died) as failed; return how many."""
    table = JobRun.__table__
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        result = conn.execute(
            sa.update(table)
            .where(table.c.job.like(f"%{MANUAL_SUFFIX}"), table.c.status == "running",
                   table.c.started_at < now - _stale_after())
            .values(status="failed", finished_at=now,
                    error="interrupted: the process running it stopped before the end"))
        return result.rowcount


def catch_up(*, clock: Clock = utcnow, specs: dict[str, JobSpec] | None = None,
             only: Iterable[str] | None = None, retry_failed: bool = False) -> list[RunOutcome]:
    """Run every due period that has no finished run yet; return what was attempted."""
    specs = specs or default_specs()
    now = clock()
    stale_after = _stale_after()
    outcomes = []
    for name in only or specs:
        spec = specs[name]
        periods = spec.due(now, spec.window)
        table = JobRun.__table__
        # A read first, so the usual "already done" case does not raise and log a
        # unique violation every hour; the claim stays the arbiter.
        known = {row.period_key: row for row in db.session.execute(
            sa.select(table.c.period_key, table.c.status, table.c.started_at).where(
                table.c.job == name, table.c.period_key.in_([p.key for p in periods])))}
        db.session.rollback()
        for period in periods:
            row = known.get(period.key)
            if row is not None and not (
                (row.status == "running" and row.started_at < now - stale_after)
                or (retry_failed and row.status == "failed")
            ):
                continue
            outcomes.append(run_once(
                name, period.key, lambda out, s=spec, p=period: s.body(p, out),
                clock=clock, retry_failed=retry_failed))
    expire_stale_manual_runs(now)
    return outcomes


# ---------------------------------------------------------------------------- scheduler


def _run_due(app: Flask, name: str) -> None:
    with app.app_context():
        catch_up(only=[name])


def _sweep(app: Flask) -> None:
    with app.app_context():
        catch_up()


def build_scheduler(app: Flask, specs: dict[str, JobSpec] | None = None):
    """Build the blocking scheduler: one cron job per spec and an hourly catch-up sweep."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    specs = specs or default_specs()
    scheduler = BlockingScheduler(
        # In memory: nothing pickled into the database; catch_up() makes up for restarts.
        jobstores={"default": MemoryJobStore()},
        # One worker: a backup never runs beside a report compiling on the same database.
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=PARIS,
    )
    for spec in specs.values():
        # The body computes its periods from the clock, so a late run (within the grace
        # time) still does the right period; beyond it, the hourly sweep catches up.
        scheduler.add_job(_run_due, CronTrigger(timezone=PARIS, **spec.cron), args=(app, spec.name),
                          id=spec.name, name=spec.name, coalesce=True, max_instances=1,
                          misfire_grace_time=spec.misfire_grace_seconds)
    scheduler.add_job(_sweep, IntervalTrigger(hours=1, timezone=PARIS), args=(app,),
                      id="sweep", name="sweep", coalesce=True, max_instances=1,
                      misfire_grace_time=3600)
    return scheduler


def run_scheduler(app: Flask, echo: Callable[[str], None] = print) -> None:
    """Catch up on missed runs, then run the scheduler in the foreground until signalled."""
    with app.app_context():
        for outcome in catch_up(retry_failed=True):
            echo(f"catch-up {outcome.job} {outcome.period_key}: {outcome.status}"
                 + (f" ({outcome.error})" if outcome.error else ""))
    scheduler = build_scheduler(app)

    def stop(signum, _frame):
        echo(f"signal {signum}: stopping the scheduler after the running job")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    now = to_local(utcnow())
    for job in scheduler.get_jobs():
        echo(f"{job.id}: next run {job.trigger.get_next_fire_time(None, now):%Y-%m-%d %H:%M %Z}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown(wait=True)
