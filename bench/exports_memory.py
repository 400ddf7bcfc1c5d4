"""Time and peak memory of the annual workbook on ten years of a La Villette-sized centre.

Generates (once, then reuses) ten Villette-sized demo years (about 3,000,000 arrivals and
reorientations and 300,000 interviews, written by tests/factories.py), then compiles the annual report of the last year in a fresh child
process per edition and prints its wall time and peak resident memory.

    .venv/bin/python bench/exports_memory.py                       # SQLite in /tmp
    .venv/bin/python bench/exports_memory.py --database postgresql://postgres@127.0.0.1/bench
    .venv/bin/python bench/exports_memory.py --raw                 # the raw export too
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import demo_years  # noqa: E402

DEFAULT_DB = "sqlite:////tmp/affluence-bench-exports.sqlite3"


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


def generate(url: str, years: int, last_year: int) -> None:
    """Fill the database with Villette-sized demo years unless it already holds them."""
    _ensure_database(url)
    demo_years(_app(url), [(year, "villette", None)
                           for year in range(last_year - years + 1, last_year + 1)])


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
    parser.add_argument("--raw", action="store_true", help="also time the year's raw export")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.database, args.measure, args.year)
        return
    generate(args.database, args.years, args.year)
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
