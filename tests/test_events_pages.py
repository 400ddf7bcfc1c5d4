"""The event pages: plan a series, duplicate, cancel, calendar filters, attendance entry."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Event
from app.timeutil import local_today
from tests.conftest import Auth
from tests.test_events_api import at, event, plan


@pytest.fixture
def director(logged_in):
    return logged_in("director")[0]


def form_post(session, url, data):
    return session.client.post(url, data={"csrf_token": session.token, **data})


def next_weekday(weekday: int) -> date:
    day = local_today() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def series_form(first: date, until: date, **overrides) -> dict:
    data = {"event_type": "atelier", "title": "Atelier CV", "site": "marseille",
            "poles": ["emploi"], "partners": ["france-travail", "cite"],
            "start_date": first.isoformat(), "start_time": "14:00", "end_time": "16:00",
            "location": "centre", "place": "Salle 3", "capacity": "12", "repeat": "weekly",
            "repeat_until": until.isoformat()}
    data.update(overrides)
    return data


def events_in_db(app) -> list[tuple]:
    with app.app_context():
        return [(e.title, e.start_date, e.status, e.series_id is not None,
                 [p.code for p in e.partners])
                for e in db.session.scalars(sa.select(Event).order_by(Event.starts_at))]


def test_a_weekly_series_is_planned_in_one_go(app, director):
    tuesday = next_weekday(1)
    response = form_post(director, "/evenements/nouveau",
                         series_form(tuesday, tuesday + timedelta(weeks=5)))
    assert response.status_code == 302
    stored = events_in_db(app)
    assert [row[1] for row in stored] == [tuesday + timedelta(weeks=n) for n in range(6)]
    assert all(row[0] == "Atelier CV" and row[3] and row[4] == ["france-travail", "cite"]
               for row in stored)
    listing = director.client.get(response.location).get_data(as_text=True)
    assert listing.count("Atelier CV") >= 6
    assert "6 événements planifiés." in listing


def test_a_bad_series_keeps_nothing_and_says_which_field(app, director):
    tuesday = next_weekday(1)
    response = form_post(director, "/evenements/nouveau",
                         series_form(tuesday, tuesday + timedelta(weeks=3), end_time="13:00"))
    assert response.status_code == 422
    assert "la fin doit venir après le début" in response.get_data(as_text=True)
    assert events_in_db(app) == []
    response = form_post(director, "/evenements/nouveau",
                         series_form(tuesday, tuesday - timedelta(days=1)))
    assert "La série finit avant de commencer." in response.get_data(as_text=True)
    assert events_in_db(app) == []


def test_an_outside_forum_needs_its_place(app, director):
    day = next_weekday(3)
    data = series_form(day, day, repeat="none", event_type="forum", title="Forum Vieux-Port",
                       location="outside", place="", capacity="3000")
    response = form_post(director, "/evenements/nouveau", data)
    assert response.status_code == 422
    assert "obligatoire pour un événement hors les murs" in response.get_data(as_text=True)
    data["place"] = "Quai du Port"
    assert form_post(director, "/evenements/nouveau", data).status_code == 302
    with app.app_context():
        forum = db.session.scalar(sa.select(Event))
        assert (forum.location, forum.place, forum.capacity) == ("outside", "Quai du Port", 3000)


def test_duplicate_prefills_and_cancel_keeps_the_event_marked(app, director):
    workshop = event(starts_at=at(next_weekday(2), 10), ends_at=at(next_weekday(2), 12))
    plan(director, workshop)
    copy = director.client.get(f"/evenements/nouveau?from={workshop['id']}").get_data(as_text=True)
    assert 'value="Atelier CV"' in copy and 'value="Salle 2"' in copy

    response = form_post(director, f"/evenements/{workshop['id']}/annuler", {})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(Event, uuid.UUID(workshop["id"]))
        assert stored.status == "cancelled"
        assert db.session.scalar(sa.select(AuditEvent.action)) == "event.cancel"
    today = director.client.get(f"/api/v1/events?date={next_weekday(2)}").json["events"]
    assert [e["status"] for e in today] == ["cancelled"]


def test_calendar_filters_by_type_pole_and_partner(director):
    day = next_weekday(4)
    plan(director,
         event(title="Atelier CV", starts_at=at(day, 10), ends_at=at(day, 12)),
         event(title="Info métiers du soin", type="info-metiers", poles=["orientation"],
               partners=["cio"], starts_at=at(day, 14), ends_at=at(day, 15)))

    def titles(query):
        page = director.client.get(f"/evenements/?view=list&day={day}&{query}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return [t for t in ("Atelier CV", "Info métiers du soin") if t in text]

    assert titles("") == ["Atelier CV", "Info métiers du soin"]
    assert titles("type=info-metiers") == ["Info métiers du soin"]
    assert titles("pole=emploi") == ["Atelier CV"]
    assert titles("partner=cio") == ["Info métiers du soin"]
    month = director.client.get(f"/evenements/?view=month&day={day}").get_data(as_text=True)
    assert "Atelier CV" in month and "Info métiers du soin" in month
    week = director.client.get(f"/evenements/?view=week&day={day}").get_data(as_text=True)
    assert "Atelier CV" in week


def test_attendance_is_entered_from_the_waiting_list(app, director, make_user):
    workshop = event()
    plan(director, workshop)
    agent = Auth(app.test_client())
    agent.login(make_user("agent").username)
    waiting = agent.client.get("/evenements/a-saisir").get_data(as_text=True)
    assert "Atelier CV" in waiting

    page = f"/evenements/{workshop['id']}/frequentation"
    refused = form_post(agent, page, {"total": "8", "by_gender.femme": "9"})
    assert refused.status_code == 422
    assert "dépasse le total" in refused.get_data(as_text=True)

    too_many = form_post(agent, page, {"total": "200"})
    assert too_many.status_code == 422
    assert "Plus de 10 fois la capacité" in too_many.get_data(as_text=True)

    saved = form_post(agent, page, {"total": "9", "by_gender.femme": "5", "by_age_band.16-25": "2"})
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(Event, uuid.UUID(workshop["id"]))
        assert stored.attendance == 9 and stored.status == "held"
        assert sorted(s.persons for s in stored.splits) == [2, 5]
    waiting_now = agent.client.get("/evenements/a-saisir").get_data(as_text=True)
    assert "Toutes les fréquentations sont saisies." in waiting_now
    assert "Fréquentation enregistrée : 9 participants à « Atelier CV »." in waiting_now
    one = form_post(agent, page, {"total": "1"})
    assert one.status_code == 302
    assert "Fréquentation enregistrée : 1 participant à « Atelier CV »." in agent.client.get(
        "/evenements/a-saisir").get_data(as_text=True)
    confirmed = form_post(agent, page, {"total": "200", "confirmed": "y"})
    assert confirmed.status_code == 302


def test_another_sites_event_is_out_of_reach(app, director, make_user):
    workshop = event()
    plan(director, workshop)
    agent = Auth(app.test_client())
    agent.login(make_user("agent", site="gap").username)
    assert agent.client.get(f"/evenements/{workshop['id']}/frequentation").status_code == 403
    assert "Atelier CV" not in agent.client.get("/evenements/a-saisir").get_data(as_text=True)
    assert "Atelier CV" not in agent.client.get(
        f"/evenements/?view=list&day={local_today() - timedelta(days=1)}").get_data(as_text=True)


def test_an_event_is_edited_with_the_same_checks(app, director):
    day = next_weekday(2)
    workshop = event(starts_at=at(day, 10), ends_at=at(day, 12))
    plan(director, workshop)
    url = f"/evenements/{workshop['id']}/modifier"
    page = director.client.get(url).get_data(as_text=True)
    assert 'value="Atelier CV"' in page and "Répétition" not in page
    data = series_form(day, day, repeat="none", title="Atelier CV et lettre", start_time="10:00",
                       end_time="12:30", partners=["cite"])
    del data["repeat"], data["repeat_until"]
    refused = form_post(director, url, {**data, "end_time": "09:00"})
    assert refused.status_code == 422
    assert "la fin doit venir après le début" in refused.get_data(as_text=True)
    assert form_post(director, url, data).status_code == 302
    with app.app_context():
        stored = db.session.get(Event, uuid.UUID(workshop["id"]))
        assert stored.title == "Atelier CV et lettre"
        assert [p.code for p in stored.partners] == ["cite"]
        assert stored.ends_at - stored.starts_at == timedelta(hours=2, minutes=30)
