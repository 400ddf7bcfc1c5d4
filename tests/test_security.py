"""What a hostile pass found (issue 7): deep JSON, known keys, debug in production, headers."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface

from app import create_app
from app.config import DEFAULT_SECRET, SECRET_KEY_FILE
from app.extensions import db
from tests.conftest import Auth
from tests.test_access import ROLES, routes, url_for_rule

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEEP = "[" * 100_000 + "]" * 100_000


# ---------------------------------------------------------------- JSON nested 100,000 deep


def _post_json(client, url, body, token):
    return client.post(url, data=body, content_type="application/json",
                       headers={"X-CSRFToken": token or ""})


@pytest.mark.parametrize("role", ROLES + ("anonymous",))
def test_deep_json_on_any_post_is_a_4xx_never_a_500(app, make_user, role):
    client = app.test_client()
    token = None
    if role != "anonymous":
        extra = {"pole": "emploi", "partner": "france-travail"} if role == "counsellor" else {}
        session = Auth(client)
        session.login(make_user(role, **extra).username)
        token = session.token
    answers = {}
    for rule, method in routes(app):
        if method != "POST" or rule.endpoint == "auth.logout_view":
            continue
        response = _post_json(client, url_for_rule(rule), DEEP, token)
        answers[rule.rule] = response.status_code
        assert response.status_code < 500, (role, rule.rule, response.status_code)
    assert answers  # the walk did post somewhere


@pytest.mark.parametrize("role, url", [("agent", "/api/v1/entries"),
                                       ("counsellor", "/api/v1/interviews")])
@pytest.mark.parametrize("body", [DEEP, '{"entries": ' + "[" * 40 + "]" * 40 + "}"],
                         ids=["100000-levels", "40-levels"])
def test_deep_json_is_refused_naming_the_reason(app, logged_in, role, url, body):
    extra = {"pole": "emploi", "partner": "france-travail"} if role == "counsellor" else {}
    session, _user = logged_in(role, **extra)

    response = _post_json(session.client, url, body, session.token)

    assert response.status_code == 400 and response.is_json
    assert response.json["error"] == "json_too_deep"
    assert "JSON trop imbriqué" in response.json["message"]


def test_deep_json_on_a_form_page_answers_json_too(app, logged_in):
    """Flask-WTF reads a JSON body as the form: the same bound applies there."""
    session, _user = logged_in("admin")

    response = _post_json(session.client, "/admin/comptes/nouveau", DEEP, session.token)

    assert response.status_code == 400 and response.json["error"] == "json_too_deep"


# ---------------------------------------------------------------- no known signing key


def _isolated(monkeypatch, tmp_path, database_url):
    """Point the next create_app at an empty instance folder and at the test database."""
    import flask

    instance = tmp_path / "instance"
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(instance))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return instance


def test_a_cookie_forged_with_the_public_key_does_not_open_the_accounts_page(
        app, make_user, monkeypatch, tmp_path, database_url):
    admin = make_user("admin")
    _isolated(monkeypatch, tmp_path, database_url)
    # Started as a plain `gunicorn wsgi:app` would: development, no key anywhere.
    started = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    forger = started.test_client()
    serializer = SecureCookieSessionInterface().get_signing_serializer(
        type("Forger", (), {"secret_key": DEFAULT_SECRET, "config": started.config})())
    forged = serializer.dumps({"_user_id": f"{admin.id}:1", "_fresh": True})
    forger.set_cookie("session", forged)

    page = forger.get("/admin/comptes")

    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert started.config["SECRET_KEY"] not in (DEFAULT_SECRET, None, "")
    # The same cookie signed with the key the app really uses would open it: the test is
    # about the key, not about a cookie format that no longer matches.
    genuine = SecureCookieSessionInterface().get_signing_serializer(started).dumps(
        {"_user_id": f"{admin.id}:1", "_fresh": True})
    forger.set_cookie("session", genuine)
    assert forger.get("/admin/comptes").status_code == 200
    with started.app_context():
        db.session.remove()


def test_the_generated_key_is_private_kept_and_reused(monkeypatch, tmp_path, database_url):
    instance = _isolated(monkeypatch, tmp_path, database_url)
    first = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    again = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})

    kept = instance / SECRET_KEY_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"] == kept.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert sorted(p.name for p in instance.iterdir()) == [SECRET_KEY_FILE]  # no leftovers


def test_workers_starting_together_agree_on_one_key(tmp_path):
    instance = tmp_path / "instance"
    script = ("import sys\n"
              "from app.config import instance_secret\n"
              "print(instance_secret(sys.argv[1]))\n")
    workers = [subprocess.Popen([sys.executable, "-c", script, str(instance)], cwd=PROJECT_ROOT,
                                stdout=subprocess.PIPE, text=True) for _ in range(4)]
    keys = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in instance.iterdir()] == [SECRET_KEY_FILE]


def test_production_refuses_the_public_key_and_short_ones():
    for key in (DEFAULT_SECRET, "", None, "short-key"):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app("production", {"SECRET_KEY": key})


# ---------------------------------------------------------------- no debugger in production


def test_production_refuses_debug_mode():
    with pytest.raises(RuntimeError, match="debug"):
        create_app("production", {"SECRET_KEY": "k" * 64, "DEBUG": True})


def test_flask_run_debug_refuses_to_start_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_DEBUG")}
    env.update(AFFLUENCE_ENV="production", SECRET_KEY="k" * 64,
               DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}")
    flask_cli = str(Path(sys.executable).with_name("flask"))

    started = subprocess.run([flask_cli, "--app", "wsgi", "run", "--debug", "--port", "5999"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                             timeout=30)

    assert started.returncode != 0
    assert "Refusing to start in production with debug on" in started.stderr


# ---------------------------------------------------------------- headers


def test_hsts_in_production_only(app, client):
    production = create_app("production", {"SECRET_KEY": "k" * 64,
                                           "SQLALCHEMY_DATABASE_URI": app.config[
                                               "SQLALCHEMY_DATABASE_URI"]})
    answer = production.test_client().get("/login", base_url="https://affluence.example")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_behind_the_proxy_the_client_address_is_the_forwarded_one(app):
    production = create_app("production", {"SECRET_KEY": "k" * 64,
                                           "SQLALCHEMY_DATABASE_URI": app.config[
                                               "SQLALCHEMY_DATABASE_URI"]})
    seen = []

    @production.before_request
    def record():
        from flask import request

        seen.append(request.remote_addr)

    production.test_client().get("/login", headers={"X-Forwarded-For": "192.0.2.44"},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == ["192.0.2.44"]


def test_logged_in_pages_and_json_are_not_stored(app, logged_in):
    session, _user = logged_in("director")

    for path in ("/accueil-du-jour", "/statistiques/tableau-de-bord",
                 "/api/v1/openapi.json"):
        response = session.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    # Static files keep their normal caching.
    css = session.client.get("/static/css/app.css")
    assert css.headers.get("Cache-Control") != "no-store"


def test_json_answers_are_not_stored_even_anonymous(client):
    response = client.get("/api/v1/openapi.json")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path, allowed", [("/logout", {"POST"}),
                                           ("/api/v1/entries", {"POST"}),
                                           ("/login", {"GET", "HEAD", "OPTIONS", "POST"})])
def test_405_answers_say_which_methods_are_allowed(client, path, allowed):
    method = "PUT"
    response = client.open(path, method=method)

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= allowed - {"HEAD", "OPTIONS"}
    assert method not in response.headers["Allow"]

