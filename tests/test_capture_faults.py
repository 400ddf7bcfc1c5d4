"""A real gunicorn SIGKILLed in the middle of a tablet load, then restarted (issue 7).

Tablets keep posting batches of entries with their own UUIDs and retry whatever got no
answer. After two kills and restarts: every entry the server acknowledged is stored, the
retries stored all the rest, and nothing is stored or acknowledged as created twice. Runs on
the session's database (SQLite, or PostgreSQL with TEST_DATABASE_URL), bounded in time.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import FlowEntry
from app.timeutil import utcnow
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
TABLETS = 4
LOAD_SECONDS = 1.5     # of load before each kill, and after the last restart
DEADLINE_SECONDS = 90  # the whole test, start-ups included, on a loaded 2-core machine
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app on the test database, in its own process group."""

    def __init__(self, database_url: str, port: int, log: Path):
        self.env = {**os.environ, "DATABASE_URL": database_url, "AFFLUENCE_ENV": "development",
                    "SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--workers", "2", "--worker-class", "gthread", "--threads", "4",
                 "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "1", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: no graceful anything."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Tablet(threading.Thread):
    """Posts batches of fresh entries; retries a batch, same UUIDs, until it is answered."""

    def __init__(self, port: int, username: str, stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.port, self.username, self.stop = port, username, stop
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.sent: set[str] = set()
        self.acknowledged: dict[str, list[str]] = {}
        self.failures = 0
        self.errors: list[str] = []
        self.seed = seed

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response.status, data

    def login(self) -> None:
        _status, page = self.request("GET", "/login")
        token = META_CSRF.search(page.decode()).group(1)
        form = urllib.parse.urlencode({"username": self.username, "password": PASSWORD,
                                       "csrf_token": token}).encode()
        status, _ = self.request("POST", "/login", form,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login answered {status}"
        status, data = self.request("GET", "/api/v1/csrf", headers={"Accept": "application/json"})
        assert status == 200, f"csrf answered {status}"
        self.token = json.loads(data)["csrf_token"]

    def post(self, batch: list[dict]) -> list[dict] | None:
        """Send a batch; return its results, or None when no usable answer came back."""
        try:
            status, data = self.request("POST", "/api/v1/entries", json.dumps({"entries": batch}).encode(),
                                        {"Content-Type": "application/json", "Accept": "application/json",
                                         "X-CSRFToken": self.token})
        except (OSError, http.client.HTTPException):
            return None  # killed mid-flight, or not listening yet
        if status != 200:
            if status >= 500:
                self.errors.append(f"{status}: {data[:200]!r}")
            return None
        return json.loads(data)["results"]

    def run(self) -> None:
        import random

        rng = random.Random(self.seed)
        while not self.stop.is_set():
            batch = [{"id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
                      "reception_point": "marseille-rdc",
                      "destination": rng.choice(["emploi", "formation", "cyber", "desk"])}
                     for _ in range(rng.randint(1, 5))]
            self.sent.update(entry["id"] for entry in batch)
            # A tablet never gives up on a batch: same UUIDs until the server answers.
            while True:
                results = self.post(batch)
                if results is not None:
                    break
                self.failures += 1
                if time.monotonic() > self.give_up_at:
                    return
                time.sleep(0.05)
            for entry, result in zip(batch, results):
                assert result["id"] == entry["id"]
                self.acknowledged.setdefault(entry["id"], []).append(result["status"])


def test_sigkilled_gunicorn_loses_nothing_and_doubles_nothing(app, make_user, database_url, tmp_path):
    started = time.monotonic()
    agent = make_user("agent")
    server = Server(database_url, free_port(), tmp_path / "gunicorn.log")
    stop = threading.Event()
    tablets = [Tablet(server.port, agent.username, stop, seed) for seed in range(TABLETS)]
    try:
        server.start()
        for tablet in tablets:
            tablet.give_up_at = started + DEADLINE_SECONDS - 10
            tablet.login()
            tablet.start()
        for _cycle in range(2):
            time.sleep(LOAD_SECONDS)
            server.kill()
            time.sleep(0.3)  # tablets meet a dead port for a moment
            server.start()
        time.sleep(LOAD_SECONDS)
        stop.set()
        for tablet in tablets:
            tablet.join(timeout=max(1, started + DEADLINE_SECONDS - time.monotonic()))
    finally:
        stop.set()
        server.kill()

    assert not any(tablet.is_alive() for tablet in tablets), "a tablet was still retrying at the deadline"
    sent = set().union(*(tablet.sent for tablet in tablets))
    acknowledged: dict[str, list[str]] = {}
    for tablet in tablets:
        for entry_id, statuses in tablet.acknowledged.items():
            acknowledged.setdefault(entry_id, []).extend(statuses)
    with app.app_context():
        stored = [str(i) for i in db.session.scalars(sa.select(FlowEntry.id))]
        db.session.remove()

    print(f"{len(sent)} entries sent, {sum(t.failures for t in tablets)} requests cut or refused, "
          f"{sum(s.count('duplicate') for s in acknowledged.values())} answered duplicate, "
          f"{len(stored)} stored, in {time.monotonic() - started:.1f} s")
    assert [e for tablet in tablets for e in tablet.errors] == []
    assert sum(tablet.failures for tablet in tablets) > 0, "no request was cut: the kill came too late"
    assert len(sent) > 50
    assert set(acknowledged) == sent                      # the retries completed the rest
    assert set(stored) == sent                            # every acknowledged entry is stored...
    assert len(stored) == len(set(stored))                # ...once
    assert all(statuses.count("created") <= 1 for statuses in acknowledged.values())
    assert {s for statuses in acknowledged.values() for s in statuses} <= {"created", "duplicate"}
    assert time.monotonic() - started < DEADLINE_SECONDS
