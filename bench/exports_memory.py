"""Time and peak memory of the annual workbook on ten years of a La Villette-sized centre.

Generates (once, then reuses) 3,000,000 arrivals and reorientations and 300,000 interviews
spread over ten years, then compiles the annual report of the last year in a fresh child
process per edition and prints its wall time and peak resident memory.

    .venv/bin/python bench/exports_memory.py                       # SQLite in /tmp
    .venv/bin/python bench/exports_memory.py --database postgresql://postgres@127.0.0.1/bench
    .venv/bin/python bench/exports_memory.py --raw                 # the raw export too
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "sqlite:////tmp/affluence-bench-exports.sqlite3"
CHUNK = 20_000


def _url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _app(url: str):
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": _url(url)})


def _ensure_database(url: str) -> None:
    import sqlalchemy as sa

    parsed = sa.engine.make_url(_url(url))
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s",
                                      (parsed.database,)).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


def generate(url: str, years: int, last_year: int, arrivals: int, interviews: int,
             seed: int) -> None:
    """Fill the database with the benchmark's rows unless it already holds them."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import (
        CHANNELS,
        EventType,
        FlowEntry,
        Interview,
        InterviewOutcome,
        Outcome,
        Partner,
        Pole,
        ProfileOption,
        ReceptionPoint,
        Site,
        Theme,
        User,
        interview_themes,
    )
    from app.seed import seed_reference
    from app.stats.calendar import opening_days
    from app.timeutil import PARIS, local_day_and_hour

    _ensure_database(url)
    app = _app(url)
    with app.app_context():
        upgrade()
        seed_reference()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry))
        if have == arrivals:
            print(f"reusing {have:,} flow entries already in the database")
            return
        for table in (interview_themes, InterviewOutcome.__table__, FlowEntry.__table__,
                      Interview.__table__):
            db.session.execute(table.delete())
        db.session.commit()
        rng = random.Random(seed)
        sites = {s.code: s for s in db.session.scalars(sa.select(Site))}
        marseille = sites["marseille"]
        points = [p for p in db.session.scalars(sa.select(ReceptionPoint))
                  if p.site_id == marseille.id]
        poles = [p.id for p in db.session.scalars(sa.select(Pole))]
        partners = [p.id for p in db.session.scalars(sa.select(Partner))]
        events = [e.id for e in db.session.scalars(sa.select(EventType))]
        themes = [t.id for t in db.session.scalars(sa.select(Theme))]
        outcomes = [o.id for o in db.session.scalars(sa.select(Outcome))]
        options: dict[str, list[int]] = {}
        for option in db.session.scalars(sa.select(ProfileOption)):
            options.setdefault(option.category, []).append(option.id)
        counsellor = User(username="bench-counsellor", password_hash="x", role="counsellor",
                          site_id=marseille.id)
        db.session.add(counsellor)
        db.session.commit()
        days = [d for y in range(last_year - years + 1, last_year + 1)
                for d in opening_days(marseille, date(y, 1, 1), date(y, 12, 31))]
        destinations = ["pole"] * 5 + ["documentation", "cyber", "cyber", "event", "desk",
                                       "partner"]

        def instant(day: date) -> datetime:
            local = datetime(day.year, day.month, day.day, 10, tzinfo=PARIS)
            return (local + timedelta(seconds=rng.randrange(8 * 3600))).astimezone(timezone.utc)

        def profile() -> dict:
            return {f"{c}_id": rng.choice(options[c]) if rng.random() < 0.7 else None
                    for c in ("status", "age_band", "gender", "first_visit")}

        started = time.perf_counter()
        per_day, rows = arrivals / len(days), []
        written = 0
        with db.engine.begin() as conn:
            for n, day in enumerate(days):
                count = int(per_day * (n + 1)) - int(per_day * n)
                for _ in range(count):
                    at = instant(day)
                    local_date, hour = local_day_and_hour(at)
                    reorientation = rng.random() < 0.06
                    kind = "reorientation" if reorientation else "arrival"
                    dest = rng.choice(["pole", "partner"] if reorientation else destinations)
                    rows.append({
                        "id": uuid.UUID(int=rng.getrandbits(128), version=4), "kind": kind,
                        "occurred_at": at, "local_date": local_date, "local_hour": hour,
                        "site_id": marseille.id, "reception_point_id": rng.choice(points).id,
                        "destination_kind": dest,
                        "destination_pole_id": rng.choice(poles) if dest == "pole" else None,
                        "destination_partner_id": rng.choice(partners) if dest == "partner"
                        else None,
                        "event_type_id": rng.choice(events) if dest == "event" else None,
                        "from_pole_id": rng.choice(poles) if reorientation else None,
                        "party_size": 1 if rng.random() < 0.95 else rng.randint(2, 25),
                        "payload_digest": "bench", "received_at": at, **profile(),
                    })
                    if len(rows) >= CHUNK:
                        conn.execute(sa.insert(FlowEntry), rows)
                        written += len(rows)
                        rows = []
                        if written % 500_000 == 0:
                            print(f"{written:,} flow entries", flush=True)
            if rows:
                conn.execute(sa.insert(FlowEntry), rows)
            per_day, rows, links, results = interviews / len(days), [], [], []
            for n, day in enumerate(days):
                for _ in range(int(per_day * (n + 1)) - int(per_day * n)):
                    at = instant(day)
                    local_date, hour = local_day_and_hour(at)
                    interview_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    rows.append({
                        "id": interview_id, "started_at": at, "local_date": local_date,
                        "local_hour": hour, "duration_min": rng.randint(10, 75),
                        "channel": rng.choice(CHANNELS), "site_id": marseille.id,
                        "pole_id": rng.choice(poles), "partner_id": rng.choice(partners[:11]),
                        "counsellor_id": counsellor.id, "payload_digest": "bench", **profile(),
                    })
                    links += [{"interview_id": interview_id, "theme_id": t}
                              for t in rng.sample(themes, 2)]
                    results.append({"interview_id": interview_id,
                                     "outcome_id": rng.choice(outcomes)})
                    if len(rows) >= CHUNK // 4:
                        conn.execute(sa.insert(Interview), rows)
                        conn.execute(interview_themes.insert(), links)
                        conn.execute(sa.insert(InterviewOutcome), results)
                        rows, links, results = [], [], []
            if rows:
                conn.execute(sa.insert(Interview), rows)
                conn.execute(interview_themes.insert(), links)
                conn.execute(sa.insert(InterviewOutcome), results)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"generated in {time.perf_counter() - started:.0f} s")


def _memory_kib(field: str) -> int:
    """Return a memory figure of this process from /proc (Linux), in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(url: str, job: str, year: int) -> None:
    """Run one export in this (fresh) process and print its time and peak memory as JSON."""
    from app.exports.service import write_annual_report, write_raw_export

    app = _app(url)
    with app.app_context(), tempfile.TemporaryDirectory() as out:
        resident, startup_peak = _memory_kib("VmRSS"), _memory_kib("VmHWM")
        started = time.perf_counter()
        if job == "raw":
            paths = write_raw_export(date(year, 1, 1), date(year, 12, 31), None, Path(out))
        else:
            paths = write_annual_report(year, None, job, Path(out))
        seconds = time.perf_counter() - started
        peak = _memory_kib("VmHWM")
        sizes = {p.suffix: p.stat().st_size for p in paths}
    print(json.dumps({"job": job, "seconds": seconds, "peak_mib": peak / 1024,
                      "resident_mib": resident / 1024, "startup_peak_mib": startup_peak / 1024,
                      "sizes": sizes}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--year", type=int, default=2025, help="the last year, reported on")
    parser.add_argument("--arrivals", type=int, default=3_000_000)
    parser.add_argument("--interviews", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--raw", action="store_true", help="also time the year's raw export")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.database, args.measure, args.year)
        return
    generate(args.database, args.years, args.year, args.arrivals, args.interviews, args.seed)
    jobs = ["internal", "public"] + (["raw"] if args.raw else [])
    # The peak covers the whole process: app start-up alone reaches the last column.
    print(f"{'export':<10} {'seconds':>8} {'peak MiB':>9} {'resident before':>16} "
          f"{'start-up peak':>14}")
    for job in jobs:
        output = subprocess.run(
            [sys.executable, __file__, "--database", args.database, "--year", str(args.year),
             "--measure", job], check=True, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(f"{job:<10} {result['seconds']:>8.2f} {result['peak_mib']:>9.0f} "
              f"{result['resident_mib']:>16.0f} {result['startup_peak_mib']:>14.0f}")


if __name__ == "__main__":
    main()
