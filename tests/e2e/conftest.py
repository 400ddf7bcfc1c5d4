"""Browser fixtures: the real app served on loopback, driven by Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

TABLET_PORTRAIT = {"width": 800, "height": 1280}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """Return Debian's Chromium; the suite installs it (scripts/ensure-chromium.sh)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError("Chromium is missing: run scripts/ensure-chromium.sh")
    return path


ROOT = Path(__file__).resolve().parents[2]
BUNDLE_SOURCES = ("app/assets/*", "app/static/js/*.js", "app/static/css/*.css")
BUNDLES = ("app/static/dist/tablet.js", "app/static/dist/tablet.css")


def ensure_bundles() -> None:
    """Rebuild the tablet's bundles if a source is newer: the browser must run today's code."""
    built = [ROOT / name for name in BUNDLES]
    oldest = min((path.stat().st_mtime for path in built if path.exists()), default=None)
    newest = max(path.stat().st_mtime for pattern in BUNDLE_SOURCES for path in ROOT.glob(pattern))
    if oldest is None or len([p for p in built if p.exists()]) < len(built) or newest > oldest:
        subprocess.run([str(ROOT / "scripts" / "build-assets.sh")], check=True)


class LiveServer:
    """The app served by werkzeug in a thread, on a free loopback port."""

    def __init__(self, app):
        self.app = app
        self.in_flight = 0
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.counting, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def counting(self, environ, start_response):
        """Serve a request, counting it while it runs (see wait_idle)."""
        with self.lock:
            self.in_flight += 1
        try:
            yield from self.app(environ, start_response)
        finally:
            with self.lock:
                self.in_flight -= 1

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being served, so the next test's reset finds no lock."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    ensure_bundles()
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh tablet-sized, touch-enabled browser profile in French and Paris time."""
    ctx = browser.new_context(viewport=TABLET_PORTRAIT, has_touch=True, locale="fr-FR",
                              timezone_id="Europe/Paris", service_workers="allow")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()
    # A page's last background fetch may still be in the app: let it finish before the
    # next test empties the tables (on PostgreSQL, TRUNCATE would wait on its locks).
    live_server.wait_idle()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page


def login(page, base_url: str, username: str, password: str = PASSWORD, next_path: str = ""):
    """Log in through the real form."""
    target = f"{base_url}/login" + (f"?next={next_path}" if next_path else "")
    page.goto(target)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> None:
    """Keep a screenshot under reports/screenshots when AFFLUENCE_SCREENSHOTS is set."""
    folder = os.environ.get("AFFLUENCE_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
