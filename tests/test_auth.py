"""Logging in and out through the real form: throttling, revocation, cookies, headers, language."""

from __future__ import annotations

import html
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from app.extensions import db
from app.models import AuditEvent, User
from app.models.users import LoginThrottle
from app.security import hash_password
from app.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_from

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def text(response) -> str:
    """Return the page as read, French typographic spaces read as plain ones."""
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ").replace(
        "\u202f", " ")


def submit_login(client, username: str, password: str, next_path: str | None = None):
    """Fill and send the login form as a browser would, CSRF token included."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", query_string={"next": next_path} if next_path else None,
                       data={"username": username, "password": password, "csrf_token": token})


def page_token(client, path: str = "/accueil-du-jour") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def set_account(app, user_id: int, **values) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()
        db.session.remove()


def account(app, user_id: int) -> dict:
    with app.app_context():
        user = db.session.get(User, user_id)
        values = {"hash": user.password_hash, "failed_logins": user.failed_logins,
                  "locked_until": user.locked_until, "last_login_at": user.last_login_at}
        db.session.remove()
        return values


# ---------------------------------------------------------------- login and logout

def test_login_and_logout_through_the_form(app, client, make_user):
    user = make_user("director")

    response = submit_login(client, f"  {user.username} ", PASSWORD)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/accueil-du-jour")
    assert home.status_code == 200 and "Bonjour Director Test" in text(home)
    assert account(app, user.id)["last_login_at"] is not None

    out = client.post("/logout", data={"csrf_token": page_token(client)}, follow_redirects=True)

    assert "Vous êtes déconnecté." in text(out)
    after = client.get("/accueil-du-jour")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")


def test_login_form_without_its_csrf_token_is_refused(client, make_user):
    user = make_user("agent")

    response = client.post("/login", data={"username": user.username, "password": PASSWORD})

    assert response.status_code == 400
    assert "Jeton de sécurité expiré ou absent : rechargez la page." in text(response)
    assert client.get("/accueil-du-jour").status_code == 302


def test_empty_fields_are_refused_next_to_the_form(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in text(response)


@pytest.mark.parametrize("who", ["known", "unknown"])
def test_wrong_password_or_unknown_user_get_the_same_message(client, make_user, who):
    user = make_user("agent")
    username = user.username if who == "known" else "personne-inconnue"

    response = submit_login(client, username, "pas-le-bon-mot-de-passe")

    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in text(response)
    assert client.get("/accueil-du-jour").status_code == 302


def throttle_rows(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = [(row.username, row.source, row.failures)
                for row in db.session.scalars(sa.select(LoginThrottle))]
        db.session.remove()
        return rows


def end_delay(app, username: str, source: str) -> float:
    """Let the delay pass (moved in the database rather than waited for); return its length."""
    with app.app_context():
        row = db.session.get(LoginThrottle, (username.lower(), source))
        length = (row.blocked_until - row.last_failure_at).total_seconds()
        row.blocked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
        return length


def from_address(app, address: str):
    """Return a test client whose requests come from address (another machine, a NAT)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def flash(response) -> str:
    found = re.search(r'class="flash[^"]*">(.*?)</p>', text(response), re.S)
    return found.group(1).strip() if found else ""


WAIT = "Trop d'essais infructueux : réessayez dans"


def test_repeated_failures_make_that_source_wait_growing_delays_never_a_lock(app, make_user):
    user = make_user("agent")
    free = app.config["LOGIN_FREE_FAILURES"]
    guesser = from_address(app, "203.0.113.7")

    answers = [submit_login(guesser, user.username, f"mauvais-{n}") for n in range(free)]
    assert all(flash(a) == "Identifiant ou mot de passe incorrect." for a in answers)
    delays = []
    for attempt in range(3):
        submit_login(guesser, user.username, f"encore-{attempt}")
        waited = submit_login(guesser, user.username, PASSWORD)  # even the right password
        assert waited.status_code == 401 and flash(waited).startswith(WAIT)
        assert guesser.get("/accueil-du-jour").status_code == 302
        delays.append(end_delay(app, user.username, "203.0.113.7"))

    assert delays == [2.0, 4.0, 8.0]  # growing, and capped at LOGIN_DELAY_MAX_SECONDS
    assert submit_login(guesser, user.username, PASSWORD).status_code == 302
    assert throttle_rows(app) == []  # a success forgets that source's failures


def test_a_guesser_elsewhere_never_slows_the_floor_down(app, make_user):
    """The admin and the shared floor account stay usable from the centre's NAT address."""
    admin = make_user("admin", username="admin")
    floor = make_user("agent", username="accueil-rdc")
    guesser = from_address(app, "198.51.100.23")
    for name in (admin.username, floor.username):
        for n in range(app.config["LOGIN_FREE_FAILURES"] + 3):
            submit_login(guesser, name, f"devine-{n}")
        assert flash(submit_login(guesser, name, PASSWORD)).startswith(WAIT)

    for name in (admin.username, floor.username):
        centre = from_address(app, "192.0.2.10")
        assert submit_login(centre, name, PASSWORD).status_code == 302, name


def test_a_guesser_spraying_many_names_from_one_address_waits_as_well(app, make_user):
    """Each name under its own free failures, the address over its own: it waits, the floor not."""
    user = make_user("agent")
    sprayer = from_address(app, "203.0.113.99")
    free = app.config["LOGIN_SOURCE_FREE_FAILURES"]
    assert free > app.config["LOGIN_FREE_FAILURES"]
    answers = [submit_login(sprayer, f"nom-{n % 10}", f"devine-{n}") for n in range(free + 1)]
    assert {flash(a) for a in answers} == {"Identifiant ou mot de passe incorrect."}
    # Another name, even with its right password, waits now: the address is over its share.
    waited = submit_login(sprayer, user.username, PASSWORD)
    assert waited.status_code == 401 and flash(waited).startswith(WAIT)
    # The centre's address is untouched.
    assert submit_login(from_address(app, "192.0.2.10"), user.username, PASSWORD).status_code == 302
    # Once the delay has passed (moved back in time here), the right password opens again.
    with app.app_context():
        for row in db.session.scalars(sa.select(LoginThrottle).where(LoginThrottle.source == "203.0.113.99")):
            row.last_failure_at -= timedelta(minutes=2)
        db.session.commit()
        db.session.remove()
    assert submit_login(from_address(app, "203.0.113.99"), user.username, PASSWORD).status_code == 302


def test_unknown_and_existing_accounts_get_the_same_answers(app, make_user):
    user = make_user("agent")
    transcripts = {}
    for who, name in (("known", user.username), ("unknown", "personne-inconnue")):
        client = from_address(app, "203.0.113.50")
        answers = [submit_login(client, name, f"mauvais-{n}")
                   for n in range(app.config["LOGIN_FREE_FAILURES"] + 2)]
        transcripts[who] = [(a.status_code, flash(a)) for a in answers]
    assert transcripts["known"] == transcripts["unknown"]
    assert transcripts["known"][0] == (401, "Identifiant ou mot de passe incorrect.")
    assert transcripts["known"][-1][1].startswith(WAIT)


def test_unknown_and_existing_accounts_take_as_long(app, make_user, monkeypatch):
    """An unknown name pays a full hash too: timing does not tell who has an account."""
    # A cost where the hash dominates the request (the testing one is near free).
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_COST", 16384)
    with app.app_context():
        stored = hash_password(PASSWORD)
    user = make_user("agent")
    set_account(app, user.id, password_hash=stored)
    timings = {"known": [], "unknown": []}
    for round_ in range(6):
        for who, name in (("known", user.username), ("unknown", "personne-inconnue")):
            client = from_address(app, f"203.0.113.{round_}")  # never throttled
            token = csrf_from(client.get("/login").get_data(as_text=True))
            started = time.perf_counter()
            client.post("/login", data={"username": name, "password": "pas-le-bon",
                                        "csrf_token": token})
            timings[who].append(time.perf_counter() - started)
    known, unknown = (statistics.median(timings[k]) for k in ("known", "unknown"))
    assert 0.6 < unknown / known < 1.6, (known, unknown)


def test_an_admin_unlocks_an_account_from_the_accounts_page(app, make_user):
    user = make_user("agent", username="accueil-2")
    guesser = from_address(app, "198.51.100.9")
    for n in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        submit_login(guesser, user.username, f"devine-{n}")
    admin_user = make_user("admin")
    admin = app.test_client()
    submit_login(admin, admin_user.username, PASSWORD)

    page = text(admin.get("/admin/comptes"))
    assert "Ralenti" in page and f"/admin/comptes/{user.id}/debloquer" in page

    done = admin.post(f"/admin/comptes/{user.id}/debloquer",
                      data={"csrf_token": page_token(admin, "/admin/comptes")},
                      follow_redirects=True)

    assert "Compte « accueil-2 » débloqué" in text(done)
    assert "Ralenti" not in text(done)
    assert submit_login(guesser, user.username, PASSWORD).status_code == 302
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "user.unlock")).all()
        assert (event.user_id, event.target_id) == (admin_user.id, str(user.id))
        assert event.changes == {"throttled_sources": [1, 0]}
        db.session.remove()


def test_login_does_not_hold_the_write_lock_while_hashing(app, make_user, monkeypatch):
    """A tablet can write while someone's password is being checked.

    SQLite: the database's one write lock is free during the hash. PostgreSQL: the account's
    row is not locked during the hash (a write to it does not wait).
    """
    import app.auth.services as auth_services

    user = make_user("agent")
    with app.app_context():
        engine = db.engine
    outcomes = []
    real_verify = auth_services.verify_password

    def write_now() -> None:
        if engine.dialect.name == "sqlite":
            other = sqlite3.connect(engine.url.database, timeout=0)  # no waiting
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()
            return
        with engine.connect() as other:
            other.exec_driver_sql("SET lock_timeout = '100ms'")
            other.execute(sa.text("UPDATE users SET display_name = display_name WHERE id = :id"),
                          {"id": user.id})
            other.rollback()

    def verify_while_another_writes(stored, password):
        try:
            write_now()
            outcomes.append("wrote")
        except Exception as error:  # noqa: BLE001 - the lock error is the finding
            outcomes.append(str(error).splitlines()[0])
        return real_verify(stored, password)

    monkeypatch.setattr(auth_services, "verify_password", verify_while_another_writes)
    assert submit_login(app.test_client(), user.username, PASSWORD).status_code == 302
    assert submit_login(app.test_client(), user.username, "mauvais").status_code == 401
    assert outcomes == ["wrote", "wrote"]


def test_csrf_token_changes_at_login(app, client, make_user):
    user = make_user("agent")
    before = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": user.username, "password": PASSWORD,
                                "csrf_token": before})

    after = page_token(client)

    assert after and after != before
    # A token read before the login (by someone at the same tablet) no longer works.
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_failures_are_forgotten_after_a_successful_login(app, make_user):
    user = make_user("agent")
    client = app.test_client()
    for n in range(app.config["LOGIN_FREE_FAILURES"]):
        submit_login(client, user.username, f"mauvais-{n}")
    assert submit_login(client, user.username, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": page_token(client)})

    again = submit_login(client, user.username, "encore-mauvais")

    assert flash(again) == "Identifiant ou mot de passe incorrect."
    assert [failures for _name, _source, failures in throttle_rows(app)] == [1]
    assert submit_login(client, user.username, PASSWORD).status_code == 302


# ---------------------------------------------------------------- a password of one's own

def test_an_account_someone_else_set_up_chooses_its_password_first(app, runner):
    created = runner.invoke(args=["users", "create", "accueil9", "--role", "agent",
                                  "--site", "marseille", "--password", "donne-par-admin"])
    assert created.exit_code == 0, created.output
    client = app.test_client()

    login = submit_login(client, "accueil9", "donne-par-admin", next_path="/statistiques/jour")

    assert login.headers["Location"].startswith("/mot-de-passe")
    assert client.get("/accueil-du-jour").headers["Location"].startswith("/mot-de-passe")
    api = client.get("/api/v1/counts")
    assert api.status_code == 403 and api.json["error"] == "password_change_required"
    form = client.get(login.headers["Location"])
    token = csrf_from(form.get_data(as_text=True))
    same = client.post(login.headers["Location"], data={
        "current_password": "donne-par-admin", "new_password": "donne-par-admin",
        "confirm": "donne-par-admin", "csrf_token": token})
    assert same.status_code == 400 and "différent de l'actuel" in text(same)

    chosen = client.post(login.headers["Location"], data={
        "current_password": "donne-par-admin", "new_password": "mon-propre-secret",
        "confirm": "mon-propre-secret", "csrf_token": token})

    assert chosen.status_code == 302 and chosen.headers["Location"] == "/statistiques/jour"
    assert client.get("/accueil-du-jour").status_code == 200
    assert submit_login(app.test_client(), "accueil9", "donne-par-admin").status_code == 401
    assert submit_login(app.test_client(), "accueil9", "mon-propre-secret").headers[
        "Location"] == "/"


def test_a_lost_admin_password_is_reset_from_the_command_line(app, runner, make_user):
    admin = make_user("admin", username="chef")
    client = app.test_client()
    submit_login(client, "chef", PASSWORD)
    for n in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        submit_login(from_address(app, "192.0.2.99"), "chef", f"oubli-{n}")

    result = runner.invoke(args=["users", "reset-password", "chef"])

    assert result.exit_code == 0, result.output
    password = result.output.strip().rsplit(" ", 1)[-1]
    assert client.get("/accueil-du-jour").status_code == 302  # old sessions closed
    assert throttle_rows(app) == []
    login = submit_login(from_address(app, "192.0.2.99"), "chef", password)
    assert login.headers["Location"].startswith("/mot-de-passe")
    assert account(app, admin.id)["hash"] != _made_hash(app)
    missing = runner.invoke(args=["users", "reset-password", "personne"])
    assert missing.exit_code != 0 and "no account named 'personne'" in missing.output


def _made_hash(app) -> str:
    with app.app_context():
        from tests.conftest import _test_hash

        return _test_hash()


def test_logout_revokes_a_copied_session_cookie(app, client, make_user):
    user = make_user("agent")
    submit_login(client, user.username, PASSWORD)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/accueil-du-jour").status_code == 200

    client.post("/logout", data={"csrf_token": page_token(client)})

    page = thief.get("/accueil-du-jour")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    api = thief.get("/api/v1/counts")
    assert api.status_code == 401 and api.is_json and api.json["error"] == "unauthenticated"


def test_logging_in_again_does_not_revive_a_logged_out_cookie(app, client, make_user):
    user = make_user("agent")
    submit_login(client, user.username, PASSWORD)
    copied = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": page_token(client)})
    submit_login(client, user.username, PASSWORD)

    thief = app.test_client()
    thief.set_cookie("session", copied)

    assert thief.get("/accueil-du-jour").status_code == 302
    assert client.get("/accueil-du-jour").status_code == 200


# ---------------------------------------------------------------- where login leads

def test_login_follows_a_local_next(client, make_user):
    user = make_user("admin")
    response = submit_login(client, user.username, PASSWORD, next_path="/admin/journal?page=1")
    assert response.headers["Location"] == "/admin/journal?page=1"


def test_protected_page_sends_to_login_with_next_and_back(client, make_user):
    user = make_user("admin")
    bounced = client.get("/admin/comptes")
    location = bounced.headers["Location"]
    assert bounced.status_code == 302 and location.startswith("/login?next=")

    response = submit_login(client, user.username, PASSWORD, next_path="/admin/comptes")

    assert response.headers["Location"] == "/admin/comptes"


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "http://evil.example/login",
    "javascript:alert(1)", "evil.example", "/\\evil.example",
])
def test_login_never_leaves_the_site_through_next(client, make_user, target):
    user = make_user("agent")

    response = submit_login(client, user.username, PASSWORD, next_path=target)

    location = response.headers["Location"]
    assert response.status_code == 302
    assert urlsplit(location).netloc == "" and urlsplit(location).scheme == ""
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    if "://" in target or target.startswith(("//", "javascript", "evil")):
        assert location == "/"


# ---------------------------------------------------------------- cookies, secrets, hashes

def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user("agent")

    response = submit_login(client, user.username, PASSWORD)

    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain HTTP in tests; production sets it (below)


def _start_in_production(tmp_path, secret: str | None) -> subprocess.CompletedProcess:
    """Start the app in a fresh interpreter, as a server would, with only the given env."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "AFFLUENCE_ENV", "TEST_DATABASE_URL")}
    env.update(AFFLUENCE_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}")
    if secret is not None:
        env["SECRET_KEY"] = secret
    # An instance/config.py left by `make run` would supply a key: use an empty instance folder.
    script = (
        "import sys, flask\n"
        "flask.Flask.auto_find_instance_path = lambda self: sys.argv[1]\n"
        "from app import create_app\n"
        "try:\n"
        "    app = create_app()\n"
        "except RuntimeError as error:\n"
        "    print('REFUSED:', error)\n"
        "    sys.exit(3)\n"
        "response = app.test_client().get('/login')\n"
        "print('STATUS:', response.status_code)\n"
        "print('COOKIE:', response.headers.get('Set-Cookie', ''))\n"
    )
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-c", script, str(instance)], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _start_in_production(tmp_path, secret=None)

    assert result.returncode == 3, result.stderr
    assert "Refusing to start in production without a real SECRET_KEY" in result.stdout


def test_production_starts_with_a_secret_key_and_secure_cookies(tmp_path):
    result = _start_in_production(tmp_path, secret="a" * 64)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "STATUS: 200" in result.stdout
    cookie_line = next(line for line in result.stdout.splitlines() if line.startswith("COOKIE:"))
    attributes = [part.strip().lower() for part in cookie_line.split(";")]
    assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes


def test_create_app_in_production_raises_without_a_real_secret():
    from app import create_app
    from app.config import DEFAULT_SECRET

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": DEFAULT_SECRET})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": ""})


def test_passwords_are_stored_as_argon2id_at_the_configured_cost(app):
    with app.app_context():
        stored = hash_password("un-mot-de-passe-solide")
    assert stored.startswith("$argon2id$")
    assert "un-mot-de-passe-solide" not in stored
    assert f"m={app.config['ARGON2_MEMORY_COST']},t={app.config['ARGON2_TIME_COST']}," in stored
    # Outside the tests the cost is argon2-cffi's RFC 9106 profile: 64 MiB, 3 passes.
    from app.config import Config

    assert (Config.ARGON2_MEMORY_COST, Config.ARGON2_TIME_COST) == (65536, 3)


def test_a_weaker_hash_is_upgraded_at_the_next_login(app, client, make_user):
    user = make_user("agent")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    set_account(app, user.id, password_hash=weak)

    assert submit_login(client, user.username, PASSWORD).status_code == 302

    upgraded = account(app, user.id)["hash"]
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert f"m={app.config['ARGON2_MEMORY_COST']}," in upgraded


# ---------------------------------------------------------------- language and headers

def test_language_switch_to_english_and_back(client, make_user):
    user = make_user("agent")
    submit_login(client, user.username, PASSWORD)
    assert '<html lang="fr">' in text(client.get("/accueil-du-jour"))

    switched = client.post("/lang/en", data={"csrf_token": page_token(client),
                                             "next": "/accueil-du-jour"})

    assert switched.status_code == 302 and switched.headers["Location"] == "/accueil-du-jour"
    page = text(client.get("/accueil-du-jour"))
    assert '<html lang="en' in page and 'title="Passer en français"' in page

    client.post("/lang/fr", data={"csrf_token": page_token(client)})
    assert '<html lang="fr">' in text(client.get("/accueil-du-jour"))


def test_language_switch_works_before_login_and_ignores_external_next(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))

    response = client.post("/lang/en", data={"csrf_token": token, "next": "https://evil.example"})

    assert response.headers["Location"] == "/"
    assert '<html lang="en' in text(client.get("/login"))


def test_french_is_the_default_whatever_the_browser_asks(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="fr">' in text(page)


@pytest.mark.parametrize("path", ["/login", "/admin/comptes", "/api/v1/counts"])
def test_security_headers_are_sent(client, path):
    response = client.get(path)

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
