"""The commands a new operator types: seed, users create, ensure-admin."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Partner, Pole, ReceptionPoint, Site, User
from app.security import verify_password
from tests.conftest import Auth


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seeding_twice_adds_nothing(app, runner):
    with app.app_context():
        before = [count(m) for m in (Site, ReceptionPoint, Pole, Partner)]
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert runner.invoke(args=["seed"]).exit_code == 0
    with app.app_context():
        assert [count(m) for m in (Site, ReceptionPoint, Pole, Partner)] == before
        assert before[0] == 8 and before[2] == 4
        assert db.session.scalar(sa.select(ReceptionPoint.code).where(
            ReceptionPoint.code == "marseille-2")) == "marseille-2"


def test_seeding_never_overwrites_what_an_admin_changed(app, runner):
    with app.app_context():
        pole = db.session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
        pole.label, pole.customised = "Trouver un emploi ou un stage", True
        other = db.session.scalar(sa.select(Pole).where(Pole.code == "formation"))
        other.label = "Altered without the admin pages"
        db.session.commit()
    runner.invoke(args=["seed"])
    with app.app_context():
        labels = dict(db.session.execute(sa.select(Pole.code, Pole.label)).all())
    assert labels["emploi"] == "Trouver un emploi ou un stage"
    assert labels["formation"] == "Choisir sa formation"  # not customised: refreshed


def test_users_create_makes_an_account_that_logs_in(app, runner):
    result = runner.invoke(args=["users", "create", "accueil1", "--role", "agent", "--site", "marseille",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    assert "Created agent 'accueil1'" in result.output
    session = Auth(app.test_client())
    assert session.login("accueil1", "a-long-password").status_code == 302


def test_users_create_names_what_is_wrong(runner):
    unknown_site = runner.invoke(args=["users", "create", "x1", "--role", "agent", "--site", "atlantis",
                                       "--password", "a-long-password"])
    assert unknown_site.exit_code != 0 and "unknown site code 'atlantis'" in unknown_site.output
    short = runner.invoke(args=["users", "create", "x2", "--role", "agent", "--site", "marseille",
                                "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    bad_role = runner.invoke(args=["users", "create", "x3", "--role", "visitor", "--site", "marseille",
                                   "--password", "a-long-password"])
    assert bad_role.exit_code != 0 and "--role" in bad_role.output


def test_the_first_admin_gets_a_generated_password_printed_once(app, runner, monkeypatch):
    monkeypatch.delenv("AFFLUENCE_ADMIN_PASSWORD", raising=False)
    first = runner.invoke(args=["users", "ensure-admin"])
    password = first.output.split("Password (shown once, write it down): ")[1].split()[0]
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin.role == "admin" and verify_password(admin.password_hash, password)
    again = runner.invoke(args=["users", "ensure-admin"])
    assert "exists already" in again.output and password not in again.output


def test_the_first_admin_password_can_come_from_the_environment(app, runner, monkeypatch):
    monkeypatch.setenv("AFFLUENCE_ADMIN_PASSWORD", "from-the-environment")
    result = runner.invoke(args=["users", "ensure-admin"])
    assert "from-the-environment" not in result.output
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert verify_password(admin.password_hash, "from-the-environment")
