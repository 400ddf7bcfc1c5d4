"""Occupancy rounds and the exit kiosk's answers: the batch conventions, the burst, the lock."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OccupancyCount, OccupancyRound, SatisfactionAnswer
from app.timeutil import utcnow
from tests.conftest import csrf_from


def round_item(**overrides) -> dict:
    base = {"id": str(uuid.uuid4()), "taken_at": utcnow().isoformat(), "site": "marseille",
            "counts": {"cyber": 12, "documentation": 0}}
    base.update(overrides)
    return base


def answer(seconds_ago: float = 0, **overrides) -> dict:
    base = {"id": str(uuid.uuid4()), "site": "marseille", "score": 4,
            "answered_at": (utcnow() - timedelta(seconds=seconds_ago)).isoformat()}
    base.update(overrides)
    return base


@pytest.fixture
def agent(logged_in):
    return logged_in("agent")[0]


@pytest.fixture
def kiosk(logged_in):
    session = logged_in("kiosk")[0]
    # The kiosk's page is the only one it may open: its token comes from there.
    session.token = csrf_from(session.client.get("/borne").get_data(as_text=True))
    return session


def test_a_round_is_stored_once_with_its_zero_counts(app, agent):
    item = round_item()
    first = agent.post_json("/api/v1/occupancy", {"rounds": [item]}).get_json()["results"]
    again = agent.post_json("/api/v1/occupancy", {"rounds": [item]}).get_json()["results"]
    assert first[0]["status"] == "created" and again[0]["status"] == "duplicate"
    with app.app_context():
        counts = db.session.execute(sa.select(OccupancyCount.people)).scalars().all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OccupancyRound)) == 1
    assert sorted(counts) == [0, 12]


@pytest.mark.parametrize("overrides, field, reason", [
    ({"counts": {"cyber": -1}}, "counts.cyber", "entier de 0"),
    ({"counts": {"cyber": "beaucoup"}}, "counts.cyber", "entier de 0"),
    ({"counts": {}}, "counts", "au moins un espace"),
    ({"counts": {"piscine": 3}}, "counts.piscine", "espace inconnu"),
    ({"site": "gap"}, "site", "périmètre"),
    ({"site": "atlantis"}, "site", "inconnu"),
    ({"taken_at": "demain"}, "taken_at", "ISO 8601"),
    ({"taken_at": (utcnow() + timedelta(hours=3)).isoformat()}, "taken_at", "futur"),
    ({"id": "not-a-uuid"}, "id", "UUID"),
])
def test_a_bad_round_is_rejected_by_name_and_the_good_one_kept(app, agent, overrides, field, reason):
    results = agent.post_json("/api/v1/occupancy", {"rounds": [round_item(**overrides), round_item()]}
                              ).get_json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["field"] == field
    assert reason in results[0]["error"]
    assert results[1]["status"] == "created"


def test_a_round_with_another_payload_under_the_same_id_is_a_conflict(agent):
    item = round_item()
    agent.post_json("/api/v1/occupancy", {"rounds": [item]})
    results = agent.post_json("/api/v1/occupancy", {"rounds": [{**item, "counts": {"cyber": 3}}]}
                              ).get_json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["field"] == "id"


def test_the_body_must_hold_a_list_of_rounds(agent):
    response = agent.post_json("/api/v1/occupancy", {"round": []})
    assert response.status_code == 400 and response.get_json()["field"] == "rounds"


def test_kiosk_answers_are_stored_and_a_burst_is_refused_and_counted(app, kiosk):
    burst = [answer(10 - k * 0.3, score=1 + k % 4) for k in range(8)]
    results = kiosk.post_json("/api/v1/satisfaction", {"answers": burst}).get_json()["results"]
    assert [r["status"] for r in results] == ["created"] + ["rejected"] * 7
    assert all(r["field"] == "answered_at" for r in results[1:])
    # The same burst replayed answers the same way and stores nothing more.
    again = kiosk.post_json("/api/v1/satisfaction", {"answers": burst}).get_json()["results"]
    assert [r["status"] for r in again] == ["duplicate"] + ["rejected"] * 7
    with app.app_context():
        rows = db.session.execute(sa.select(SatisfactionAnswer.throttled, sa.func.count())
                                  .group_by(SatisfactionAnswer.throttled)).all()
    assert dict(rows) == {False: 1, True: 7}


def test_answers_far_enough_apart_all_count(kiosk):
    spaced = [answer(60 - k * 5, score=3) for k in range(5)]
    results = kiosk.post_json("/api/v1/satisfaction", {"answers": spaced}).get_json()["results"]
    assert [r["status"] for r in results] == ["created"] * 5


def test_a_patient_child_is_stopped_after_six_answers_a_minute(kiosk):
    patient = [answer(58 - k * 4.5) for k in range(9)]
    results = kiosk.post_json("/api/v1/satisfaction", {"answers": patient}).get_json()["results"]
    assert [r["status"] for r in results].count("created") == 6


@pytest.mark.parametrize("overrides, field", [
    ({"score": 5}, "score"), ({"score": 0}, "score"), ({"score": "4"}, "score"),
    ({"pole": "nope"}, "pole"), ({"site": "gap"}, "site"), ({"comment": "super"}, "comment"),
])
def test_a_bad_answer_is_rejected_by_name(kiosk, overrides, field):
    results = kiosk.post_json("/api/v1/satisfaction",
                              {"answers": [answer(**overrides), answer(30)]}).get_json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["field"] == field
    assert results[1]["status"] == "created"


def test_an_answer_may_name_the_pole_that_helped(app, kiosk):
    results = kiosk.post_json("/api/v1/satisfaction",
                              {"answers": [answer(pole="emploi", score=2)]}).get_json()["results"]
    assert results[0]["status"] == "created"
    with app.app_context():
        row = db.session.scalars(sa.select(SatisfactionAnswer)).one()
        assert row.score == 2 and row.pole_id is not None and row.throttled is False


def test_the_kiosk_account_reaches_only_its_page(kiosk):
    client = kiosk.client
    assert client.get("/").location.endswith("/borne")
    assert client.get("/borne").status_code == 200
    for path in ("/accueil-du-jour", "/statistiques/jour", "/accueil/", "/entretiens/nouveau",
                 "/admin/comptes", "/rapports/"):
        assert client.get(path).status_code == 403, path
    assert client.get("/api/v1/counts").status_code == 403
    assert client.get("/api/v1/poles/status").status_code == 403
    response = kiosk.post_json("/api/v1/entries", {"entries": []})
    assert response.status_code == 403 and response.is_json


def test_only_a_kiosk_posts_answers(logged_in):
    agent = logged_in("agent")[0]
    assert agent.post_json("/api/v1/satisfaction", {"answers": [answer()]}).status_code == 403


def test_an_admin_sets_a_sites_round_schedule_and_the_tablet_follows_it(app, logged_in):
    admin = logged_in("admin")[0]
    page = admin.client.get("/admin/tournees").get_data(as_text=True)
    assert 'data-testid="schedule-marseille"' in page
    response = admin.client.post("/admin/tournees", data={
        "csrf_token": admin.token, "site_code": "gap", "gap-site": "gap", "gap-every": "30",
        "gap-first_hour": "9", "gap-last_hour": "16", "gap-active": "y"})
    assert response.status_code == 302
    refused = admin.client.post("/admin/tournees", data={
        "csrf_token": admin.token, "site_code": "gap", "gap-site": "gap", "gap-every": "30",
        "gap-first_hour": "15", "gap-last_hour": "9", "gap-active": "y"})
    assert refused.status_code == 422
    assert "La dernière tournée ne peut précéder la première." in refused.get_data(as_text=True)
    with app.app_context():
        from app.floor.services import schedule_of
        from app.models import AuditEvent, Site

        gap = db.session.scalar(sa.select(Site).where(Site.code == "gap"))
        assert schedule_of(gap.id) == {"every": 30, "first_hour": 9, "last_hour": 16}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.target_id == str(gap.id))) == 1
    admin.client.post("/admin/tournees", data={
        "csrf_token": admin.token, "site_code": "gap", "gap-site": "gap", "gap-every": "30",
        "gap-first_hour": "9", "gap-last_hour": "16"})
    with app.app_context():
        assert schedule_of(gap.id)["every"] == 0  # no reminder any more
