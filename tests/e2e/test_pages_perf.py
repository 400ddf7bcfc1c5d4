"""The tablet's first visit in Chromium: compressed, each file downloaded once, under 60 KB.

Speed is measured by bench/pages.py (figures beside a baseline); this only checks sizes and
that the service worker reuses what the page loaded instead of downloading it again.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

POINT = "marseille-rdc"
COLD_LOAD_LIMIT = 60 * 1024


class ByteCountingServer:
    """The app on its own loopback port, counting what each response puts on the wire."""

    def __init__(self, app):
        self.responses: list[tuple[str, int, int, str]] = []  # path, status, bytes, encoding
        self.lock = threading.Lock()

        def counting(environ, start_response):
            seen = {"bytes": 0}

            def start(status, headers, exc_info=None):
                seen["status"] = int(status.split()[0])
                seen["encoding"] = dict((k.lower(), v) for k, v in headers).get("content-encoding", "")
                seen["bytes"] += len(f"HTTP/1.1 {status}\r\n") + sum(len(k) + len(v) + 4 for k, v in headers) + 2
                return start_response(status, headers, exc_info)

            try:
                for chunk in app(environ, start):
                    seen["bytes"] += len(chunk)
                    yield chunk
            finally:
                with self.lock:
                    self.responses.append((environ["PATH_INFO"], seen.get("status", 0), seen["bytes"],
                                           seen.get("encoding", "")))

        self.server = make_server("127.0.0.1", 0, counting, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def taken(self) -> list[tuple[str, int, int, str]]:
        """Return the responses so far and start counting afresh."""
        with self.lock:
            seen, self.responses = self.responses, []
        return seen

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(app):
    running = ByteCountingServer(app)
    yield running
    running.stop()


def test_a_first_visit_transfers_under_60_kb_and_nothing_twice(browser, server, make_user):
    agent = make_user("agent")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True,
                                  locale="fr-FR", timezone_id="Europe/Paris", service_workers="allow")
    try:
        # Logged in without opening a page, so the browser's cache is as empty as a new tablet's.
        token = re.search(r'name="csrf-token" content="([^"]+)"',
                          context.request.get(f"{server.url}/login").text()).group(1)
        context.request.post(f"{server.url}/login", max_redirects=0, form={
            "username": agent.username, "password": PASSWORD, "csrf_token": token})
        server.taken()
        page = context.new_page()
        page.goto(f"{server.url}/accueil/{POINT}")
        expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")
        # Kept for offline use: the worker controls the page and holds its copy.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("() => caches.match(location.pathname).then(Boolean)", polling=100)
        page.wait_for_function("""() => caches.keys().then(names => caches.open(names[0]))
            .then(cache => Promise.all(['/static/dist/tablet.css', '/static/dist/tablet.js']
                .map(url => cache.match(url)))).then(kept => kept.every(Boolean))""", polling=100)
        page.wait_for_timeout(500)  # let the worker's last revalidations land
        responses = server.taken()

        downloaded = Counter(path for path, status, _size, _enc in responses if status == 200)
        assert downloaded[f"/accueil/{POINT}"] == 1, responses
        assert [path for path, times in downloaded.items() if times > 1] == [], responses
        encodings = {path: enc for path, status, _size, enc in responses if status == 200}
        for path in (f"/accueil/{POINT}", "/static/dist/tablet.js", "/static/dist/tablet.css"):
            assert encodings[path] in ("zstd", "br", "gzip"), (path, encodings[path])
        total = sum(size for _path, _status, size, _enc in responses)
        print(f"\ncold load of the tablet: {total / 1024:.1f} KB in {len(responses)} responses")
        assert total < COLD_LOAD_LIMIT, responses

        # The copy the worker kept is the page itself: it reopens without a network.
        context.set_offline(True)
        page.reload()
        expect(page.locator(".tablet-title")).to_have_text("Accueil rez-de-chaussée")
        page.locator('#arrival-panel [data-destination="emploi"]').tap()
        expect(page.get_by_test_id("queue-status")).to_have_text("1 en attente d'envoi")
        assert server.taken() == []
    finally:
        context.close()
