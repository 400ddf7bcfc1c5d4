"""The regional network's figures (issue 10), timed beside the dashboard of the same scope.

Builds (once) a database with a Marseille year and its seven associated centres through the
demo generator (DOMAIN.md: ~62,000 of ~95,000 regional visitors), then prints, for the
whole year and the whole network: the dashboard (baseline), the centres side by side, the
data-quality panel and the annual consolidation data, each the median of N warm runs.

    .venv/bin/python bench/network.py [--runs 7] [--db /tmp/affluence-bench-network.db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

YEAR = 2025
CENTRES = ("marseille", "gap", "istres", "martigues", "aubagne", "la-garde", "sisteron",
           "antibes")


def timed(function, runs: int) -> tuple[float, float]:
    """Return (cold, median warm) milliseconds."""
    began = time.perf_counter()
    function()
    cold = (time.perf_counter() - began) * 1000
    warm = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        warm.append((time.perf_counter() - began) * 1000)
    return cold, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", default="/tmp/affluence-bench-network.db")
    args = parser.parse_args()
    fresh = not Path(args.db).exists()
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"

    from flask_migrate import upgrade

    from app import create_app
    from app.demo import generate_year
    from app.figures import network
    from app.figures.dashboard import DashboardFilters, dashboard_data
    from app.figures.period import period_data
    from app.figures.scope import Scope
    from app.seed import seed_reference

    app = create_app()
    with app.app_context(), app.test_request_context():
        if fresh:
            upgrade()
            seed_reference()
            for code in CENTRES:
                summary = generate_year(YEAR, site_code=code)
                print(f"built {code}: {summary.visitors:,} visitors, "
                      f"{summary.opening_days} opening days")
        scope = Scope(date(YEAR, 1, 1), date(YEAR, 12, 31))
        rows = [
            ("dashboard_data (baseline)", lambda: dashboard_data(
                DashboardFilters(scope.start, scope.end))),
            ("network.side_by_side", lambda: network.side_by_side(scope)),
            ("network.data_quality", lambda: network.data_quality(scope)),
            ("period_data (annual, with both)", lambda: period_data(scope.start, scope.end,
                                                                    None)),
        ]
        compared = network.side_by_side(scope)
        print(f"network {YEAR}: {compared['total']['visitors']:,} visitors, "
              f"{compared['sites'][0]['visitors']:,} in {compared['sites'][0]['label']}")
        for name, function in rows:
            cold, warm = timed(function, args.runs)
            print(f"{name:34} cold {cold:7.1f} ms   warm median {warm:7.1f} ms")


if __name__ == "__main__":
    main()
