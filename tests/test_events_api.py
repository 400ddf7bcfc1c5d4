"""The events API: plan in batches, enter attendance, list a day, arrivals naming an event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Event, FlowEntry
from app.timeutil import PARIS, local_today, utcnow
from tests.conftest import Auth


def at(day, hour: int, minute: int = 0) -> str:
    """Return a Paris wall-clock time as ISO 8601 with its offset."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).isoformat()


def event(**overrides) -> dict:
    day = local_today()
    base = {"id": str(uuid.uuid4()), "type": "atelier", "title": "Atelier CV", "site": "marseille",
            "poles": ["emploi"], "partners": ["france-travail"],
            "starts_at": at(day - timedelta(days=1), 14), "ends_at": at(day - timedelta(days=1), 16),
            "place": "Salle 2", "capacity": 12}
    base.update(overrides)
    return base


@pytest.fixture
def director(logged_in):
    """The network's director, who plans at every site (a site director plans at their own)."""
    return logged_in("network-director")[0]


@pytest.fixture
def second(app, make_user):
    """Log another account in on its own client: second("agent", site="gap")."""

    def factory(role: str, **kwargs) -> Auth:
        session = Auth(app.test_client())
        session.login(make_user(role, **kwargs).username)
        return session

    return factory


def plan(session, *events) -> list[dict]:
    response = session.post_json("/api/v1/events", {"events": list(events)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["results"]


def stored_events(app) -> list[Event]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Event).order_by(Event.starts_at)).all()
        return [(row.title, row.site.code, [p.code for p in row.poles],
                 [p.code for p in row.partners], row.location, row.place) for row in rows]


def test_a_batch_is_stored_once_and_read_back_on_its_day(app, director):
    forum = event(type="forum", title="Forum de l'emploi du Vieux-Port", outside=True,
                  place="Quai du Port", poles=["emploi", "formation"],
                  partners=["france-travail", "mission-locale"], capacity=2000,
                  starts_at=at(local_today(), 9), ends_at=at(local_today(), 18))
    workshop = event()

    assert [r["status"] for r in plan(director, forum, workshop)] == ["created", "created"]
    assert [r["status"] for r in plan(director, forum)] == ["duplicate"]

    assert stored_events(app) == [
        ("Atelier CV", "marseille", ["emploi"], ["france-travail"], "centre", "Salle 2"),
        ("Forum de l'emploi du Vieux-Port", "marseille", ["formation", "emploi"],
         ["france-travail", "mission-locale"], "outside", "Quai du Port"),
    ]
    today = director.client.get(f"/api/v1/events?date={local_today()}&site=marseille").json
    assert [e["title"] for e in today["events"]] == ["Forum de l'emploi du Vieux-Port"]
    listed = today["events"][0]
    assert listed["id"] == forum["id"] and listed["outside"] is True
    assert listed["status"] == "planned" and listed["attendance"] is None
    assert listed["capacity"] == 2000 and listed["arrivals"] == 0


def test_same_id_with_another_payload_is_a_conflict(director):
    first = event()
    plan(director, first)
    [result] = plan(director, {**first, "title": "Atelier lettre de motivation"})
    assert result["status"] == "rejected" and result["field"] == "id"


@pytest.mark.parametrize("overrides, field, words", [
    ({"type": "concert"}, "type", "inconnu"),
    ({"site": "paris"}, "site", "inconnu"),
    ({"poles": ["cuisine"]}, "poles", "inconnu"),
    ({"partners": ["acme"]}, "partners", "inconnu"),
    ({"ends_at": "2026-01-01T08:00:00+01:00", "starts_at": "2026-01-01T10:00:00+01:00"},
     "ends_at", "après le début"),
    ({"starts_at": "0001-01-01T00:00:00+01:00"}, "starts_at", "année"),
    ({"starts_at": "demain"}, "starts_at", "ISO 8601"),
    ({"capacity": -3}, "capacity", "entier"),
    ({"title": ""}, "title", "obligatoire"),
    ({"title": "Atelier avec Mme Dupont 06 12 34 56 78"}, "title", "téléphone"),
    ({"outside": True, "place": ""}, "place", "hors les murs"),
    ({"id": "not-a-uuid"}, "id", "UUID"),
])
def test_a_bad_event_is_refused_by_field_without_blocking_the_good_one(
        app, director, overrides, field, words):
    good = event()
    results = plan(director, event(**overrides), good)
    assert results[0]["status"] == "rejected"
    assert results[0]["field"] == field
    assert words in results[0]["error"]
    assert results[1]["status"] == "created"
    assert len(stored_events(app)) == 1


def test_planning_another_site_needs_a_role_that_spans_the_network(app, logged_in, monkeypatch):
    # A site director, as issue 10 will make them: the check goes through app.access.
    monkeypatch.setattr("app.access.NETWORK_ROLES", ("admin",))
    session, _user = logged_in("director", site="gap")
    [result] = plan(session, event(site="marseille"))
    assert result["status"] == "rejected" and result["field"] == "site"
    assert plan(session, event(site="gap"))[0]["status"] == "created"


@pytest.mark.parametrize("role", ["agent", "counsellor"])
def test_staff_may_not_plan(logged_in, role):
    session, _user = logged_in(role)
    assert session.post_json("/api/v1/events", {"events": [event()]}).status_code == 403


# ------------------------------------------------------------------ attendance


def put(session, event_id, body):
    return session.client.put(f"/api/v1/events/{event_id}/attendance", json=body,
                              headers=session.headers())


def test_an_agent_enters_attendance_idempotently_with_a_partial_split(app, director, second):
    workshop = event()
    plan(director, workshop)
    agent = second("agent")
    body = {"total": 11, "by_gender": {"femme": 7, "homme": 3}, "by_age_band": {"16-25": 4}}

    first = put(agent, workshop["id"], body)
    again = put(agent, workshop["id"], body)

    assert first.status_code == again.status_code == 200
    assert again.json["status"] == "held"
    assert again.json["attendance"] == {"total": 11, "by_gender": {"femme": 7, "homme": 3},
                                        "by_age_band": {"16-25": 4}, "by_status": {}}
    corrected = put(agent, workshop["id"], {"total": 12})
    assert corrected.json["attendance"]["total"] == 12
    assert corrected.json["attendance"]["by_gender"] == {}


@pytest.mark.parametrize("body, status, field, words", [
    ({"total": -1}, 400, "total", "positif"),
    ({"total": "douze"}, 400, "total", "entier"),
    ({}, 400, "total", "obligatoire"),
    ({"total": 121}, 422, "total", "10 fois la capacité"),
    ({"total": 10, "by_gender": {"femme": 8, "homme": 3}}, 422, "by_gender", "dépasse le total"),
    ({"total": 10, "by_status": {"astronaute": 1}}, 422, "by_status.astronaute", "inconnu"),
    ({"total": 10, "by_gender": {"femme": -2}}, 400, "by_gender.femme", "positif"),
    ({"total": 10, "by_gender": [3]}, 400, "by_gender", "objet"),
    ({"total": 10, "everyone": 3}, 400, "everyone", "inconnu"),
])
def test_a_bad_attendance_names_its_field_and_stores_nothing(app, director, body, status, field,
                                                             words):
    workshop = event()
    plan(director, workshop)
    response = put(director, workshop["id"], body)
    assert response.status_code == status, response.json
    assert response.json["field"] == field
    assert words in response.json["message"]
    with app.app_context():
        assert db.session.get(Event, uuid.UUID(workshop["id"])).attendance is None


def test_ten_times_the_capacity_goes_through_once_confirmed(director):
    workshop = event()
    plan(director, workshop)
    response = put(director, workshop["id"], {"total": 121, "confirmed": True})
    assert response.status_code == 200 and response.json["attendance"]["total"] == 121


def test_attendance_of_another_sites_event_is_refused(director, second):
    workshop = event()
    plan(director, workshop)
    agent = second("agent", site="gap")
    response = put(agent, workshop["id"], {"total": 5})
    assert response.status_code == 403 and response.json["field"] == "site"
    listing = agent.client.get("/api/v1/events?site=marseille")
    assert listing.status_code == 403


def test_attendance_waits_for_the_start_and_refuses_a_cancelled_event(app, director):
    later = event(starts_at=at(local_today() + timedelta(days=3), 10),
                  ends_at=at(local_today() + timedelta(days=3), 12))
    plan(director, later)
    response = put(director, later["id"], {"total": 5})
    assert response.status_code == 409 and response.json["field"] == "starts_at"
    assert put(director, str(uuid.uuid4()), {"total": 5}).status_code == 404


def test_the_day_listing_checks_its_filters(director):
    assert director.client.get("/api/v1/events?date=2026-13-01").json["field"] == "date"
    assert director.client.get("/api/v1/events?site=nowhere").status_code == 404


# ------------------------------------------------------------------ arrivals naming an event


def arrival(**overrides) -> dict:
    base = {"id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
            "reception_point": "marseille-rdc", "destination": "event"}
    base.update(overrides)
    return base


def test_arrivals_name_todays_event_and_count_under_its_type(app, director, second):
    today = local_today()
    forum = event(type="forum", starts_at=at(today, 0, 5), ends_at=at(today, 23, 55),
                  capacity=None)
    elsewhere = event(site="gap", starts_at=forum["starts_at"], ends_at=forum["ends_at"])
    plan(director, forum, elsewhere)
    agent = second("agent")

    results = agent.post_json("/api/v1/entries", {"entries": [
        arrival(event=forum["id"], party_size=3),
        arrival(event=forum["id"], event_type="atelier"),
        arrival(event=elsewhere["id"]),
        arrival(event=str(uuid.uuid4())),
        arrival(event=forum["id"], destination="emploi"),
        arrival(event="forum"),
    ]}).json["results"]

    assert [(r["status"], r.get("field")) for r in results] == [
        ("created", None), ("rejected", "event_type"), ("rejected", "event"),
        ("rejected", "event"), ("rejected", "event"), ("rejected", "event")]
    assert "autre site" in results[2]["error"] and "inconnu" in results[3]["error"]
    with app.app_context():
        [entry] = db.session.scalars(sa.select(FlowEntry)).all()
        assert entry.event_type.code == "forum" and str(entry.event_id) == forum["id"]
    listed = agent.client.get("/api/v1/events").json["events"]
    assert [(e["title"], e["arrivals"]) for e in listed] == [("Atelier CV", 3)]
    floor = agent.client.get("/statistiques/jour.json").json["events"]
    assert [(e["title"], e["today"]) for e in floor] == [("Atelier CV", 3)]
    board = agent.client.get("/statistiques/jour").get_data(as_text=True)
    assert 'data-testid="floor-events"' in board and "Atelier CV" in board


def test_the_api_document_describes_the_events_endpoints(client):
    document = client.get("/api/v1/openapi.json").json
    assert {"post", "get"} <= set(document["paths"]["/api/v1/events"])
    assert "put" in document["paths"]["/api/v1/events/{id}/attendance"]
    assert "event" in document["components"]["schemas"]["Entry"]["properties"]
