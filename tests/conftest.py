"""Fixtures: one app per session on a fresh database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names a server), every test starting from freshly seeded reference data."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Site, User
from app.security import hash_password
from app.seed import seed_reference

PASSWORD = "correct-horse-42"


def _postgres_database(admin_url: str):
    """Create a throw-away database on the server admin_url points at; return its URL."""
    name = f"affluence_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin_url).set(database=name)
    return admin, name, url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Yield the URL of an empty database for this test session."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "affluence-test.db")
        return
    if admin_url.startswith("postgresql://"):
        admin_url = "postgresql+psycopg://" + admin_url[len("postgresql://"):]
    admin, name, url = _postgres_database(admin_url)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """Build the app once and migrate the database with Alembic, as production does."""
    from flask_migrate import upgrade

    reports = tmp_path_factory.mktemp("reports")
    application = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REPORTS_DIR": str(reports),
    })
    with application.app_context():
        upgrade()
    return application


def _clear(connection) -> None:
    # Rollups last: deleting an interview's themes first takes them out of the rollups.
    tables = sorted(reversed(db.metadata.sorted_tables),
                    key=lambda table: table.info.get("rollup", False))
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.exec_driver_sql(f"TRUNCATE {names} CASCADE")
    else:
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture(scope="session")
def reference_snapshot(app):
    """Seed once, and keep the seeded rows to restore them cheaply before each test."""
    with app.app_context():
        with db.engine.begin() as connection:
            _clear(connection)
        seed_reference()
        db.session.remove()
        with db.engine.connect() as connection:
            return [(table, [dict(row._mapping) for row in connection.execute(table.select())])
                    for table in db.metadata.sorted_tables]


def _restore(connection, snapshot) -> None:
    _clear(connection)
    for table, rows in snapshot:
        if rows:
            connection.execute(table.insert(), rows)
    if connection.dialect.name == "postgresql":
        # Explicit ids were inserted: move each sequence past them.
        for table, _rows in snapshot:
            if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)")


@pytest.fixture(autouse=True)
def fresh_data(app, reference_snapshot):
    """Start each test from an empty database holding only the seeded reference data."""
    with app.app_context():
        with db.engine.begin() as connection:
            _restore(connection, reference_snapshot)
        db.session.remove()
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture
def app_ctx(app):
    """Run the test inside an application context (for direct service and model calls)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _test_hash() -> str:
    """Return PASSWORD's hash at the testing config's (cheap) Argon2 cost, made once."""
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


_HASH: str | None = None


@pytest.fixture
def make_user(app):
    """Create an account: make_user("agent", site="marseille", pole=..., partner=...)."""

    def factory(role: str, *, username: str | None = None, site: str = "marseille",
                pole: str | None = None, partner: str | None = None,
                other_sites: tuple[str, ...] = ()) -> User:
        from app.models import Partner, Pole

        with app.app_context():
            user = User(
                username=username or f"{role}-{uuid.uuid4().hex[:6]}",
                display_name=f"{role.title()} Test",
                password_hash=_test_hash(),
                role=role,
                site=db.session.scalar(sa.select(Site).where(Site.code == site)),
                pole=db.session.scalar(sa.select(Pole).where(Pole.code == pole)) if pole else None,
                partner=(db.session.scalar(sa.select(Partner).where(Partner.code == partner))
                         if partner else None),
                other_sites=list(db.session.scalars(
                    sa.select(Site).where(Site.code.in_(other_sites)))),  # issue 10
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


def csrf_from(html: str) -> str:
    """Return the CSRF token a page carries in its <meta name="csrf-token">."""
    marker = '<meta name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


class Auth:
    """Log a test client in through the real login form and keep its CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": token})
        home = self.client.get("/accueil-du-jour")
        if home.status_code == 200:
            self.token = csrf_from(home.get_data(as_text=True))
        return response

    def headers(self) -> dict:
        return {"X-CSRFToken": self.token or ""}

    def post_json(self, url: str, payload):
        return self.client.post(url, json=payload, headers=self.headers())


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def logged_in(client, make_user):
    """Log in a fresh account of a role and return (auth, user)."""

    def factory(role: str, **kwargs):
        user = make_user(role, **kwargs)
        session = Auth(client)
        response = session.login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return session, user

    return factory
