"""Benchmark: the bilan d'activité of a La Villette-sized year, as a PDF and as a page.

Not a test: it prints figures (copied into the README). The database holds two
Villette-sized years (2024, 2025; about 300,000 arrivals each), built once with
bench/figures.py's builder and reused. Measured in the same run, side by side:
- the annual workbook and its twin (the baseline: the same figures, already measured);
- the bilan's PDF: figures gathered, charts drawn, laid out by WeasyPrint, written;
- the bilan's page as the app serves it (figures, HTML; its charts come beside it), and one
  chart as the browser then asks for it (drawn as SVG);
- the peak memory (RSS) of a fresh process compiling the PDF.
Targets (issue 12): the PDF under 10 s and 300 MB, the page under 1 s.

    .venv/bin/python bench/bilan.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import build, load_average, make_app  # noqa: E402

SQLITE_PATH = Path(os.environ.get("BENCH_SQLITE_BILAN", "/tmp/affluence-bench-bilan.db"))
YEAR = 2025


def _median(function, runs: int) -> tuple[float, float]:
    """Return (first run, median of the runs) in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times)


def compile_once(out: str) -> None:
    """Compile the PDF in this process and print its peak RSS (run in a fresh process)."""
    app = make_app(f"sqlite:///{SQLITE_PATH}")
    from app.bilan import services

    with app.app_context():
        path = services.write_pdf(YEAR, None, "public", Path(out))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.0f} {path.stat().st_size}")


def _page(app) -> None:
    """Serve the bilan's page to a director, as the app does (view, figures, charts, HTML)."""
    import sqlalchemy as sa
    from flask_login import login_user

    from app.bilan.views import page
    from app.extensions import db
    from app.models import Site, User

    director = db.session.scalar(sa.select(User).where(User.username == "bench-director"))
    if director is None:
        director = User(username="bench-director", password_hash="x", role="director",
                        site_id=db.session.scalar(sa.select(Site.id).limit(1)))
        db.session.add(director)
        db.session.commit()
    with app.test_request_context(f"/rapports/bilan/?year={YEAR}&edition=internal"):
        login_user(director)
        html = page()
        assert "bilan-section" in html


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peak", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak:
        compile_once(args.peak)
        return
    app = make_app(f"sqlite:///{SQLITE_PATH}")
    build(app, [(YEAR - 1, "villette", None), (YEAR, "villette", None)])
    from app.bilan import services
    from app.exports.service import write_annual_report

    print(f"load average at the start {load_average()}", flush=True)
    with app.app_context(), tempfile.TemporaryDirectory() as out:
        visitors = services.gather(YEAR, None, "internal")["twin"]["visitors"]
        workbook = _median(lambda: write_annual_report(YEAR, None, "internal", Path(out)),
                           args.runs)
        pdf = _median(lambda: services.write_pdf(YEAR, None, "internal", Path(out)), args.runs)
        pages = len(__import__("pypdf").PdfReader(
            Path(out) / "bilan_2025_reseau_internal.pdf").pages)
        # The page reads its figures afresh (no minute-long cache), as on a first visit.
        app.config["BILAN_CACHE_SECONDS"] = 0
        page = _median(lambda: _page(app), args.runs)
        data = services.gather(YEAR, None, "internal")
        from app.bilan import render

        keys = render.chart_keys(data)
        chart = _median(lambda: [render.draw_chart(data, key) for key in keys], args.runs)
        chart = (chart[0] / len(keys), chart[1] / len(keys))
        peak = subprocess.run([sys.executable, __file__, "--peak", out], check=True,
                              capture_output=True, text=True).stdout.split()
    print(f"\nVillette-sized year {YEAR}: {visitors:,} visitors; PDF of {pages} pages, "
          f"{int(peak[1]) / 1e6:.1f} MB")
    print(f"{'what':<36}{'first':>9}{'median':>9}")
    for label, (first, median) in (("annual workbook + twin (baseline)", workbook),
                                   ("bilan PDF (gather, charts, layout)", pdf),
                                   ("bilan page (figures, HTML)", page),
                                   ("one of its charts (SVG), average", chart)):
        print(f"{label:<36}{first:>8.2f}s{median:>8.2f}s")
    print(f"peak RSS of a fresh process compiling the PDF: {float(peak[0]):.0f} MB")
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()
