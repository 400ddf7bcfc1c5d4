"""Benchmark the reception tablet's cold load: bytes transferred and time to the first usable button.

Not a test: it prints figures. It serves the app in-process (werkzeug, threaded) on a fresh
SQLite database, logs an agent in without loading any page (so the browser's cache is empty),
then opens the tablet page in a fresh headless Chromium profile, as a tablet does on its very
first visit, and waits until the service worker has kept the page for offline use. For each
variant, measured side by side in the same run:

* **bytes on the wire**: every response the server sent from the navigation until the page is
  kept offline (status line, headers, body as sent), the service worker's own requests
  included, counted by a WSGI wrapper around the app; beside it, Chromium's own figure for the
  page's requests (CDP ``Network.loadingFinished.encodedDataLength``, which cannot see the
  worker's requests), and which URLs were downloaded more than once;
* **first destination usable**: the later of the first contentful paint and the end of the
  task in which reception.js sets ``performance.mark('tablet-ready')`` once the buttons answer
  a tap (a tap waits for the task under way: long tasks observed from the start), in ms since
  navigation start, with the CPU throttled 4x (CDP ``Emulation.setCPUThrottlingRate``); the
  median of ``--runs`` cold loads.

Variants: ``baseline`` (before issue 8: no compression, the tablet's eight files one by one
and the service worker of commit ``BASELINE_SW``, which downloads the page and its assets a
second time), ``files`` (compression and the current worker, the eight files still one by one:
``ASSETS_BUNDLED = False``), ``now`` (compression, the current worker, and the tablet's two
bundles made by scripts/build-assets.sh). Beside them, ``floor``: one line of HTML and one
script setting the same mark, the least a page costs on this machine. The first paint (FCP)
is printed too: the buttons are usable once they are both painted and answering. ::

    .venv/bin/python bench/pages.py              # 5 cold loads per variant
    .venv/bin/python bench/pages.py --runs 9 --throttle 6
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

POINT = "marseille-rdc"
USERNAME, PASSWORD = "bench-agent", "bench-password-42"
# The last commit before the Pages work (issue 8): its sw.js fetched the page and its assets again.
BASELINE_SW = "d050bae"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# The floor: the least a page can cost here (a new renderer, one HTML, one script setting the
# same mark), measured by the same code, so the machine's own share of the figure shows.
FLOOR = {
    "/bench-floor": (b'<!doctype html><html lang="fr"><meta charset="utf-8"><title>floor</title>'
                     b'<button class="dest">ok</button><script src="/bench-floor.js"></script></html>',
                     "text/html; charset=utf-8"),
    "/bench-floor.js": (b"performance.mark('tablet-ready');", "text/javascript"),
}


class CountingApp:
    """WSGI wrapper: counts the bytes of every response (status line, headers, body) per URL."""

    def __init__(self, app, sw_source: bytes | None = None):
        self.app = app
        self.sw_source = sw_source
        self.lock = threading.Lock()
        self.responses: list[tuple[str, int, int]] = []  # (path, status, bytes)
        self.in_flight = 0

    def reset(self) -> None:
        with self.lock:
            self.responses = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path in FLOOR:
            return self._count(path, self._floor, environ, start_response)
        if self.sw_source is not None and path == "/sw.js":
            return self._count(path, self._old_worker, environ, start_response)
        return self._count(path, self.app, environ, start_response)

    def _floor(self, environ, start_response):
        body, kind = FLOOR[environ["PATH_INFO"]]
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]

    def _old_worker(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                  ("Cache-Control", "no-cache"),
                                  ("Content-Length", str(len(self.sw_source)))])
        return [self.sw_source]

    def _count(self, path, app, environ, start_response):
        seen = {}

        def counting_start(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            # "HTTP/1.1 200 OK\r\n", each "Name: value\r\n", the blank line.
            seen["bytes"] = len(f"HTTP/1.1 {status}\r\n") + sum(len(k) + len(v) + 4 for k, v in headers) + 2
            return start_response(status, headers, exc_info)

        with self.lock:
            self.in_flight += 1
        try:
            for chunk in app(environ, counting_start):
                seen["bytes"] = seen.get("bytes", 0) + len(chunk)
                yield chunk
        finally:
            with self.lock:
                self.in_flight -= 1
                self.responses.append((path, seen.get("status", 0), seen.get("bytes", 0)))

    def wait_idle(self, quiet: float = 0.5, timeout: float = 15.0) -> None:
        """Wait until no request has been served for `quiet` seconds."""
        import time

        deadline = time.monotonic() + timeout
        last = (-1, -1)
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            with self.lock:
                now = (len(self.responses), self.in_flight)
            if now != last or now[1]:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= quiet:
                return
            time.sleep(0.05)


def build_app(database_url: str, compress: bool, bundled: bool = True):
    """Create the app on the given database (migrated and seeded once by prepare_database)."""
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                  "COMPRESS_REGISTER": compress, "ASSETS_BUNDLED": bundled})


def prepare_database(database_url: str) -> None:
    """Migrate, seed the Marseille reference data and create one agent."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import Site, User
    from app.security import hash_password
    from app.seed import seed_reference

    app = build_app(database_url, compress=False)
    with app.app_context():
        upgrade()
        seed_reference()
        user = User(username=USERNAME, display_name="Bench", password_hash=hash_password(PASSWORD),
                    role="agent", site=db.session.scalar(sa.select(Site).where(Site.code == "marseille")))
        if hasattr(user, "must_change_password"):
            user.must_change_password = False
        db.session.add(user)
        db.session.commit()


def serve(wsgi) -> tuple[object, str]:
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def login(context, base_url: str) -> None:
    """Log in through the form with the context's request API: no page, so no cached asset."""
    page = context.request.get(f"{base_url}/login").text()
    token = META_CSRF.search(page).group(1)
    answer = context.request.post(f"{base_url}/login", form={
        "username": USERNAME, "password": PASSWORD, "csrf_token": token}, max_redirects=0)
    if answer.status != 302:
        raise RuntimeError(f"login refused ({answer.status})")


def floor_load(browser, base_url: str, throttle: float) -> float:
    """Return when the floor page's script ran, in ms since navigation start."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        if throttle > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto(f"{base_url}/bench-floor", wait_until="load")
        return page.evaluate("performance.getEntriesByName('tablet-ready')[0].startTime")
    finally:
        context.close()


def cold_load(browser, base_url: str, counter: CountingApp, throttle: float) -> dict:
    """Open the tablet page in a fresh profile; return bytes and timings until kept offline."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True,
                                  locale="fr-FR", timezone_id="Europe/Paris", service_workers="allow")
    try:
        login(context, base_url)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        if throttle > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page_bytes: dict[str, float] = {}
        cdp.on("Network.loadingFinished",
               lambda e: page_bytes.__setitem__(e["requestId"], e["encodedDataLength"]))
        # The long tasks (over 50 ms) of the load: a tap waits for the one under way to end.
        page.add_init_script("""window.__longTasks = [];
            new PerformanceObserver((list) => { window.__longTasks.push(...list.getEntries()
              .map((e) => [e.startTime, e.startTime + e.duration])); }).observe({ type: 'longtask' });""")
        counter.wait_idle(quiet=0.2)
        counter.reset()
        page.goto(f"{base_url}/accueil/{POINT}", wait_until="load")
        page.wait_for_function("() => performance.getEntriesByName('tablet-ready').length > 0")
        ready = page.evaluate("performance.getEntriesByName('tablet-ready')[0].startTime")
        # Painted and answering: a mark set before the first paint would claim too early, and a
        # tap waits until the task that set the mark has ended.
        page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
        painted = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
        page.wait_for_timeout(100)  # the observer's last entries
        free = page.evaluate("""(mark) => { const task = window.__longTasks.find(([start, end]) =>
            start <= mark && mark <= end); return task ? task[1] : mark; }""", ready)
        timings = page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const out = {responseStart: nav.responseStart, responseEnd: nav.responseEnd,
                         domInteractive: nav.domInteractive};
            performance.getEntriesByType('resource').forEach(r => {
                out[r.name.replace(location.origin, '')] = [Math.round(r.startTime), Math.round(r.responseEnd)]; });
            const start = performance.getEntriesByName('tablet-start')[0];
            out.scriptStart = start ? start.startTime : null;
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            out.fcp = paint ? paint.startTime : null;
            return out; }""")
        # Kept for offline use: the worker controls the page and holds its copy.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        page.wait_for_function("() => caches.match(location.pathname).then(Boolean)", polling=100,
                               timeout=20_000)
        counter.wait_idle()
        with counter.lock:
            responses = list(counter.responses)
        usable = page.evaluate("""() => { const b = document.querySelector('#arrival-panel .dest');
            const r = b.getBoundingClientRect();
            return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).closest('.dest') === b; }""")
        return {
            "wire": sum(size for _, _, size in responses),
            "cdp_page": sum(page_bytes.values()),
            "requests": len(responses),
            "twice": sorted(path for path, n in Counter(
                path for path, status, _ in responses if status == 200).items() if n > 1),
            "ready_ms": max(free, painted),
            "mark_ms": ready,
            "fcp_ms": painted,
            "usable": usable,
            "paths": responses,
            "timings": timings,
        }
    finally:
        context.close()


def old_worker_source() -> bytes:
    return subprocess.run(["git", "show", f"{BASELINE_SW}:app/static/js/sw.js"], cwd=ROOT,
                          capture_output=True, check=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads per variant (median)")
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slowdown factor")
    parser.add_argument("--verbose", action="store_true", help="list every response of the last run")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path, ensure_bundles

    ensure_bundles()
    tmp = tempfile.mkdtemp(prefix="affluence-pages-")
    database_url = f"sqlite:///{tmp}/pages.db"
    prepare_database(database_url)
    variants = {
        "baseline": CountingApp(build_app(database_url, compress=False, bundled=False), old_worker_source()),
        "files": CountingApp(build_app(database_url, compress=True, bundled=False)),
        "now": CountingApp(build_app(database_url, compress=True)),
    }
    servers = {name: serve(wsgi) for name, wsgi in variants.items()}
    results: dict[str, list[dict]] = {name: [] for name in variants}
    floor: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=CHROMIUM_ARGS)
        # Interleaved, so a busy moment of the shared machine weighs on every variant alike.
        for _run in range(args.runs):
            for name, wsgi in variants.items():
                results[name].append(cold_load(browser, servers[name][1], wsgi, args.throttle))
            floor.append(floor_load(browser, servers["now"][1], args.throttle))
        browser.close()
    for server, _url in servers.values():
        server.shutdown()

    load = os.getloadavg()[0]
    print(f"\nTablet cold load (/accueil/{POINT}, 1024x768), {args.runs} runs per variant, "
          f"CPU throttled {args.throttle:g}x, load average {load:.1f}\n")
    print("| variant | bytes on the wire (page + worker) | page only (CDP) | requests | downloaded twice "
          "| first paint, median | first destination usable: median (min-max) |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    for name, runs in results.items():
        wire = statistics.median(r["wire"] for r in runs)
        cdp = statistics.median(r["cdp_page"] for r in runs)
        ready = [r["ready_ms"] for r in runs]
        twice = ", ".join(runs[-1]["twice"]) or "none"
        paint = statistics.median(r["fcp_ms"] for r in runs)
        print(f"| {name} | {wire / 1024:.1f} KB | {cdp / 1024:.1f} KB | {runs[-1]['requests']} | {twice} "
              f"| {paint:.0f} ms | {statistics.median(ready):.0f} ms ({min(ready):.0f}-{max(ready):.0f}) |")
        assert all(r["usable"] for r in runs), f"{name}: the first destination was covered"
    print(f"| floor: one line of HTML and one script, same server and browser | | | 2 | | "
          f"| {statistics.median(floor):.0f} ms ({min(floor):.0f}-{max(floor):.0f}) |")
    above = statistics.median(r["ready_ms"] for r in results["now"]) - statistics.median(floor)
    print(f"\nthe tablet page itself (now minus floor): {above:.0f} ms")
    if args.verbose:
        for name, runs in results.items():
            print(f"\n{name}:")
            for path, status, size in runs[-1]["paths"]:
                print(f"  {status} {size:>7} B  {path}")
            print("  timings (ms):", {k: (round(v) if isinstance(v, float) else v)
                                      for k, v in runs[-1]["timings"].items()})
    now = statistics.median(r["wire"] for r in results["now"])
    ready_now = statistics.median(r["ready_ms"] for r in results["now"])
    print(f"\ntargets: under 60 KB transferred ({now / 1024:.1f} KB: {'met' if now < 60 * 1024 else 'MISSED'}), "
          f"first destination under 300 ms at {args.throttle:g}x CPU ({ready_now:.0f} ms: "
          f"{'met' if ready_now < 300 else 'MISSED'})")
    return 0 if now < 60 * 1024 and ready_now < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
