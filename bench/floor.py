"""Benchmark: what the floor's live figures cost on a La Villette-sized floor (issue 11).

Not a test: it prints figures. A throw-away SQLite database (or PostgreSQL with --pg) holds
31 days of 1,200 arrivals a day (La Villette's busiest: DOMAIN.md), 150 interviews a day and
40 counsellors' statuses. Measured side by side in the same run, warm median of --runs:

- the tablet's poll, GET /api/v1/poles/status (`pole_status`), against the counts the
  tablet already polls (`day_counts`, GET /api/v1/counts), at 16:00 on the last day;
- the floor board's pole and occupancy tables of that day (`floor_board_data`);
- the poles per hour of a season (93 days, the dashboard's limit) and of the 31 days.

    .venv/bin/python bench/floor.py [--runs 15] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, time as clock, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAYS = 31
ARRIVALS_PER_DAY = 1200
INTERVIEWS_PER_DAY = 150
COUNSELLORS = 40


def build(app) -> datetime:
    """Write the floor's month; return the instant the live figures are read at."""
    import sqlalchemy as sa

    from app import presence
    from app.extensions import db
    from app.models import FlowEntry, Interview, Partner, Pole, Site, User
    from app.timeutil import PARIS, local_day_and_hour

    rng = random.Random(11)
    site = db.session.scalar(sa.select(Site).where(Site.code == "marseille"))
    poles = list(db.session.scalars(sa.select(Pole.id)))
    partner = db.session.scalar(sa.select(Partner.id))
    users = []
    for k in range(COUNSELLORS):
        user = User(username=f"bench-c{k}", password_hash="x", role="counsellor",
                    site_id=site.id, pole_id=poles[k % len(poles)])
        db.session.add(user)
        users.append(user)
    db.session.flush()
    last_day = (datetime.now(PARIS) - timedelta(days=1)).date()
    now = datetime.combine(last_day, clock(16), tzinfo=PARIS)
    flows, interviews = [], []
    for offset in range(DAYS):
        day = last_day - timedelta(days=offset)
        for _k in range(ARRIVALS_PER_DAY):
            at = datetime.combine(day, clock(10), tzinfo=PARIS) + timedelta(seconds=rng.randrange(8 * 3600))
            local_date, hour = local_day_and_hour(at)
            to_pole = rng.random() < 0.55
            flows.append({"id": uuid.uuid4(), "kind": "arrival", "occurred_at": at,
                          "local_date": local_date, "local_hour": hour, "site_id": site.id,
                          "destination_kind": "pole" if to_pole else "documentation",
                          "destination_pole_id": rng.choice(poles) if to_pole else None,
                          "party_size": 1, "payload_digest": "bench", "received_at": at})
        for _k in range(INTERVIEWS_PER_DAY):
            at = datetime.combine(day, clock(10), tzinfo=PARIS) + timedelta(seconds=rng.randrange(8 * 3600))
            local_date, hour = local_day_and_hour(at)
            interviews.append({"id": uuid.uuid4(), "started_at": at, "local_date": local_date,
                               "local_hour": hour, "duration_min": 30, "channel": "in_person",
                               "site_id": site.id, "pole_id": rng.choice(poles),
                               "partner_id": partner, "counsellor_id": users[0].id,
                               "payload_digest": "bench"})
        for user in users:
            for hour in (10, 12, 14, 16):
                at = datetime.combine(day, clock(hour, rng.randrange(60)), tzinfo=PARIS)
                if at <= now:
                    presence.set_status(user.id, site.id, user.pole_id,
                                        rng.choice(("available", "in_interview", "away")), at)
    for model, rows in ((FlowEntry, flows), (Interview, interviews)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model.__table__), rows[start:start + 5000])
    db.session.commit()
    return now


def median_ms(call, runs: int) -> tuple[float, float]:
    """Return the warm median and the first (cold) run, in ms."""
    times = []
    for _run in range(runs + 1):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:]), times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg", help="admin URL of a PostgreSQL server (default: SQLite)")
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    cleanup = None
    if args.pg:
        admin = sa.create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://", 1),
                                 isolation_level="AUTOCOMMIT")
        name = f"affluence_bench_floor_{uuid.uuid4().hex[:6]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = admin.url.set(database=name).render_as_string(hide_password=False)

        def cleanup():
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench-floor.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade()
            from app.seed import seed_reference

            seed_reference()
            started = time.perf_counter()
            now = build(app)
            print(f"{db.engine.dialect.name}: {DAYS} days × {ARRIVALS_PER_DAY} arrivals, "
                  f"{INTERVIEWS_PER_DAY} interviews, {COUNSELLORS} counsellors "
                  f"(built in {time.perf_counter() - started:.0f} s)")
            from app.figures.poles import pole_hours, pole_status
            from app.figures.scope import Scope
            from app.floor.services import floor_board_data
            from app.models import Site
            from app.reception.services import day_counts
            from app.timeutil import local_day_and_hour

            site = db.session.scalar(sa.select(Site).where(Site.code == "marseille"))
            day = local_day_and_hour(now)[0]
            rows = [
                ("poles/status (the tablet's poll)", lambda: pole_status(site.id, now)),
                ("counts (baseline: the tablet's other poll)", lambda: day_counts(day, site)),
                ("floor board: poles and occupancy of the day",
                 lambda: floor_board_data(site.code, day.isoformat(), False)),
                ("poles per hour, 31 days", lambda: pole_hours(
                    Scope(day - timedelta(days=30), day, (site.id,)), now)),
                ("poles per hour, 93 days (dashboard's limit)", lambda: pole_hours(
                    Scope(day - timedelta(days=92), day, (site.id,)), now)),
            ]
            with app.test_request_context():
                for label, call in rows:
                    warm, cold = median_ms(call, args.runs)
                    print(f"  {label:<48} {warm:8.1f} ms  (cold {cold:.1f} ms)")
    finally:
        if cleanup:
            cleanup()


if __name__ == "__main__":
    main()
