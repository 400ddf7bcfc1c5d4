"""Scheduled jobs: the periods due, exactly-once runs, failures, catch-up, backups."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.models import JobRun
from app.timeutil import PARIS


def paris(*args) -> datetime:
    """Return a Paris wall-clock instant (the tests speak in the centre's local time)."""
    return datetime(*args, tzinfo=PARIS)


def fixed(instant: datetime):
    return lambda: instant


@pytest.fixture(autouse=True)
def empty_reports(app):
    """Start each test with an empty REPORTS_DIR."""
    root = Path(app.config["REPORTS_DIR"])
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    yield root


class FakeBody:
    """A job body that writes one small file per period and counts its calls."""

    def __init__(self, name="fake", fail=None, wait_for=None):
        self.name = name
        self.calls: list[str] = []
        self.fail = fail
        self.wait_for = wait_for
        self.lock = threading.Lock()

    def __call__(self, period, out_dir: Path, progress=None):
        key = period.key if hasattr(period, "key") else str(period)
        with self.lock:
            self.calls.append(key)
        if self.wait_for is not None:
            self.wait_for.wait(timeout=20)
        if self.fail:
            raise self.fail
        path = out_dir / f"{self.name}-{key}.txt"
        path.write_text(f"report {key}\n")
        return [path]


def fake_specs(**bodies) -> dict[str, jobs.JobSpec]:
    specs = jobs.default_specs()
    # Fake bodies write a file whatever the data: no check for figures (tests/test_honest.py).
    return {name: dataclasses.replace(spec, body=bodies.get(name) or FakeBody(name),
                                      requires_figures=False)
            for name, spec in specs.items()}


def runs(job: str | None = None) -> list[JobRun]:
    query = sa.select(JobRun).order_by(JobRun.job, JobRun.period_key)
    if job:
        query = query.where(JobRun.job == job)
    result = list(db.session.scalars(query))
    db.session.rollback()
    return result


# ---------------------------------------------------------------- which periods are due


@pytest.mark.parametrize("now, expected", [
    (paris(2025, 3, 10, 6, 59), "2025-W09"),   # Monday before 07:00: last week not yet
    (paris(2025, 3, 10, 7, 0), "2025-W10"),
    (paris(2025, 3, 16, 23, 59), "2025-W10"),  # Sunday night
    (paris(2026, 1, 5, 7, 0), "2026-W01"),     # ISO year 2026 starts on 29 Dec 2025
    (paris(2021, 1, 4, 8, 0), "2020-W53"),
])
def test_weekly_summary_is_due_for_the_last_complete_week(now, expected):
    assert jobs.due_weeks(now, 1)[-1].key == expected


def test_weekly_due_list_is_oldest_first_and_spans_monday_to_sunday():
    weeks = jobs.due_weeks(paris(2025, 3, 11, 9, 0), 2)
    assert [w.key for w in weeks] == ["2025-W09", "2025-W10"]
    assert (weeks[-1].start, weeks[-1].end) == (date(2025, 3, 3), date(2025, 3, 9))


@pytest.mark.parametrize("now, expected", [
    (paris(2025, 4, 1, 5, 59), "2025-02"),
    (paris(2025, 4, 1, 6, 0), "2025-03"),
    (paris(2025, 1, 1, 6, 0), "2024-12"),
    (paris(2025, 1, 1, 5, 0), "2024-11"),
])
def test_monthly_report_is_due_from_the_first_at_six(now, expected):
    assert jobs.due_months(now, 1)[-1].key == expected


def test_month_periods_end_on_the_last_day():
    assert jobs.parse_month("2024-02").end == date(2024, 2, 29)
    assert jobs.shift_month(jobs.parse_month("2025-01"), -12).key == "2024-01"


@pytest.mark.parametrize("now, expected", [
    (paris(2026, 1, 2, 5, 59), "2024"),
    (paris(2026, 1, 2, 6, 0), "2025"),
    (paris(2026, 12, 31, 23, 0), "2025"),
])
def test_annual_report_is_due_on_the_second_of_january(now, expected):
    assert jobs.due_years(now, 1)[-1].key == expected


def test_backup_is_due_for_the_last_night_at_half_past_two():
    assert jobs.due_backups(paris(2025, 3, 29, 2, 29), 1)[0].key == "2025-03-28"
    assert jobs.due_backups(paris(2025, 3, 29, 2, 30), 1)[0].key == "2025-03-29"
    # 30 March 2025: clocks jump from 02:00 to 03:00, and APScheduler fires the 02:30 job
    # at 03:30 (01:30 UTC). The catch-up reads the same trigger, so it agrees.
    assert jobs.due_backups(paris(2025, 3, 30, 3, 0), 1)[0].key == "2025-03-29"
    assert jobs.due_backups(paris(2025, 3, 30, 3, 30), 1)[0].key == "2025-03-30"


def test_due_periods_are_read_from_the_triggers_the_scheduler_fires(app):
    """Each job's due list ends with the period of the trigger's last firing."""
    by_id = {job.id: job for job in jobs.build_scheduler(app).get_jobs()}
    specs = jobs.default_specs()
    for now in (paris(2025, 3, 30, 3, 45), paris(2026, 1, 2, 6, 0), paris(2024, 12, 31, 23)):
        for name, spec in specs.items():
            last = jobs.fire_times(spec.cron, now, 1)[-1]
            # The scheduler's own trigger fires at that instant, and not again before now.
            trigger = by_id[name].trigger
            assert trigger.get_next_fire_time(None, last) == last
            following = trigger.get_next_fire_time(last, last + timedelta(seconds=1))
            assert following.timestamp() > now.timestamp()
            assert spec.due(now, 1) == [spec.due(last, 1)[-1]]


def test_same_week_last_year_falls_back_to_week_52():
    assert jobs.same_week_last_year(jobs.parse_week("2021-W10")).key == "2020-W10"
    assert jobs.same_week_last_year(jobs.parse_week("2020-W53")).key \
        == "2019-W52"


def test_bad_period_texts_are_refused():
    for text in ("2025-10", "2025-W60", "W10"):
        with pytest.raises(ValueError):
            jobs.parse_week(text)
    with pytest.raises(ValueError):
        jobs.parse_month("2025-13")


# ---------------------------------------------------------------- exactly once


def test_a_period_runs_once_and_its_file_lands_in_reports(app_ctx, empty_reports):
    body = FakeBody("hebdo")
    period = jobs.parse_week("2025-W10")
    first = jobs.run_once("weekly", period.key, lambda out: body(period, out),
                          clock=fixed(paris(2025, 3, 10, 7)))
    second = jobs.run_once("weekly", period.key, lambda out: body(period, out),
                           clock=fixed(paris(2025, 3, 10, 8)))
    assert (first.status, second.status) == ("success", "taken")
    assert body.calls == ["2025-W10"]
    assert (empty_reports / "hebdo-2025-W10.txt").read_text() == "report 2025-W10\n"
    [row] = runs("weekly")
    assert (row.period_key, row.status, row.files) == ("2025-W10", "success", ["hebdo-2025-W10.txt"])
    assert row.finished_at >= row.started_at
    # No staging folder is left behind.
    assert sorted(p.name for p in empty_reports.iterdir()) == ["hebdo-2025-W10.txt"]


def _race(app, targets):
    """Start every target at the same instant, each in its own thread and app context."""
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)
    errors = []

    def worker(index, target):
        with app.app_context():
            try:
                barrier.wait(timeout=20)
                results[index] = target()
            except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_workers_racing_for_one_period_run_the_body_once(app, app_ctx, empty_reports):
    loser_done = threading.Event()
    body = FakeBody("hebdo", wait_for=loser_done)
    period = jobs.parse_week("2025-W10")

    def attempt():
        outcome = jobs.run_once("weekly", period.key, lambda out: body(period, out),
                                clock=fixed(paris(2025, 3, 10, 7)))
        if outcome.status == "taken":
            loser_done.set()  # the winner's body waits for this: the two truly overlap
        return outcome

    outcomes = _race(app, [attempt, attempt])
    assert sorted(o.status for o in outcomes) == ["success", "taken"]
    assert body.calls == ["2025-W10"]
    assert [(r.period_key, r.status) for r in runs("weekly")] == [("2025-W10", "success")]
    assert [p.name for p in empty_reports.iterdir()] == ["hebdo-2025-W10.txt"]


def test_two_schedulers_catching_up_at_once_run_each_period_once(app, app_ctx, empty_reports):
    bodies = {name: FakeBody(name) for name in ("weekly", "monthly", "annual", "backup")}
    specs = fake_specs(**bodies)
    now = fixed(paris(2025, 3, 11, 9, 0))

    outcomes = _race(app, [lambda: jobs.catch_up(clock=now, specs=specs)] * 3)
    statuses = [o.status for result in outcomes for o in result]
    assert statuses.count("success") == 6  # 2 weeks, 2 months, 1 year, 1 night
    assert sorted(bodies["weekly"].calls) == ["2025-W09", "2025-W10"]
    assert sorted(bodies["monthly"].calls) == ["2025-01", "2025-02"]
    assert bodies["annual"].calls == ["2024"]
    assert bodies["backup"].calls == ["2025-03-11"]
    assert len(runs()) == 6
    assert len(list(empty_reports.iterdir())) == 6


def test_a_done_period_is_skipped_on_the_next_catch_up(app_ctx):
    specs = fake_specs()
    now = fixed(paris(2025, 3, 11, 9, 0))
    assert len(jobs.catch_up(clock=now, specs=specs)) == 6
    assert jobs.catch_up(clock=now, specs=specs) == []
    assert jobs.catch_up(clock=now, specs=specs, retry_failed=True) == []
    assert len(runs()) == 6


def test_a_failed_run_records_its_error_for_the_director(app_ctx, empty_reports):
    body = FakeBody("mensuel", fail=OSError("No space left on device"))
    specs = fake_specs(monthly=body)
    now = paris(2025, 4, 1, 6, 0)
    outcomes = jobs.catch_up(clock=fixed(now), specs=specs, only=["monthly"])
    assert [o.status for o in outcomes] == ["failed", "failed"]
    row = runs("monthly")[-1]
    assert row.status == "failed"
    assert row.error == "OSError: No space left on device"
    assert row.finished_at is not None
    assert list(empty_reports.iterdir()) == []  # nothing half-written is published
    # The hourly sweep leaves a failure alone (no retry loop); a restart retries it.
    assert jobs.catch_up(clock=fixed(now + timedelta(hours=1)), specs=specs,
                         only=["monthly"]) == []
    body.fail = None
    retried = jobs.catch_up(clock=fixed(now + timedelta(hours=2)), specs=specs,
                            only=["monthly"], retry_failed=True)
    assert [o.status for o in retried] == ["success", "success"]
    assert [r.status for r in runs("monthly")] == ["success", "success"]
    assert [r.error for r in runs("monthly")] == ["", ""]


def test_a_run_left_running_by_a_crashed_process_is_reclaimed_after_the_timeout(app, app_ctx):
    crashed_at = paris(2025, 3, 10, 7, 0)
    db.session.add(JobRun(job="weekly", period_key="2025-W10", status="running",
                          started_at=crashed_at, host="dead-host:1"))
    db.session.commit()
    body = FakeBody("hebdo")
    period = jobs.parse_week("2025-W10")
    stale_after = app.config.get("JOB_STALE_MINUTES", 60)

    still_fresh = crashed_at + timedelta(minutes=stale_after - 1)
    outcome = jobs.run_once("weekly", period.key, lambda out: body(period, out),
                            clock=fixed(still_fresh))
    assert outcome.status == "taken" and body.calls == []

    later = crashed_at + timedelta(minutes=stale_after + 1)
    outcome = jobs.run_once("weekly", period.key, lambda out: body(period, out),
                            clock=fixed(later))
    assert outcome.status == "success" and body.calls == ["2025-W10"]
    [row] = runs("weekly")
    assert row.status == "success" and row.host != "dead-host:1"


def test_two_processes_reclaiming_one_stale_run_run_it_once(app, app_ctx):
    db.session.add(JobRun(job="annual", period_key="2024", status="running",
                          started_at=paris(2025, 1, 2, 6), host="dead-host:1"))
    db.session.commit()
    loser_done = threading.Event()
    body = FakeBody("bilan", wait_for=loser_done)
    period = jobs.year_period(2024)

    def attempt():
        outcome = jobs.run_once("annual", "2024", lambda out: body(period, out),
                                clock=fixed(paris(2025, 1, 3, 6)))
        if outcome.status == "taken":
            loser_done.set()
        return outcome

    outcomes = _race(app, [attempt, attempt])
    assert sorted(o.status for o in outcomes) == ["success", "taken"]
    assert body.calls == ["2024"]


def test_a_run_missed_while_the_server_was_down_happens_at_the_next_start(app_ctx):
    weekly = FakeBody("hebdo")
    specs = fake_specs(weekly=weekly)
    # Running normally: Monday 10 March 07:00 does week 10.
    jobs.catch_up(clock=fixed(paris(2025, 3, 10, 7, 0)), specs=specs, only=["weekly"])
    assert weekly.calls == ["2025-W09", "2025-W10"]
    # Down from Sunday 16 March to Tuesday 18 March: the Monday run of week 11 was missed.
    outcomes = jobs.catch_up(clock=fixed(paris(2025, 3, 18, 9, 30)), specs=specs,
                             only=["weekly"], retry_failed=True)
    assert [(o.period_key, o.status) for o in outcomes] == [("2025-W11", "success")]
    assert weekly.calls == ["2025-W09", "2025-W10", "2025-W11"]
    # The hourly sweep after it finds nothing more to do.
    assert jobs.catch_up(clock=fixed(paris(2025, 3, 18, 10, 30)), specs=specs,
                         only=["weekly"]) == []
    assert [r.period_key for r in runs("weekly")] == ["2025-W09", "2025-W10", "2025-W11"]


def test_manual_runs_never_block_the_scheduled_run_of_the_same_period(app_ctx, empty_reports):
    body = FakeBody("hebdo")
    period = jobs.parse_week("2025-W10")
    first = jobs.run_manual("weekly", period.key, lambda out: body(period, out))
    second = jobs.run_manual("weekly", period.key, lambda out: body(period, out))
    scheduled = jobs.run_once("weekly", period.key, lambda out: body(period, out))
    assert [o.status for o in (first, second, scheduled)] == ["success"] * 3
    manual = runs("weekly:manual")
    assert len(manual) == 2
    assert all(r.period_key.startswith("2025-W10#") for r in manual)
    assert [r.period_key for r in runs("weekly")] == ["2025-W10"]


def test_a_manual_run_whose_process_died_is_marked_interrupted(app, app_ctx):
    started = paris(2025, 3, 10, 10)
    db.session.add(JobRun(job="annual:manual", period_key="2024-all-all#abc123",
                          status="running", started_at=started, host="web-1:42"))
    db.session.commit()
    stale = app.config.get("JOB_STALE_MINUTES", 60)
    assert jobs.expire_stale_manual_runs(started + timedelta(minutes=stale - 1)) == 0
    assert jobs.expire_stale_manual_runs(started + timedelta(minutes=stale + 1)) == 1
    [row] = runs("annual:manual")
    assert row.status == "failed" and "interrupted" in row.error


def test_a_body_that_skips_records_why(app_ctx):
    def body(out):
        raise jobs.Skipped("skipped: pg_dump not found on this host; use the server's own backups")

    outcome = jobs.run_once("backup", "2025-03-10", body)
    assert outcome.status == "skipped"
    [row] = runs("backup")
    assert row.status == "skipped" and "use the server's own backups" in row.error


# ---------------------------------------------------------------- backups


def test_nightly_backup_writes_a_restorable_copy_and_checkpoints(app, app_ctx, make_user,
                                                                 empty_reports):
    make_user("director", username="dir-backup")
    specs = jobs.default_specs()
    outcomes = jobs.catch_up(clock=fixed(paris(2025, 3, 11, 2, 30)), specs=specs,
                             only=["backup"])
    assert [(o.period_key, o.status) for o in outcomes] in (
        [("2025-03-11", "success")], [("2025-03-11", "skipped")])
    [row] = runs("backup")
    if db.engine.dialect.name == "sqlite":
        assert row.files == ["backups/affluence-2025-03-11.sqlite3"]
        copy = sqlite3.connect(empty_reports / row.files[0])
        usernames = [name for (name,) in copy.execute("SELECT username FROM users")]
        copy.close()
        assert "dir-backup" in usernames
    elif shutil.which("pg_dump"):
        assert row.status == "success", row.error
        assert (empty_reports / row.files[0]).read_bytes()[:5] == b"PGDMP"
    else:
        assert row.status == "skipped"


def test_backups_rotate_keeping_the_newest(tmp_path):
    for day in ("2025-03-08", "2025-03-09", "2025-03-10", "2025-03-11"):
        (tmp_path / f"affluence-{day}.sqlite3").write_text(day)
    deleted = jobs.rotate_backups(tmp_path, 2)
    assert [p.name for p in deleted] == ["affluence-2025-03-08.sqlite3",
                                         "affluence-2025-03-09.sqlite3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["affluence-2025-03-10.sqlite3",
                                                          "affluence-2025-03-11.sqlite3"]


def test_postgresql_backup_without_pg_dump_is_skipped_with_a_clear_status(tmp_path,
                                                                         monkeypatch):
    from app import backup

    monkeypatch.setattr(backup, "DEBIAN_CLIENTS", tmp_path / "no-clients")
    url = sa.make_url("postgresql+psycopg://someone@db.invalid/affluence")
    with pytest.raises(jobs.Skipped, match="use the server's own backups"):
        jobs.backup_database(url, tmp_path, "2025-03-11", which=lambda name: None)


# ---------------------------------------------------------------- the scheduler process


def test_scheduler_keeps_jobs_in_memory_and_fires_at_paris_times(app):
    scheduler = jobs.build_scheduler(app)
    from apscheduler.jobstores.memory import MemoryJobStore

    assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
    by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(by_id) == {"weekly", "monthly", "annual", "backup", "sweep"}
    after = paris(2025, 3, 26, 12, 0)  # DST starts on Sunday 30 March
    fire = {name: by_id[name].trigger.get_next_fire_time(None, after) for name in by_id}
    assert fire["weekly"] == paris(2025, 3, 31, 7, 0)
    assert fire["weekly"].utcoffset() == timedelta(hours=2)
    assert fire["monthly"] == paris(2025, 4, 1, 6, 0)
    assert fire["annual"] == paris(2026, 1, 2, 6, 0)
    assert fire["backup"] == paris(2025, 3, 27, 2, 30)
    assert all(job.coalesce and job.max_instances == 1 for job in by_id.values())
    assert by_id["weekly"].misfire_grace_time >= 3600


def test_scheduler_catch_up_command_runs_what_is_due_then_nothing(app, runner, monkeypatch):
    written = []

    def fake(period, out_dir, progress=None, **kwargs):
        written.append(period.key)
        path = out_dir / f"fake-{period.key}.txt"
        path.write_text("x")
        return [path]

    for name in ("weekly_body", "monthly_body", "annual_body", "backup_body"):
        monkeypatch.setattr(jobs, name, fake)
    result = runner.invoke(args=["scheduler", "catch-up"])
    assert result.exit_code == 0, result.output
    # An empty database: the reports say there is no data (issue 12); the backup is made.
    assert result.output.count(": empty Aucune donnée du ") == 5
    assert result.output.count(": success") == 1
    assert len(written) == 1
    again = runner.invoke(args=["scheduler", "catch-up"])
    assert again.output.strip() == "Nothing due."
    with app.app_context():
        assert len(runs()) == 6
        assert all(r.host for r in runs())


def test_every_job_row_fits_the_schema_limits(app_ctx):
    key = jobs.manual_key("2025-01-01..2025-12-31-some-very-long-site-code-indeed")
    assert len(key) <= 40 and "#" in key
    assert all(len(name + jobs.MANUAL_SUFFIX) <= 40 for name in jobs.default_specs())


def test_scheduled_reports_are_written_by_the_real_writers(app, app_ctx, empty_reports):
    import json

    from app.demo import generate_year

    summary = generate_year(2025, "marseille", seed=9, scale=0.02)
    outcomes = jobs.catch_up(clock=fixed(paris(2026, 1, 5, 8, 0)),
                             only=["weekly", "monthly", "annual"])
    assert [(o.job, o.period_key, o.status) for o in outcomes] == [
        # The demo's centre closes from 24 December: nothing counted in 2026-W01 (issue 12).
        ("weekly", "2025-W52", "success"), ("weekly", "2026-W01", "empty"),
        ("monthly", "2025-11", "success"), ("monthly", "2025-12", "success"),
        ("annual", "2025", "success")]
    annual = next(o for o in outcomes if o.job == "annual")
    assert len(annual.files) == 4  # two editions, each a workbook and its JSON twin
    for name in annual.files:
        assert (empty_reports / name).stat().st_size > 0
    internal = next(n for n in annual.files if n.endswith(".json") and "internal" in n)
    assert json.loads((empty_reports / internal).read_text())["visitors"] == summary.visitors


# ---------------------------------------------------------------- crashed processes (issue 7)


def _dead_pid() -> int:
    """Return the pid of a process of this host that has ended."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_of_a_dead_process_on_this_host_is_reclaimed_at_once(app, app_ctx, empty_reports):
    import socket

    started = paris(2025, 1, 2, 6, 0)
    row = JobRun(job="annual", period_key="2024", status="running", started_at=started,
                 host=f"{socket.gethostname()}:{_dead_pid()}")
    db.session.add(row)
    db.session.commit()
    staging = empty_reports / f".run-{row.id}-0badc0de"
    staging.mkdir()
    (staging / "bilan-2024.xlsx").write_bytes(b"half a workbook")
    annual = FakeBody("bilan")

    # Restarted five minutes later, far within JOB_STALE_MINUTES.
    outcomes = jobs.catch_up(clock=fixed(started + timedelta(minutes=5)),
                             specs=fake_specs(annual=annual), only=["annual"],
                             retry_failed=True)

    assert [(o.period_key, o.status) for o in outcomes] == [("2024", "success")]
    assert annual.calls == ["2024"]
    assert not staging.exists()
    assert sorted(p.name for p in empty_reports.iterdir()) == ["bilan-2024.txt"]


def test_a_live_or_distant_run_is_left_alone_until_the_timeout(app, app_ctx, empty_reports):
    import os
    import socket

    started = paris(2025, 1, 6, 7, 0)  # five minutes before the restart below
    alive = JobRun(job="weekly", period_key="2024-W52", status="running", started_at=started,
                   host=f"{socket.gethostname()}:{os.getppid()}")
    distant = JobRun(job="weekly", period_key="2025-W01", status="running", started_at=started,
                     host="other-server:12")
    db.session.add_all([alive, distant])
    db.session.commit()
    staging = empty_reports / f".run-{alive.id}-12345678"
    staging.mkdir()
    weekly = FakeBody("hebdo")

    outcomes = jobs.catch_up(clock=fixed(paris(2025, 1, 6, 7, 5)),
                             specs=fake_specs(weekly=weekly), only=["weekly"],
                             retry_failed=True)

    assert outcomes == [] and weekly.calls == []
    assert staging.exists()  # its process may still be writing there
    assert [r.status for r in runs("weekly")] == ["running", "running"]


def test_a_manual_run_of_a_dead_process_is_marked_interrupted_at_once(app, app_ctx):
    import socket

    now = paris(2025, 3, 10, 10)
    db.session.add(JobRun(job="raw:manual", period_key="2025-01-01..2025-03-01#abc123",
                          status="running", started_at=now - timedelta(minutes=2),
                          host=f"{socket.gethostname()}:{_dead_pid()}"))
    db.session.commit()

    assert jobs.expire_stale_manual_runs(now) == 1
    [row] = runs("raw:manual")
    assert row.status == "failed" and "interrupted" in row.error


# ---------------------------------------------------------------- nobody waits on the catch-up


def test_catch_up_and_a_burst_of_writes_together_never_lock_anyone_out(
        app, app_ctx, runner, empty_reports):
    """`make run`'s first minute: the scheduler catches up (reports, then the backup) while
    an operator creates accounts and the floor keeps writing. Nobody gets "database is
    locked". A director's long read is open meanwhile, which a TRUNCATE checkpoint would
    wait for while blocking every writer (the bug: the backup's checkpoint)."""
    import sqlite3
    import time

    from app.demo import generate_year

    generate_year(2025, "marseille", seed=3, scale=0.01)
    db.session.remove()
    sqlite_path = db.engine.url.database if db.engine.dialect.name == "sqlite" else None
    done = threading.Event()
    errors: list[str] = []
    writes = [0]

    def long_reader():
        # A report or export holding its snapshot for a while, again and again.
        connection = sqlite3.connect(sqlite_path, timeout=10, isolation_level=None)
        try:
            while not done.is_set():
                connection.execute("BEGIN")
                connection.execute("SELECT count(*) FROM flow_entries").fetchone()
                done.wait(1.5)
                connection.execute("COMMIT")
        finally:
            connection.close()

    def floor_writer():
        # What a person's command is willing to wait: 2 s, not the app's 10 s.
        connection = sqlite3.connect(sqlite_path, timeout=2, isolation_level=None)
        try:
            while not done.is_set():
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute("UPDATE users SET preferences = preferences")
                    connection.execute("COMMIT")
                    writes[0] += 1
                except sqlite3.OperationalError as error:
                    errors.append(f"floor: {error}")
                    connection.execute("ROLLBACK") if connection.in_transaction else None
                time.sleep(0.02)
        finally:
            connection.close()

    helpers = [threading.Thread(target=long_reader), threading.Thread(target=floor_writer)] \
        if sqlite_path else []
    catch_up_result = {}

    def scheduler():
        with app.app_context():
            try:
                catch_up_result["outcomes"] = jobs.catch_up(clock=fixed(paris(2026, 1, 5, 8, 0)))
            finally:
                db.session.remove()

    for thread in helpers:
        thread.start()
    background = threading.Thread(target=scheduler)
    background.start()
    created = []
    while background.is_alive() or len(created) < 5:
        result = runner.invoke(args=["users", "create", f"accueil{len(created)}", "--role",
                                     "agent", "--site", "marseille",
                                     "--password", "un-mot-de-passe"])
        created.append(result)
        if result.exit_code != 0:
            errors.append(f"users create: {result.output} {result.exception!r}")
    background.join(timeout=120)
    done.set()
    for thread in helpers:
        thread.join(timeout=30)

    assert errors == []
    statuses = [(o.job, o.status) for o in catch_up_result["outcomes"]]
    assert ("backup", "success") in statuses or ("backup", "skipped") in statuses
    # "empty": a report of a period without figures (issue 12), nothing compiled.
    assert all(status in ("success", "skipped", "empty") for _job, status in statuses), statuses
    assert len(created) >= 5 and (writes[0] > 10 or not sqlite_path)
