"""Benchmark the tablet capture API under gunicorn, on SQLite and on PostgreSQL.

Not a test: it prints figures. For each engine it builds a fresh database (migrations, seed,
one agent account made with `flask users create`), starts two gunicorns on it with the same
settings: the real app, and a bare Flask route doing the same multi-row
`INSERT … ON CONFLICT DO NOTHING RETURNING id` into flow_entries (no login, no validation:
the yardstick, `bare_app` below). It logs in one session per simulated tablet (its own cookie
and CSRF token, as a browser would), then runs against each, side by side in the same run:

1. the floor load: N tablets each posting one entry per second for --duration seconds;
2. a saturation run: closed-loop clients posting as fast as they can, at rising concurrency.

A share of requests (--retry-share) is sent a second time, as a tablet does when an answer is
lost: the second answer must be "duplicate". At the end the rows in the database are compared
with the UUIDs sent: lost entries (acknowledged but missing) and duplicated ones (stored or
acknowledged as created more than once) must both be zero.

    .venv/bin/python bench/capture.py                      # both engines, 60 s floor load
    .venv/bin/python bench/capture.py --engines sqlite --duration 10
    .venv/bin/python bench/capture.py --worker-class sync --workers 4

Targets (issue 8): the real endpoint's saturation at least half the bare route's, and its p95
at 50 tablets under 15 ms. The database carries whatever migrations add (the daily rollup
triggers of 0003 fire for both servers alike).

Only the standard library on the client side; gunicorn, SQLAlchemy and psycopg come from the
project's virtualenv. Everything it creates (temp dir, gunicorn, the PostgreSQL database) is
removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
POINTS = ("marseille-rdc", "marseille-1", "marseille-2")
POLES = ("orientation", "formation", "emploi", "creation")
DESTINATIONS = POLES * 3 + ("documentation", "cyber", "desk", "event", "partner:mission-locale",
                            "partner:france-travail", "partner:cidff")
PROFILE = {
    "gender": ("femme", "homme", "autre", None),
    "age_band": ("moins-16", "16-25", "26-44", "45-54", "55-plus", None),
    "first_visit": ("oui", "non", None),
    "status": ("scolaire", "etudiant", "demandeur-emploi", "salarie", None, None),
}
USERNAME = "bench-agent"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# ---------------------------------------------------------------- the yardstick: a bare route

def bare_app():
    """Return a bare Flask app: POST /api/v1/entries does the capture's INSERT and nothing else.

    Same database, same table, same statement (`INSERT … ON CONFLICT (id) DO NOTHING
    RETURNING id`, one per batch, with the payload digest), same SQLite pragmas and
    `BEGIN IMMEDIATE`; no session, no CSRF, no validation beyond looking codes up in dicts
    read at start. gunicorn loads it as `bench.capture:bare_app()`.
    """
    import hashlib
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa
    from flask import Flask, jsonify, request
    from sqlalchemy.dialects import postgresql, sqlite

    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, pool_size=10)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "synchronous = FULL",
                           "foreign_keys = ON"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    from app.models import FlowEntry  # the table and column types only: no app is built

    table = FlowEntry.__table__
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[engine.dialect.name]
    with engine.connect() as conn:
        codes = lambda name: dict(conn.exec_driver_sql(f"SELECT code, id FROM {name}").all())  # noqa: E731
        points = {code: (pid, site) for code, pid, site in
                  conn.exec_driver_sql("SELECT code, id, site_id FROM reception_points").all()}
        poles, partners = codes("poles"), codes("partners")
        options = {(category, code): oid for category, code, oid in
                   conn.exec_driver_sql("SELECT category, code, id FROM profile_options").all()}
        author = conn.execute(sa.text("SELECT id FROM users WHERE username = :name"),
                              {"name": USERNAME}).scalar()
    paris = ZoneInfo("Europe/Paris")
    app = Flask("bare")

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.post("/api/v1/entries")
    def entries():
        batch = request.get_json()["entries"]
        now = datetime.now(timezone.utc)
        rows = []
        for raw in batch:
            occurred = datetime.fromisoformat(raw["occurred_at"]).astimezone(timezone.utc)
            local = occurred.astimezone(paris)
            point_id, site_id = points[raw["reception_point"]]
            destination = raw["destination"]
            kind = ("partner" if destination.startswith("partner:") else
                    "pole" if destination in poles else destination)
            profile = raw.get("profile") or {}
            values = {
                "kind": raw["kind"], "occurred_at": occurred, "local_date": local.date(),
                "local_hour": local.hour, "site_id": site_id, "reception_point_id": point_id,
                "destination_kind": kind, "destination_pole_id": poles.get(destination),
                "destination_partner_id": partners.get(destination.removeprefix("partner:")),
                "event_type_id": None, "from_pole_id": poles.get(raw.get("from_pole")),
                "party_size": raw.get("party_size", 1),
                **{f"{c}_id": options.get((c, profile.get(c))) for c in PROFILE},
            }
            digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
            rows.append({"id": uuid.UUID(raw["id"]), **values, "payload_digest": digest,
                         "created_by_id": author, "received_at": now})
        with engine.begin() as conn:
            created = set(conn.execute(insert(table).values(rows).on_conflict_do_nothing(
                index_elements=["id"]).returning(table.c.id)).scalars())
        return jsonify(results=[{"id": raw["id"], "status": "created" if row["id"] in created
                                 else "duplicate"} for raw, row in zip(batch, rows)])

    return app


# ---------------------------------------------------------------- one simulated tablet

class Tablet:
    """One tablet: a keep-alive HTTP connection, a session cookie and a CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        """Send one request; reopen a connection the server closed while idle."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The keep-alive socket was closed before this request reached the server.
                self.conn.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, data

    def login(self, username: str, password: str) -> None:
        """Log in through the real form, then open the tablet page for its CSRF token."""
        status, page = self.request("GET", "/login")
        token = META_CSRF.search(page.decode()).group(1)
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
        status, _ = self.request("POST", "/login", form.encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login refused ({status})")
        status, page = self.request("GET", f"/accueil/{POINTS[0]}")
        if status != 200:
            raise RuntimeError(f"tablet page answered {status}")
        self.token = META_CSRF.search(page.decode()).group(1)

    def post_entries(self, entries: list[dict]) -> tuple[int, list[dict] | None]:
        """POST a batch; return the HTTP status and the per-entry results (None if not JSON)."""
        body = json.dumps({"entries": entries}).encode()
        status, data = self.request("POST", "/api/v1/entries", body, {
            "Content-Type": "application/json", "Accept": "application/json",
            "X-CSRFToken": self.token})
        try:
            return status, json.loads(data)["results"]
        except (ValueError, KeyError, TypeError):
            return status, None


def make_entry(rng: random.Random) -> dict:
    """Return one realistic tap: mostly arrivals, a few reorientations and groups."""
    entry = {
        "id": str(uuid.uuid4()),
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "reception_point": rng.choice(POINTS),
        "party_size": 1 if rng.random() < 0.9 else rng.randint(2, 30),
    }
    if rng.random() < 0.1:
        origin = rng.choice(POLES)
        entry.update(kind="reorientation", from_pole=origin,
                     destination=rng.choice([p for p in POLES if p != origin] + ["partner:cidff"]))
    else:
        entry.update(kind="arrival", destination=rng.choice(DESTINATIONS))
        profile = {k: v for k, v in ((k, rng.choice(opts)) for k, opts in PROFILE.items()) if v}
        if profile:
            entry["profile"] = profile
    return entry


# ---------------------------------------------------------------- measuring

@dataclass
class Tally:
    """What one client saw; merged per phase."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    sent: set[str] = field(default_factory=set)
    retries: int = 0
    retries_duplicate: int = 0

    def merge(self, other: "Tally") -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        for key, n in other.created.items():
            self.created[key] = self.created.get(key, 0) + n
        self.acknowledged |= other.acknowledged
        self.sent |= other.sent
        self.retries += other.retries
        self.retries_duplicate += other.retries_duplicate


def send_one(tablet: Tablet, tally: Tally, rng: random.Random, retry_share: float) -> None:
    """Post one new entry, and sometimes post it again as if its answer had been lost."""
    entry = make_entry(rng)
    tally.sent.add(entry["id"])
    attempts = 2 if rng.random() < retry_share else 1
    for attempt in range(attempts):
        reconnects = tablet.reconnects
        start = time.perf_counter()
        try:
            status, results = tablet.post_entries([entry])
        except (OSError, http.client.HTTPException) as error:
            tally.errors.append(f"{type(error).__name__}: {error}")
            continue
        tally.latencies.append(time.perf_counter() - start)
        if status != 200 or not results:
            tally.errors.append(f"HTTP {status}")
            continue
        result = results[0]
        if result["status"] == "rejected":
            tally.errors.append(f"rejected: {result.get('error')}")
            continue
        tally.acknowledged.add(entry["id"])
        if result["status"] == "created":
            tally.created[entry["id"]] = tally.created.get(entry["id"], 0) + 1
        if attempt == 1:
            tally.retries += 1
            tally.retries_duplicate += result["status"] == "duplicate"
        elif result["status"] == "duplicate" and tablet.reconnects == reconnects:
            tally.errors.append("a new entry was answered 'duplicate'")


def run_clients(tablets: list[Tablet], worker, seconds: float) -> tuple[Tally, float]:
    """Run worker(tablet, tally, rng, end) on each tablet in its own thread."""
    tallies = [Tally() for _ in tablets]
    start = time.perf_counter()
    end = start + seconds
    # Daemon threads: on Ctrl-C the main thread cleans up and leaves without waiting for them.
    threads = [threading.Thread(target=worker, args=(t, tallies[i], random.Random(i * 7919 + 1), start, end),
                                daemon=True)
               for i, t in enumerate(tablets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total, elapsed


def floor_load(tablets: list[Tablet], seconds: float, rate: float, retry_share: float):
    """Each tablet posts `rate` entries per second, spread over the second."""

    def worker(tablet, tally, rng, start, end):
        offset = rng.random() / rate
        n = 0
        while True:
            due = start + offset + n / rate
            if due >= end:
                return
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            send_one(tablet, tally, rng, retry_share)
            n += 1

    return run_clients(tablets, worker, seconds)


def saturation(tablets: list[Tablet], seconds: float, retry_share: float):
    """Closed-loop clients that post as fast as the server answers."""

    def worker(tablet, tally, rng, start, end):
        while time.perf_counter() < end:
            send_one(tablet, tally, rng, retry_share)

    return run_clients(tablets, worker, seconds)


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (0-100) in milliseconds."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1] * 1000


@dataclass
class PhaseResult:
    name: str
    clients: int
    elapsed: float
    tally: Tally
    cpu: dict[str, float] = field(default_factory=dict)
    target: str = "app"

    def row(self) -> dict:
        t = self.tally
        requests = max(len(t.latencies), 1)
        return {
            "cpu app": self.cpu.get("app", 0.0) / requests * 1000,
            "cpu db": self.cpu.get("db", 0.0) / requests * 1000,
            "target": self.target, "phase": self.name, "clients": self.clients,
            "requests": len(t.latencies),
            "req/s": len(t.latencies) / self.elapsed,
            "p50": percentile(t.latencies, 50), "p95": percentile(t.latencies, 95),
            "p99": percentile(t.latencies, 99), "max": max(t.latencies, default=0) * 1000,
            "errors": len(t.errors), "retries": t.retries, "retry dup": t.retries_duplicate,
        }


# ---------------------------------------------------------------- server CPU, whatever the neighbours do

CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """Return the user+system CPU seconds a process has used (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def children(pid: int) -> list[int]:
    """Return the pids of a process's direct children."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU used by gunicorn (and PostgreSQL's backends for our database) during a phase.

    On a shared machine the latencies depend on the neighbours; the CPU a request costs
    does not much, and says how many requests per second the cores could carry.
    """

    def __init__(self, engine: "Engine", master: int):
        self.engine = engine
        self.master = master

    def snapshot(self) -> dict[str, dict[int, float]]:
        master = self.master
        app = {pid: cpu_seconds(pid) for pid in [master, *children(master)]}
        return {"app": app, "db": {pid: cpu_seconds(pid) for pid in self.engine.backend_pids()}}

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        return {part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in after[part].items())
                for part in after}


# ---------------------------------------------------------------- the server under test

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    """Run a project flask command; stop the benchmark if it fails."""
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Engine:
    """A fresh database of one kind, and the gunicorn serving it."""

    def __init__(self, kind: str, pg_admin_url: str, workdir: Path):
        self.kind = kind
        self.pg_admin_url = pg_admin_url
        self.workdir = workdir
        self.pg_name = None
        self.server = None
        self.port = free_port()
        self.log = None
        # The yardstick: bench.capture:bare_app() on the same database.
        self.bare = None
        self.bare_port = free_port()
        self.bare_log = None
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            self.pg_name = f"affluence_bench_{secrets.token_hex(5)}"
            self.url = pg_admin_url.rsplit("/", 1)[0] + "/" + self.pg_name

    def _admin(self):
        import sqlalchemy as sa

        url = self.pg_admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
        return sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(DATABASE_URL=self.url, AFFLUENCE_ENV="production",
                   SECRET_KEY=secrets.token_hex(32), PYTHONDONTWRITEBYTECODE="1")
        return env

    def prepare(self, password: str) -> None:
        """Create the database, migrate, seed and create the agent, as an operator would."""
        if self.pg_name:
            engine = self._admin()
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.pg_name}"')
            engine.dispose()
        env = self.env()
        flask(env, "db", "upgrade")
        flask(env, "seed")
        flask(env, "users", "create", USERNAME, "--role", "agent", "--site", "marseille",
              "--password", password)
        # An account made by an operator chooses its own password at first login: the
        # benchmark's agent is past that step.
        import sqlalchemy as sa

        database = sa.create_engine(self.url.replace("postgresql://", "postgresql+psycopg://", 1))
        with database.begin() as conn:
            conn.execute(sa.text("UPDATE users SET must_change_password = :no WHERE username = :name"),
                         {"no": False, "name": USERNAME})
        database.dispose()

    def start(self, worker_class: str, workers: int, threads: int) -> None:
        """Start both gunicorns (the app, the bare route); pick another port if one is taken."""
        for bare in (False, True):
            for attempt in range(3):
                try:
                    self._start(worker_class, workers, threads, bare)
                    break
                except RuntimeError as error:
                    if "Address already in use" not in str(error) or attempt == 2:
                        raise
                    if bare:
                        self.bare_port = free_port()
                    else:
                        self.port = free_port()

    def _start(self, worker_class: str, workers: int, threads: int, bare: bool) -> None:
        port = self.bare_port if bare else self.port
        log = open(self.workdir / f"gunicorn-{self.kind}{'-bare' if bare else ''}.log", "w")
        command = [str(VENV_BIN / "gunicorn"), "--worker-class", worker_class, "--workers", str(workers),
                   "--bind", f"127.0.0.1:{port}", "--keep-alive", "10", "--log-level", "warning"]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        command.append("bench.capture:bare_app()" if bare else "wsgi:app")
        server = subprocess.Popen(command, cwd=ROOT, env=self.env(), stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        if bare:
            self.bare, self.bare_log = server, log
        else:
            self.server, self.log = server, log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                log.flush()
                tail = Path(log.name).read_text()[-2000:]
                raise RuntimeError(f"gunicorn exited:\n{tail}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def backend_pids(self) -> list[int]:
        """Return the pids of PostgreSQL backends connected to this database (none for SQLite)."""
        if not self.pg_name:
            return []
        engine = self._admin()
        with engine.connect() as conn:
            pids = [pid for (pid,) in conn.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.pg_name,))]
        engine.dispose()
        return pids

    def stored_ids(self) -> tuple[int, set[str]]:
        """Return the number of flow entry rows and the set of their ids."""
        import sqlalchemy as sa

        url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            ids = [str(uuid.UUID(str(value))) for (value,) in
                   conn.exec_driver_sql("SELECT id FROM flow_entries")]
        engine.dispose()
        return len(ids), set(ids)

    def stop(self) -> None:
        """Stop both gunicorns and drop the PostgreSQL database; safe to call twice."""
        for server in (self.server, self.bare):
            if server and server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
        self.server = self.bare = None
        for log in (self.log, self.bare_log):
            if log:
                log.close()
        self.log = self.bare_log = None
        if self.pg_name:
            engine = self._admin()
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            engine.dispose()
            self.pg_name = None


# ---------------------------------------------------------------- one engine, end to end

def bench_engine(kind: str, args, workdir: Path) -> dict:
    """Run the floor load and the saturation on one engine, bare route and app side by side."""
    password = secrets.token_urlsafe(12)
    engine = Engine(kind, args.pg_url, workdir)
    try:
        engine.prepare(password)
        engine.start(args.worker_class, args.workers, args.threads)
        sessions = max(args.tablets, max(args.levels))
        tablets = {"app": [Tablet(engine.port) for _ in range(sessions)],
                   "bare": [Tablet(engine.bare_port) for _ in range(sessions)]}
        login_start = time.perf_counter()
        for tablet in tablets["app"]:
            tablet.login(USERNAME, password)
        login_seconds = time.perf_counter() - login_start
        for tablet in tablets["app"]:
            # Warm up: open every keep-alive connection and the workers' database pools.
            tablet.request("GET", "/api/v1/counts", headers={"Accept": "application/json"})
        for tablet in tablets["bare"]:
            tablet.request("GET", "/healthz")
        print(f"[{kind}] {sessions} sessions logged in ({login_seconds:.1f} s); "
              f"floor load: {args.tablets} tablets x {args.rate}/s for {args.duration:.0f} s", flush=True)

        meters = {"app": CpuMeter(engine, engine.server.pid), "bare": CpuMeter(engine, engine.bare.pid)}
        phases = []
        for target in ("bare", "app"):
            print(f"[{kind}] floor load on {target}", flush=True)
            before = meters[target].snapshot()
            tally, elapsed = floor_load(tablets[target][:args.tablets], args.duration, args.rate,
                                        args.retry_share)
            phases.append(PhaseResult("floor", args.tablets, elapsed, tally,
                                      meters[target].used(before, meters[target].snapshot()), target))
        for level in args.levels:
            for target in ("bare", "app"):
                print(f"[{kind}] saturation on {target}: {level} clients for {args.step:.0f} s", flush=True)
                before = meters[target].snapshot()
                tally, elapsed = saturation(tablets[target][:level], args.step, args.retry_share)
                phases.append(PhaseResult("saturation", level, elapsed, tally,
                                          meters[target].used(before, meters[target].snapshot()), target))

        everything = Tally()
        for phase in phases:
            everything.merge(phase.tally)
        rows, stored = engine.stored_ids()
        lost = everything.acknowledged - stored
        duplicated = (rows - len(stored)) + sum(n - 1 for n in everything.created.values() if n > 1)
        return {
            "engine": kind, "phases": phases, "rows": rows, "sent": len(everything.sent),
            "acknowledged": len(everything.acknowledged), "lost": len(lost),
            "unacknowledged": len(everything.sent - everything.acknowledged),
            "unexpected": len(stored - everything.sent), "duplicated": duplicated,
            "errors": everything.errors[:5],
            "reconnects": sum(t.reconnects for group in tablets.values() for t in group),
            "load": os.getloadavg()[0],
        }
    finally:
        engine.stop()


def verdicts(result: dict) -> dict:
    """Return the targets of issue 8 for the app, against the bare route of the same run."""
    def best(target):
        return max((p.row()["req/s"] for p in result["phases"]
                    if p.name == "saturation" and p.target == target), default=0.0)

    floor = next(p.row() for p in result["phases"] if p.name == "floor" and p.target == "app")
    ratio = best("app") / best("bare") if best("bare") else 0.0
    return {"app saturation": best("app"), "bare saturation": best("bare"), "ratio": ratio,
            "p95": floor["p95"], "met": ratio >= 0.5 and floor["p95"] < 15}


def print_report(result: dict, args) -> None:
    """Print one engine's figures as a table."""
    print()
    print(f"== {result['engine']} · gunicorn {args.worker_class} {args.workers} workers"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else ""))
    header = ("target", "phase", "clients", "requests", "req/s", "p50", "p95", "p99", "max", "errors",
              "retries", "retry dup", "cpu app", "cpu db")
    print("  ".join(f"{h:>10}" for h in header) + "   (latencies and CPU in ms per request)")
    for phase in result["phases"]:
        row = phase.row()
        cells = []
        for key in header:
            value = row[key]
            cells.append(f"{value:>10.1f}" if isinstance(value, float) else f"{value:>10}")
        print("  ".join(cells))
    print(f"entries sent {result['sent']}, acknowledged {result['acknowledged']}, rows stored {result['rows']}; "
          f"lost {result['lost']}, duplicated {result['duplicated']}, unacknowledged "
          f"{result['unacknowledged']}, unexpected rows {result['unexpected']}; "
          f"reconnects {result['reconnects']}; load average at the end {result['load']:.1f}")
    if result["errors"]:
        print("first errors:", *result["errors"], sep="\n  ")
    v = verdicts(result)
    print(f"saturation: app {v['app saturation']:.0f} req/s, bare route {v['bare saturation']:.0f} req/s "
          f"({v['ratio']:.2f} of it; target >= 0.5); app p95 at {args.tablets} tablets {v['p95']:.1f} ms "
          f"(target < 15): {'met' if v['met'] else 'NOT met'}")


def markdown(results: list[dict], args) -> str:
    """Return the figures as a Markdown table for bench/README.md."""
    lines = ["| engine | server | phase | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | retries → duplicate | server CPU ms/req |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for result in results:
        for phase in result["phases"]:
            row = phase.row()
            lines.append(f"| {result['engine']} | {row['target']} | {row['phase']} | {row['clients']} | "
                         f"{row['requests']} | {row['req/s']:.0f} | {row['p50']:.1f} | {row['p95']:.1f} | "
                         f"{row['p99']:.1f} | {row['errors']} | {row['retries']} → {row['retry dup']} | "
                         f"{row['cpu app'] + row['cpu db']:.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1.0, help="entries per second per tablet")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of floor load")
    parser.add_argument("--levels", default="4,16,64", help="saturation concurrency levels")
    parser.add_argument("--step", type=float, default=5.0, help="seconds per saturation level")
    parser.add_argument("--retry-share", type=float, default=0.05, help="share of requests sent twice")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    args.levels = [int(x) for x in args.levels.split(",") if x]

    workdir = Path(tempfile.mkdtemp(prefix="affluence-bench-"))
    results = []
    # Ctrl-C and SIGTERM unwind through the finally blocks, which stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
        for kind in [k.strip() for k in args.engines.split(",") if k.strip()]:
            result = bench_engine(kind, args, workdir)
            results.append(result)
            print_report(result, args)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        if args.markdown:
            print()
            print(markdown(results, args))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = any(r["lost"] or r["duplicated"] or any(p.row()["errors"] for p in r["phases"])
                 for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped, temporary database and files removed", file=sys.stderr)
        sys.exit(130)
