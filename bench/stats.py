"""Benchmark: the dashboard and the annual workbook on ten years of a La Villette-sized centre.

Not a test: it prints figures (copied into bench/README-stats.md). The database holds about
3,000,000 arrivals and 300,000 interviews written by the demo generator (profile villette,
2016-2025); it is built once and reused: SQLite in /tmp, PostgreSQL in a database of the
local server (affluence_bench). Targets: dashboard for one year < 500 ms (median of a few
warm runs); annual workbook < 15 s and peak memory < 300 MB (in a fresh subprocess).

    .venv/bin/python bench/stats.py                 # both engines
    .venv/bin/python bench/stats.py --engine sqlite --runs 7
    .venv/bin/python bench/stats.py --engine postgresql --drop   # drop the PG database after
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import demo_years  # noqa: E402

SQLITE_PATH = Path(os.environ.get("BENCH_SQLITE", "/tmp/affluence-bench-villette.db"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "affluence_bench"
YEARS = range(2016, 2026)
MEASURED_YEAR = 2025
# A year of the villette profile is ~300,000 arrivals: ten make the 3,000,000 of the issue.
EXPECTED_ARRIVALS = 2_900_000


def database_url(engine: str) -> str:
    """Return the URL of the benchmark database for engine (creating the PG database)."""
    if engine == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    import sqlalchemy as sa

    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}"')
    admin.dispose()
    return sa.make_url(PG_SERVER).set(database=PG_DATABASE).render_as_string(hide_password=False)


def make_app(url: str, reports: str):
    """Build the app on the benchmark database."""
    from app import create_app

    return create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "REPORTS_DIR": reports})


def volumes(app) -> dict:
    """Count what the database holds."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import FlowEntry, Interview

    with app.app_context():
        arrivals = db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry).where(
            FlowEntry.kind == "arrival"))
        reorientations = db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)
                                           .where(FlowEntry.kind == "reorientation"))
        interviews = db.session.scalar(sa.select(sa.func.count()).select_from(Interview))
    return {"arrivals": arrivals, "reorientations": reorientations, "interviews": interviews}


def time_dashboard(app, runs: int, site_code: str | None = None) -> dict:
    """Time dashboard_data for the measured year: the first (cold) run and the warm median."""
    from app.extensions import db
    from app.stats.services import DashboardFilters, dashboard_data

    filters = DashboardFilters(date(MEASURED_YEAR, 1, 1), date(MEASURED_YEAR, 12, 31),
                               site_code=site_code)
    timings = []
    with app.test_request_context("/statistiques/"):
        for _ in range(runs + 1):
            started = time.perf_counter()
            dashboard_data(filters)
            timings.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return {"cold_ms": timings[0], "median_ms": statistics.median(timings[1:]),
            "min_ms": min(timings[1:]), "max_ms": max(timings[1:])}


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (VmHWM).

    Not getrusage's ru_maxrss: Linux carries it over fork and exec, so a child would report
    its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Return this process's resident memory now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Reset VmHWM to the current RSS (Linux: 5 > /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def annual_child(url: str, edition: str) -> None:
    """In a fresh process: compile the annual workbook; print time and peak memory as JSON."""
    with tempfile.TemporaryDirectory() as reports:
        app = make_app(url, reports)
        from app.exports.service import write_annual_report

        with app.app_context():
            # Importing the app already peaks at ~130 MB (the Argon2 dummy hash of
            # app.security takes 64 MiB): reset the high-water mark so the figure is the
            # compile's own peak, on top of what the process holds.
            baseline = current_rss_mb()
            import_peak = peak_rss_mb()
            reset_peak_rss()
            started = time.perf_counter()
            paths = write_annual_report(MEASURED_YEAR, None, edition, Path(reports))
            seconds = time.perf_counter() - started
            peak = peak_rss_mb()
            sizes = {p.suffix: p.stat().st_size for p in paths}
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "baseline_mb": baseline,
                      "process_peak_mb": max(peak, import_peak),
                      "xlsx_kb": sizes.get(".xlsx", 0) / 1024}))


def time_annual(url: str, edition: str) -> dict:
    """Run annual_child in a subprocess (so its peak memory is its own)."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child-annual", url, edition],
        capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def bench(engine: str, runs: int) -> dict:
    """Build (or reuse) the engine's database and measure it."""
    url = database_url(engine)
    print(f"== {engine}: {url} ({os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at start: figures inflate with the load)", flush=True)
    with tempfile.TemporaryDirectory() as reports:
        app = make_app(url, reports)
        started = time.perf_counter()
        demo_years(app, [(year, "villette", None) for year in YEARS])
        print(f"  database ready in {time.perf_counter() - started:.0f} s", flush=True)
        held = volumes(app)
        print(f"  holds {held['arrivals']:,} arrivals, {held['reorientations']:,} "
              f"reorientations, {held['interviews']:,} interviews", flush=True)
        if held["arrivals"] < EXPECTED_ARRIVALS:
            print("  !! fewer arrivals than the benchmark wants", flush=True)
        network = time_dashboard(app, runs)
        print(f"  dashboard {MEASURED_YEAR}, all sites: cold {network['cold_ms']:.0f} ms, "
              f"median {network['median_ms']:.0f} ms (min {network['min_ms']:.0f}, "
              f"max {network['max_ms']:.0f}) over {runs} runs", flush=True)
        one_site = time_dashboard(app, runs, site_code="marseille")
        print(f"  dashboard {MEASURED_YEAR}, site marseille: median "
              f"{one_site['median_ms']:.0f} ms", flush=True)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    annual = {}
    for edition in ("internal", "public"):
        annual[edition] = time_annual(url, edition)
        figures = annual[edition]
        print(f"  annual workbook {MEASURED_YEAR} ({edition}): {figures['seconds']:.1f} s, "
              f"peak RSS {figures['peak_mb']:.0f} MB (RSS before the compile "
              f"{figures['baseline_mb']:.0f} MB; whole process incl. imports "
              f"{figures['process_peak_mb']:.0f} MB), xlsx {figures['xlsx_kb']:.0f} KiB", flush=True)
    return {"engine": engine, "volumes": held, "dashboard": network,
            "dashboard_site": one_site, "annual": annual}


def drop_pg() -> None:
    """Drop the PostgreSQL benchmark database."""
    import sqlalchemy as sa

    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    admin.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    if len(sys.argv) == 4 and sys.argv[1] == "--child-annual":
        annual_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5, help="warm dashboard runs (median)")
    parser.add_argument("--drop", action="store_true", help="drop the PG database at the end")
    args = parser.parse_args()
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    results = [bench(engine, args.runs) for engine in engines]
    print("\n| engine | arrivals | interviews | dashboard median (min) | annual workbook | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    for result in results:
        internal = result["annual"]["internal"]
        print(f"| {result['engine']} | {result['volumes']['arrivals']:,} | "
              f"{result['volumes']['interviews']:,} | {result['dashboard']['median_ms']:.0f} ms "
              f"({result['dashboard']['min_ms']:.0f} ms) | "
              f"{internal['seconds']:.1f} s | {internal['peak_mb']:.0f} MB |")
    if args.drop and "postgresql" in engines:
        drop_pg()


if __name__ == "__main__":
    main()
