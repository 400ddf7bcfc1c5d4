"""How busy each pole is: counsellors' status, the tablet's estimate, the hours short of staff."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from app import presence
from app.extensions import db
from app.figures.poles import pole_hours, pole_status
from app.figures.scope import Scope
from app.models import Pole, Site
from app.timeutil import utcnow
from tests.conftest import Auth
from tests.factories import Builder


def by_pole(payload) -> dict:
    return {row["pole"]: row for row in payload["poles"]}


def iso(instant: datetime) -> str:
    return instant.isoformat()


@pytest.fixture
def build(app):
    return Builder(app)


def other_session(app, make_user, role: str, **kwargs) -> Auth:
    """Log an account in on a browser of its own (another tablet)."""
    session = Auth(app.test_client())
    session.login(make_user(role, **kwargs).username)
    return session


def test_a_counsellor_taps_a_status_and_the_tablet_sees_it(app, logged_in, make_user):
    counsellor, _user = logged_in("counsellor", pole="emploi")
    assert counsellor.post_json("/api/v1/presence", {"status": "available"}).status_code == 200
    agent = other_session(app, make_user, "agent")
    poles = by_pole(agent.client.get("/api/v1/poles/status?site=marseille").get_json())
    assert poles["emploi"]["available"] == 1 and poles["emploi"]["in_interview"] == 0
    assert poles["formation"]["available"] == 0


def test_status_in_an_interview_then_saving_it_makes_the_counsellor_available(logged_in, app):
    counsellor, user = logged_in("counsellor", pole="emploi", partner="france-travail")
    counsellor.post_json("/api/v1/presence", {"status": "in_interview"})
    assert counsellor.client.get("/api/v1/presence").get_json()["status"] == "in_interview"
    interview = {"id": str(uuid.uuid4()), "started_at": iso(utcnow() - timedelta(minutes=1)),
                 "duration_min": 30, "channel": "in_person", "pole": "emploi",
                 "partner": "france-travail", "site": "marseille", "themes": [], "outcomes": []}
    result = counsellor.post_json("/api/v1/interviews", {"interviews": [interview]}).get_json()
    assert result["results"][0]["status"] == "created", result
    assert counsellor.client.get("/api/v1/presence").get_json()["status"] == "available"


def test_a_status_of_yesterday_is_no_longer_counted(app, make_user):
    user = make_user("counsellor", pole="emploi")
    with app.app_context():
        site = db.session.query(Site).filter_by(code="marseille").one()
        pole = db.session.query(Pole).filter_by(code="emploi").one()
        presence.set_status(user.id, site.id, pole.id, "available",
                            utcnow() - timedelta(days=1, hours=1))
        db.session.commit()
        rows = {row["pole"]: row for row in pole_status(site.id)}
        assert rows["emploi"]["available"] == 0
        assert presence.current_status(user.id) is None


def test_waiting_is_sent_in_90_minutes_minus_interviews_started_since(app, build, make_user):
    now = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)  # 15:00 in Paris
    for minutes, party in ((100, 5), (80, 2), (30, 3), (10, 1)):
        build.entry(iso(now - timedelta(minutes=minutes)), "emploi", party=party)
    build.entry(iso(now - timedelta(minutes=20)), "formation")
    build.interview(iso(now - timedelta(minutes=60)), "emploi")
    build.interview(iso(now - timedelta(minutes=95)), "emploi")  # before the window
    with app.app_context():
        site_id = db.session.query(Site).filter_by(code="marseille").one().id
        rows = {row["pole"]: row for row in pole_status(site_id, now)}
    # 2 + 3 + 1 sent in the window, one interview started in it.
    assert rows["emploi"]["sent"] == 6 and rows["emploi"]["waiting"] == 5
    assert rows["formation"]["waiting"] == 1
    assert rows["orientation"]["waiting"] == 0


def test_waiting_never_goes_below_zero_and_counts_interviews_under_way(app, build, make_user):
    counsellor = make_user("counsellor", pole="creation")
    now = utcnow()
    build.entry(iso(now - timedelta(minutes=5)), "creation")
    with app.app_context():
        site = db.session.query(Site).filter_by(code="marseille").one()
        pole = db.session.query(Pole).filter_by(code="creation").one()
        assert {r["pole"]: r for r in pole_status(site.id)}["creation"]["waiting"] == 1
        presence.set_status(counsellor.id, site.id, pole.id, "in_interview")
        db.session.commit()
        row = {r["pole"]: r for r in pole_status(site.id)}["creation"]
    assert row["waiting"] == 0 and row["in_interview"] == 1
    build.interview(iso(now - timedelta(minutes=2)), "creation")
    build.interview(iso(now - timedelta(minutes=1)), "creation")
    with app.app_context():
        assert {r["pole"]: r for r in pole_status(site.id)}["creation"]["waiting"] == 0


def test_hours_short_of_counsellors(app, build, make_user):
    day = date(2026, 3, 10)
    counsellor = make_user("counsellor", pole="emploi")
    build.entry("2026-03-10T10:10:00+01:00", "emploi", party=2)
    build.entry("2026-03-10T11:20:00+01:00", "emploi")
    build.entry("2026-03-10T11:40:00+01:00", "emploi", party=2)
    build.interview("2026-03-10T11:30:00+01:00", "emploi")
    with app.app_context():
        site = db.session.query(Site).filter_by(code="marseille").one()
        pole = db.session.query(Pole).filter_by(code="emploi").one()
        presence.set_status(counsellor.id, site.id, pole.id, "available",
                            datetime(2026, 3, 10, 10, 30, tzinfo=timezone.utc))  # 11:30 Paris
        db.session.commit()
        rows = {(r["hour"]): r for r in pole_hours(Scope(day, day, (site.id,), pole.id),
                                                   now=datetime(2026, 3, 11, tzinfo=timezone.utc))}
    assert rows[10]["sent"] == 2 and rows[10]["waiting"] == 2
    assert rows[10]["available"] == 0 and rows[10]["short"] is True
    assert rows[11]["sent"] == 3 and rows[11]["interviews"] == 1
    # At 12:00: 3 sent since 10:30 (the 10:10 pair is out of the window) minus 1 interview,
    # and a counsellor available since 11:30: not short.
    assert rows[11]["waiting"] == 2 and rows[11]["available"] == 1 and rows[11]["short"] is False


def test_presence_refuses_an_unknown_status_by_name(logged_in):
    counsellor, _user = logged_in("counsellor", pole="emploi")
    response = counsellor.post_json("/api/v1/presence", {"status": "asleep"})
    assert response.status_code == 400 and response.get_json()["field"] == "status"
    response = counsellor.post_json("/api/v1/presence", {"status": "available", "pole": "nope"})
    assert response.status_code == 400 and response.get_json()["field"] == "pole"


def test_a_counsellor_without_a_pole_must_name_one(logged_in):
    counsellor, _user = logged_in("counsellor")
    response = counsellor.post_json("/api/v1/presence", {"status": "available"})
    assert response.status_code == 400 and response.get_json()["field"] == "pole"
    ok = counsellor.post_json("/api/v1/presence", {"status": "available", "pole": "formation"})
    assert ok.get_json()["pole"] == "formation"


def test_poles_status_is_refused_for_another_site_and_unknown_sites(logged_in):
    agent, _user = logged_in("agent")
    assert agent.client.get("/api/v1/poles/status?site=gap").status_code == 403
    response = agent.client.get("/api/v1/poles/status?site=atlantis")
    assert response.status_code == 404 and response.get_json()["field"] == "site"
    assert agent.client.get("/api/v1/poles/status").get_json()["site"] == "marseille"
