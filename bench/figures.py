"""Benchmark: the figures layer on daily rollups, beside the raw GROUP BY, in one run.

Not a test: it prints figures (copied into the README). Two databases:
- ten years of a La Villette-sized centre (about 3,000,000 arrivals, 300,000 interviews),
  on SQLite (/tmp) and PostgreSQL (database affluence_bench_figures);
- with --network, a network of 25 Marseille-sized centres over three years on PostgreSQL
  (about 4,600,000 arrivals; database affluence_bench_network).
Each is built once and reused. The demo generator writes with the rollup triggers
removed, then they are put back and the rollups rebuilt in one pass (timed: it is also
what `flask stats rebuild` costs).

For each range it prints, side by side and measured in the same run:
- the dashboard (dashboard_data: every figure of the page), warm median and cold;
- the dashboard's own rollup reads, one after the other, without shaping them (its floor);
- the cheapest query that reads the rollups (the visitors of each day, from flow_day);
- the same sums by a GROUP BY on the raw rows (flow_entries).
Targets (issue 8): one year < 100 ms, ten years < 250 ms, each within 3x of the cheapest
rollup query; the network dashboard for a year < 300 ms.

    .venv/bin/python bench/figures.py --engine sqlite
    .venv/bin/python bench/figures.py --engine postgresql --network
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests.factories import demo_years  # noqa: E402

SQLITE_PATH = Path(os.environ.get("BENCH_SQLITE_FIGURES", "/tmp/affluence-bench-figures.db"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
YEARS = range(2016, 2026)
NETWORK_YEARS = range(2023, 2026)
NETWORK_SITES = 25
RANGES = {"one year": (date(2025, 1, 1), date(2025, 12, 31)),
          "ten years": (date(2016, 1, 1), date(2025, 12, 31))}


def database_url(engine: str, name: str) -> str:
    """Return the URL of a benchmark database (creating it on PostgreSQL)."""
    if engine == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (name,)).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def make_app(url: str):
    """Build the app on a benchmark database."""
    from app import create_app

    return create_app("development", {"SQLALCHEMY_DATABASE_URI": url,
                                      "REPORTS_DIR": "/tmp/affluence-bench-reports"})


def add_network_sites(app) -> list[str]:
    """Make sure the network's 25 centres exist (Marseille-sized, Marseille's hours)."""
    from app.extensions import db
    from app.models import Site

    with app.app_context():
        marseille = db.session.scalar(sa.select(Site).where(Site.code == "marseille"))
        codes = ["marseille"] + [f"cite-{n:02d}" for n in range(2, NETWORK_SITES + 1)]
        for position, code in enumerate(codes[1:], start=100):
            if db.session.scalar(sa.select(Site.id).where(Site.code == code)) is None:
                db.session.add(Site(code=code, label=f"Cité {code[-2:]}", city="",
                                    position=position, opening_hours=marseille.opening_hours,
                                    interview_days=marseille.interview_days))
        db.session.commit()
        return codes


def copy_to_network(app, codes: list[str]) -> None:
    """Copy Marseille's rows to each centre that has none yet, then rebuild the rollups."""
    from app.extensions import db
    from app.figures import rollups

    with app.app_context(), db.engine.begin() as conn:
        source = conn.execute(sa.text("SELECT id FROM sites WHERE code = 'marseille'")).scalar()
        targets = [conn.execute(sa.text("SELECT id FROM sites WHERE code = :c"), {"c": c}).scalar()
                   for c in codes]
        empty = [t for t in targets if not conn.execute(sa.text(
            "SELECT 1 FROM flow_entries WHERE site_id = :s LIMIT 1"), {"s": t}).scalar()]
        if not empty:
            return
        for statement in rollups.drop_trigger_ddl("postgresql"):
            conn.exec_driver_sql(statement)
        flow_columns = [c.name for c in db.metadata.tables["flow_entries"].columns
                        if c.name not in ("id", "site_id", "reception_point_id", "interview_id")]
        interview_columns = [c.name for c in db.metadata.tables["interviews"].columns
                             if c.name not in ("id", "site_id")]
        started = time.perf_counter()
        for target in empty:
            conn.execute(sa.text("CREATE TEMP TABLE copied ON COMMIT DROP AS "
                                 "SELECT id AS old, gen_random_uuid() AS new FROM interviews "
                                 "WHERE site_id = :s"), {"s": source})
            cols = ", ".join(interview_columns)
            conn.execute(sa.text(
                f"INSERT INTO interviews (id, site_id, {cols}) SELECT c.new, :t, "
                f"{', '.join('i.' + c for c in interview_columns)} FROM interviews i "
                f"JOIN copied c ON c.old = i.id"), {"t": target})
            conn.execute(sa.text(
                "INSERT INTO interview_themes (interview_id, theme_id) SELECT c.new, t.theme_id "
                "FROM interview_themes t JOIN copied c ON c.old = t.interview_id"))
            conn.execute(sa.text(
                "INSERT INTO interview_outcomes (interview_id, outcome_id, target_partner_id, "
                "target_pole_id) SELECT c.new, o.outcome_id, o.target_partner_id, o.target_pole_id "
                "FROM interview_outcomes o JOIN copied c ON c.old = o.interview_id"))
            cols = ", ".join(flow_columns)
            conn.execute(sa.text(
                f"INSERT INTO flow_entries (id, site_id, reception_point_id, interview_id, {cols}) "
                f"SELECT gen_random_uuid(), :t, NULL, c.new, "
                f"{', '.join('f.' + c for c in flow_columns)} FROM flow_entries f "
                f"LEFT JOIN copied c ON c.old = f.interview_id WHERE f.site_id = :s"),
                {"t": target, "s": source})
            conn.exec_driver_sql("DROP TABLE copied")
        print(f"  copied Marseille to {len(empty)} centres in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        for statement in rollups.trigger_ddl("postgresql"):
            conn.exec_driver_sql(statement)
        started = time.perf_counter()
        written = rollups.rebuild(conn)
        print(f"  rollups rebuilt in {time.perf_counter() - started:.1f} s "
              f"({sum(written.values()):,} rows)", flush=True)
        conn.exec_driver_sql("ANALYZE")


def _timed(function, runs: int) -> tuple[float, float]:
    """Return (cold ms, warm median ms) of function()."""
    started = time.perf_counter()
    function()
    cold = (time.perf_counter() - started) * 1000
    warm = []
    for _run in range(runs):
        started = time.perf_counter()
        function()
        warm.append((time.perf_counter() - started) * 1000)
    return cold, statistics.median(warm)


def measure(app, label: str, runs: int, ranges: dict) -> list[dict]:
    """Time the dashboard, the cheapest rollup read and the raw GROUP BY for each range."""
    from app.extensions import db
    from app.figures import flow, interviews
    from app.figures.dashboard import DashboardFilters, dashboard_data
    from app.figures.scope import Scope

    results = []
    with app.test_request_context():
        for name, (start, end) in ranges.items():
            params = {"start": start, "end": end}
            # The visitors of each day: the dashboard's cheapest read, and its raw twin.
            rollup_sql = sa.text(
                "SELECT local_date, SUM(persons) FROM flow_day WHERE kind = 'arrival' "
                "AND local_date BETWEEN :start AND :end GROUP BY local_date")
            raw_sql = sa.text(
                "SELECT local_date, SUM(party_size) FROM flow_entries "
                "WHERE kind = 'arrival' AND deleted_at IS NULL "
                "AND local_date BETWEEN :start AND :end GROUP BY local_date")

            def read(statement):
                with db.engine.connect() as conn:
                    return conn.execute(statement, params).all()

            scope = Scope(start, end)

            def layer_reads():
                # Every rollup read the dashboard makes, one after the other, not shaped.
                for read in (flow.arrivals_by_weekday_hour, flow.arrivals_by_day,
                             flow.arrivals_by_destination, flow.arrivals_by_profile,
                             flow.reorientations, interviews.interviews,
                             interviews.interviews_by_duration, interviews.interviews_by_profile,
                             interviews.interviews_by_day, interviews.interviews_by_theme,
                             interviews.interviews_by_outcome):
                    read(scope)
                for read in (flow.arrivals_by_day, flow.reorientations, interviews.interviews):
                    read(scope.previous())

            dash = _timed(lambda: dashboard_data(DashboardFilters(start, end)), runs)
            reads = _timed(layer_reads, runs)
            cheapest = _timed(lambda: read(rollup_sql), runs)
            raw = _timed(lambda: read(raw_sql), max(1, runs // 2))
            visitors = dashboard_data(DashboardFilters(start, end))["totals"]["visitors"]
            results.append({"db": label, "range": name, "visitors": visitors,
                            "dashboard": dash, "reads": reads, "cheapest": cheapest, "raw": raw})
    return results


def measure_exports(app) -> None:
    """Time the raw export of the last year as CSV and as a workbook, and the annual workbook."""
    import tempfile

    from app.exports.service import write_annual_report, write_raw_export

    start, end = RANGES["one year"]
    with app.app_context(), tempfile.TemporaryDirectory() as out:
        for fmt in ("csv", "xlsx"):
            started = time.perf_counter()
            paths = write_raw_export(start, end, None, Path(out), fmt)
            seconds = time.perf_counter() - started
            size = sum(path.stat().st_size for path in paths) / 1e6
            print(f"raw export {start.year}, {fmt:<5}: {seconds:6.1f} s ({size:.0f} MB with its "
                  f"JSON twin)", flush=True)
        started = time.perf_counter()
        write_annual_report(start.year, None, "internal", Path(out))
        print(f"annual workbook {start.year}: {time.perf_counter() - started:.1f} s", flush=True)


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def report(results: list[dict]) -> None:
    """Print the figures as a table: warm median (cold in brackets)."""
    print(f"\nload average {load_average()}")
    print(f"{'database':<30}{'range':<11}{'visitors':>11}{'dashboard':>17}"
          f"{'its rollup reads':>20}{'cheapest read':>18}{'raw GROUP BY':>19}")
    for row in results:
        cells = [f"{row[key][1]:.0f} ms ({row[key][0]:.0f})"
                 for key in ("dashboard", "reads", "cheapest", "raw")]
        print(f"{row['db']:<30}{row['range']:<11}{row['visitors']:>11,}{cells[0]:>17}"
              f"{cells[1]:>20}{cells[2]:>18}{cells[3]:>19}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--network", action="store_true",
                        help="also the 25-centre network on PostgreSQL")
    parser.add_argument("--exports", action="store_true",
                        help="also time the raw export (CSV, xlsx) and the annual workbook")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = []
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    for engine in engines:
        app = make_app(database_url(engine, "affluence_bench_figures"))
        demo_years(app, [(year, "villette", None) for year in YEARS])
        results += measure(app, f"{engine}, Villette x 10 y", args.runs, RANGES)
        if args.exports:
            measure_exports(app)
    if args.network:
        app = make_app(database_url("postgresql", "affluence_bench_network"))
        with app.app_context():
            from flask_migrate import upgrade

            from app.seed import seed_reference
            upgrade()
            seed_reference()
        codes = add_network_sites(app)
        # Marseille's three years are generated; the other 24 centres get a copy of them
        # under new ids (the queries' cost depends on the volumes, not on the patterns).
        demo_years(app, [(year, "marseille", "marseille") for year in NETWORK_YEARS])
        copy_to_network(app, codes[1:])
        results += measure(app, "postgresql, 25 centres x 3 y", args.runs,
                           {"one year": RANGES["one year"]})
    report(results)


if __name__ == "__main__":
    main()
