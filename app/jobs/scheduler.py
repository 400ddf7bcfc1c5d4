"""The schedule: each job's cron rule, the periods due derived from it, catch-up, APScheduler.

The scheduler keeps its jobs in memory (a pickling job store in the database would let
whoever can write there run code: PITFALLS) and forgets runs missed while it was down, so
at start, and every hour, :func:`catch_up` computes the periods that should have run and
runs those that have no row yet. Which periods are due is read from the same cron trigger
APScheduler fires, never from a second copy of its rules: on the night clocks go forward
the 02:30 backup fires at 03:30, and the catch-up agrees.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from app.extensions import db
from app.jobs import bodies, honest
from app.jobs.periods import Period, day_period, month_before, week_before, year_before
from app.jobs.runs import (
    Clock,
    RunOutcome,
    clean_staging,
    expire_stale_manual_runs,
    log,
    reclaimable,
    run_once,
    stale_after,
)
from app.models import JobRun
from app.timeutil import PARIS, to_local, utcnow

# Fire times, Paris local time.
WEEKLY_CRON = {"day_of_week": "mon", "hour": 7, "minute": 0}
MONTHLY_CRON = {"day": 1, "hour": 6, "minute": 0}
ANNUAL_CRON = {"month": 1, "day": 2, "hour": 6, "minute": 0}
BACKUP_CRON = {"hour": 2, "minute": 30}


def fire_times(cron: dict, now: datetime, count: int) -> list[datetime]:
    """Return the last `count` instants at or before now when cron fired, oldest first."""
    trigger = CronTrigger(timezone=PARIS, **cron)
    limit = now.astimezone(timezone.utc)
    lookback = timedelta(days=2)
    while True:
        fires: list[datetime] = []
        fire = trigger.get_next_fire_time(None, now - lookback)
        # Compared in UTC: two Paris times compare by wall clock, wrong across a DST change.
        while fire is not None and fire.astimezone(timezone.utc) <= limit:
            fires.append(fire)
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if len(fires) >= count or lookback > timedelta(days=400 * (count + 1)):
            return fires[-count:]
        lookback *= 4


def _due(cron: dict, period_of: Callable[[date], Period]):
    def due(now: datetime, count: int) -> list[Period]:
        return [period_of(to_local(fire).date()) for fire in fire_times(cron, now, count)]

    return due


# The periods whose run is due at an instant, oldest first: what the last `count` firings
# of each rule report on.
due_weeks = _due(WEEKLY_CRON, week_before)
due_weeks.__doc__ = "Return the last `count` weeks whose Monday 07:00 summary is due."
due_months = _due(MONTHLY_CRON, month_before)
due_months.__doc__ = "Return the last `count` months whose report (the 1st, 06:00) is due."
due_years = _due(ANNUAL_CRON, year_before)
due_years.__doc__ = "Return the last `count` years whose annual report (2 January, 06:00) is due."
due_backups = _due(BACKUP_CRON, day_period)
due_backups.__doc__ = "Return the nights whose 02:30 backup is due (older ones cannot be made)."


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: its cron rule, the periods due at an instant, and its body."""

    name: str
    cron: dict
    due: Callable[[datetime, int], list[Period]]
    window: int
    body: bodies.Body
    misfire_grace_seconds: int = 6 * 3600
    # A report: a period without figures is recorded as empty, not compiled (issue 12).
    requires_figures: bool = False


def default_specs() -> dict[str, JobSpec]:
    """Return the four scheduled jobs, keyed by name."""
    # Bodies looked up at call time in the package's namespace (app.jobs.weekly_body...),
    # the names the rest of the app uses, so a test or a deployment can replace one there.
    package = sys.modules["app.jobs"]
    specs = [
        JobSpec("weekly", WEEKLY_CRON, due_weeks, 2, package.weekly_body,
                requires_figures=True),
        JobSpec("monthly", MONTHLY_CRON, due_months, 2, package.monthly_body,
                requires_figures=True),
        JobSpec("annual", ANNUAL_CRON, due_years, 1, package.annual_body,
                requires_figures=True),
        JobSpec("backup", BACKUP_CRON, due_backups, 1, package.backup_body,
                misfire_grace_seconds=2 * 3600),
    ]
    return {spec.name: spec for spec in specs}


def catch_up(*, clock: Clock = utcnow, specs: dict[str, JobSpec] | None = None,
             only: Iterable[str] | None = None, retry_failed: bool = False) -> list[RunOutcome]:
    """Run every due period that has no finished run yet; return what was attempted."""
    specs = specs or default_specs()
    now = clock()
    stale = stale_after()
    clean_staging()
    outcomes = []
    table = JobRun.__table__
    for name in only or specs:
        spec = specs[name]
        periods = spec.due(now, spec.window)
        # A read first, so the usual "already done" case does not raise and log a
        # unique violation every hour; the claim stays the arbiter.
        known = {row.period_key: row for row in db.session.execute(
            sa.select(table.c.period_key, table.c.status, table.c.started_at, table.c.host)
            .where(table.c.job == name, table.c.period_key.in_([p.key for p in periods])))}
        db.session.rollback()
        for period in periods:
            row = known.get(period.key)
            if row is not None and not (
                reclaimable(row.status, row.started_at, row.host, now, stale)
                or (retry_failed and row.status == "failed")
            ):
                continue
            outcomes.append(_run_report(spec, period, clock, retry_failed))
    outcomes += _recompile_stale(specs, only, clock)
    _deliver(specs, only, now, clock)
    expire_stale_manual_runs(now)
    return outcomes


def _deliver(specs: dict[str, JobSpec], only, now: datetime, clock: Clock) -> None:
    """E-mail each subscriber the latest due period of its report (app.subscriptions)."""
    from app.jobs.deliveries import deliver_due

    due = {name: specs[name].due(now, 1)[-1] for name in (only or specs)
           if name in specs and specs[name].requires_figures}
    if due:
        deliver_due(due, clock)


def _run_report(spec: JobSpec, period: Period, clock: Clock, retry_failed: bool) -> RunOutcome:
    """Run one scheduled period; a report of a period without figures is recorded as empty."""
    if not spec.requires_figures:
        return run_once(spec.name, period.key, lambda out: spec.body(period, out),
                        clock=clock, retry_failed=retry_failed)
    outcome = run_once(spec.name, period.key, honest.guarded(spec.body, period), clock=clock,
                       retry_failed=retry_failed)
    honest.stamp(outcome, period)
    return outcome


def _recompile_stale(specs: dict[str, JobSpec], only, clock: Clock) -> list[RunOutcome]:
    """Mark stale the reports whose figures were corrected, and compile them again."""
    names = [name for name in (only or specs) if name in specs and specs[name].requires_figures]
    honest.mark_stale(clock)
    return [_run_report(specs[job], honest.period_of(job, key), clock, False)
            for job, key in honest.stale_reports(names)]


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
        # Runs a killed scheduler left 'running' on this host are taken back at once (their
        # pid is gone) and their staging folders removed, not after JOB_STALE_MINUTES.
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
    log.info("scheduler started")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown(wait=True)
