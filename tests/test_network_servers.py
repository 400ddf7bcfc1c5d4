"""A network runs one database shared by several app servers (issue 10): two gunicorn
servers on two ports and two schedulers, on the suite's database (PostgreSQL in the
network's deployment; SQLite too, which the same guarantees hold for)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import FlowEntry, JobRun
from tests.test_capture_faults import Server, Tablet, free_port

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
TABLETS_PER_SERVER = 2
LOAD_SECONDS = 2.0
DEADLINE_SECONDS = 150


class RoamingTablet(Tablet):
    """A tablet whose network fails over: each batch answered by one server is sent again,
    same UUIDs, to the other (a load balancer retrying on the second server)."""

    def __init__(self, other: Tablet, *args):
        super().__init__(*args)
        self.other = other

    def post(self, batch):
        results = super().post(batch)
        if results is not None:
            replay = self.other.post(batch)
            if replay is not None:
                for entry, result in zip(batch, replay):
                    self.acknowledged.setdefault(entry["id"], []).append(result["status"])
        return results


def scheduler(database_url: str, reports: Path, log: Path) -> subprocess.Popen:
    """Start `flask scheduler catch-up`: what a scheduler process does first."""
    env = {**os.environ, "DATABASE_URL": database_url, "AFFLUENCE_ENV": "development",
           "AFFLUENCE_REPORTS_DIR": str(reports), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([str(FLASK), "--app", "wsgi", "scheduler", "catch-up"], cwd=ROOT,
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_two_servers_and_two_schedulers_share_one_database(app, make_user, database_url,
                                                            tmp_path):
    started = time.monotonic()
    agents = [make_user("agent").username for _ in range(2)]
    servers = [Server(database_url, free_port(), tmp_path / f"gunicorn-{k}.log") for k in (0, 1)]
    reports = tmp_path / "reports"
    reports.mkdir()
    stop = threading.Event()
    tablets: list[Tablet] = []
    schedulers: list[subprocess.Popen] = []
    try:
        for server in servers:
            server.start()
        for k, server in enumerate(servers):
            for n in range(TABLETS_PER_SERVER):
                tablets.append(Tablet(server.port, agents[k], stop, 10 * k + n))
        # The roaming tablet logs in on both servers; its replays must all answer duplicate.
        standby = Tablet(servers[1].port, agents[1], stop, 99)
        tablets.append(RoamingTablet(standby, servers[0].port, agents[0], stop, 98))
        standby.login()
        for tablet in tablets:
            tablet.give_up_at = started + DEADLINE_SECONDS - 20
            tablet.login()
            tablet.start()
        schedulers = [scheduler(database_url, reports, tmp_path / f"scheduler-{k}.log")
                      for k in (0, 1)]
        # The tablets keep both servers busy while the schedulers claim their periods.
        time.sleep(LOAD_SECONDS)
        stop.set()
        for tablet in tablets:
            tablet.join(timeout=10)
        for process in schedulers:
            process.wait(timeout=max(1, started + DEADLINE_SECONDS - 15 - time.monotonic()))
    finally:
        stop.set()
        for process in schedulers:
            if process.poll() is None:
                process.kill()
        for server in servers:
            server.kill()

    logs = "\n".join(path.read_text() for path in tmp_path.glob("scheduler-*.log"))
    assert all(process.returncode == 0 for process in schedulers), logs
    sent = set().union(*(tablet.sent for tablet in tablets))
    acknowledged: dict[str, list[str]] = {}
    for tablet in tablets:
        for entry_id, statuses in tablet.acknowledged.items():
            acknowledged.setdefault(entry_id, []).extend(statuses)
    with app.app_context():
        stored = [str(i) for i in db.session.scalars(sa.select(FlowEntry.id))]
        runs = list(db.session.scalars(sa.select(JobRun)))
        db.session.remove()

    # Nothing lost, nothing doubled, on either server.
    assert [e for tablet in tablets for e in tablet.errors] == []
    assert len(sent) > 20 and set(acknowledged) == sent
    assert sorted(stored) == sorted(sent)
    assert all(statuses.count("created") == 1 for statuses in acknowledged.values())
    roaming = tablets[-1]
    assert roaming.sent and all(acknowledged[i].count("duplicate") >= 1 for i in roaming.sent)

    # Each scheduled report compiled exactly once, by one of the two schedulers.
    per_period = Counter((run.job, run.period_key) for run in runs)
    assert runs and set(per_period.values()) == {1}, per_period
    assert {run.job for run in runs} >= {"weekly", "monthly", "annual"}
    # Past periods hold no data here: they are recorded as such, once (issue 12).
    assert all(run.status in ("success", "skipped", "empty") for run in runs), [
        (run.job, run.status, run.error) for run in runs]
    written = [name for run in runs for name in run.files or []]
    assert len(written) == len(set(written))
    assert sorted(p.name for p in reports.iterdir() if p.is_file()) == sorted(
        Path(name).name for name in written if "/" not in name)
    print(f"{len(sent)} entries through 2 servers, {len(runs)} scheduled runs, "
          f"in {time.monotonic() - started:.1f} s")
    assert time.monotonic() - started < DEADLINE_SECONDS
