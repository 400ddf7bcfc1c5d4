"""Logging in and out through the real form: throttling, revocation, cookies, headers, language."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher

from app.extensions import db
from app.models import User
from app.security import hash_password
from app.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_from

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


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


def test_account_locks_after_too_many_failures_then_unlocks_when_the_delay_is_over(
        app, client, make_user):
    user = make_user("agent")
    failures = app.config["LOGIN_MAX_FAILURES"]
    assert failures == 5

    answers = [submit_login(client, user.username, f"mauvais-{n}") for n in range(failures)]
    locked = submit_login(client, user.username, PASSWORD)

    assert all("Identifiant ou mot de passe incorrect." in text(a) for a in answers)
    assert locked.status_code == 401
    assert "Trop d'essais infructueux : compte bloqué quelques minutes." in text(locked)
    assert client.get("/accueil-du-jour").status_code == 302
    until = account(app, user.id)["locked_until"]
    expected = utcnow() + timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"])
    assert abs((until - expected).total_seconds()) < 60

    # The lock's delay has passed (moved in the database rather than waited for).
    set_account(app, user.id, locked_until=utcnow() - timedelta(seconds=1))
    unlocked = submit_login(client, user.username, PASSWORD)

    assert unlocked.status_code == 302
    assert client.get("/accueil-du-jour").status_code == 200
    assert account(app, user.id)["locked_until"] is None


def test_failures_are_forgotten_after_a_successful_login(app, make_user):
    user = make_user("agent")
    client = app.test_client()
    for n in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        submit_login(client, user.username, f"mauvais-{n}")
    assert submit_login(client, user.username, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": page_token(client)})

    again = submit_login(client, user.username, "encore-mauvais")

    assert "Identifiant ou mot de passe incorrect." in text(again)
    assert account(app, user.id)["failed_logins"] == 1
    assert submit_login(client, user.username, PASSWORD).status_code == 302


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
    assert "Refusing to start in production without a real SECRET_KEY." in result.stdout


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


def test_passwords_are_stored_as_argon2id():
    stored = hash_password("un-mot-de-passe-solide")
    assert stored.startswith("$argon2id$")
    assert "un-mot-de-passe-solide" not in stored


def test_a_weaker_hash_is_upgraded_at_the_next_login(app, client, make_user):
    user = make_user("agent")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    set_account(app, user.id, password_hash=weak)

    assert submit_login(client, user.username, PASSWORD).status_code == 302

    upgraded = account(app, user.id)["hash"]
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert f"m={PasswordHasher().memory_cost}" in upgraded


# ---------------------------------------------------------------- language and headers

def test_language_switch_to_english_and_back(client, make_user):
    user = make_user("agent")
    submit_login(client, user.username, PASSWORD)
    assert '<html lang="fr">' in text(client.get("/accueil-du-jour"))

    switched = client.post("/lang/en", data={"csrf_token": page_token(client),
                                             "next": "/accueil-du-jour"})

    assert switched.status_code == 302 and switched.headers["Location"] == "/accueil-du-jour"
    page = text(client.get("/accueil-du-jour"))
    assert '<html lang="en">' in page and 'title="Passer en français"' in page

    client.post("/lang/fr", data={"csrf_token": page_token(client)})
    assert '<html lang="fr">' in text(client.get("/accueil-du-jour"))


def test_language_switch_works_before_login_and_ignores_external_next(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))

    response = client.post("/lang/en", data={"csrf_token": token, "next": "https://evil.example"})

    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in text(client.get("/login"))


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
