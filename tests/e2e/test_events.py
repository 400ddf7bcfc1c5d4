"""Events in headless Chromium at tablet size: the calendar, the attendance entry, the tablet's
event picker."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Event, FlowEntry
from app.timeutil import local_today
from tests.conftest import Auth
from tests.e2e.conftest import login, screenshot
from tests.test_events_api import at, event

pytestmark = pytest.mark.e2e

TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}


def plan(app, make_user, *events) -> None:
    """Plan events through the API as a director."""
    session = Auth(app.test_client())
    session.login(make_user("director").username)
    results = session.post_json("/api/v1/events", {"events": list(events)}).json["results"]
    assert [r["status"] for r in results] == ["created"] * len(events)


def test_the_calendar_shows_the_month_the_week_and_filters(app, make_user, page, live_server):
    today = local_today()
    plan(app, make_user,
         event(title="Atelier CV", starts_at=at(today, 14), ends_at=at(today, 16)),
         event(title="Forum Vieux-Port", type="forum", outside=True, place="Quai du Port",
               capacity=3000, poles=["emploi", "formation"], partners=["france-travail"],
               starts_at=at(today + timedelta(days=1), 9), ends_at=at(today + timedelta(days=1), 18)),
         event(title="Info métiers du numérique", type="info-metiers", poles=["orientation"],
               partners=["cio"], starts_at=at(today, 10), ends_at=at(today, 11)))
    page.set_viewport_size(TABLET_LANDSCAPE)
    director = make_user("director")
    login(page, live_server.url, director.username, next_path="/evenements/")

    calendar = page.get_by_test_id("calendar")
    expect(calendar.locator(".ev-today .ev-chip")).to_have_count(2)
    expect(calendar.locator(".ev-chip-outside")).to_contain_text("Forum Vieux-Port")
    screenshot(page, "events-month-1024")

    page.get_by_role("link", name="Semaine").click()
    expect(page.get_by_test_id("calendar")).to_have_class("ev-calendar ev-calendar-week")
    expect(page.locator(".ev-today .ev-chip").first).to_contain_text("10:00")
    screenshot(page, "events-week-1024")

    page.get_by_role("link", name="Liste").click()
    page.select_option("#pole", "orientation")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_test_id("event-list").locator(".ev-title")).to_have_count(1)
    expect(page.get_by_test_id("event-list")).to_contain_text("Info métiers du numérique")
    page.set_viewport_size(TABLET_PORTRAIT)
    page.select_option("#pole", "")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_test_id("event-list").locator(".ev-title")).to_have_count(3)
    screenshot(page, "events-list-768")
    assert page.js_errors == []


def test_attendance_entry_in_seconds_with_confirmation_above_capacity(
        app, make_user, page, live_server):
    workshop = event(capacity=12)
    plan(app, make_user, workshop)
    page.set_viewport_size(TABLET_PORTRAIT)
    agent = make_user("agent")
    login(page, live_server.url, agent.username, next_path="/evenements/a-saisir")
    screenshot(page, "events-waiting-768")
    page.get_by_role("link", name="Atelier CV").click()

    page.fill("#total", "13")
    page.get_by_role("button", name="+10 participants").click()
    expect(page.locator("#total")).to_have_value("23")
    page.locator(".att-splits summary").click()
    page.fill('[name="by_gender.femme"]', "9")
    expect(page.locator('[data-sum-for="gender"]')).to_have_text("partiel : 9 sur 23")
    page.fill('[name="by_gender.homme"]', "20")
    expect(page.locator('[data-sum-for="gender"]')).to_have_text("dépasse le total (29 > 23)")
    page.fill('[name="by_gender.homme"]', "14")
    expect(page.locator('[data-sum-for="gender"]')).to_have_text("complet")

    page.fill("#total", "230")
    page.get_by_role("button", name="Enregistrer la fréquentation").click()
    expect(page.locator("[data-confirm-box]")).to_be_visible()
    screenshot(page, "events-attendance-confirm-768")
    page.fill("#total", "23")
    expect(page.locator("[data-confirm-box]")).to_be_hidden()
    page.get_by_role("button", name="Enregistrer la fréquentation").click()
    expect(page.get_by_test_id("nothing-waiting")).to_be_visible()
    with app.app_context():
        stored = db.session.get(Event, uuid.UUID(workshop["id"]))
        assert stored.attendance == 23
        assert sorted(split.persons for split in stored.splits) == [9, 14]
    assert page.js_errors == []


def test_the_tablet_offers_todays_events_and_records_which(app, make_user, page, live_server):
    today = local_today()
    workshop = event(title="Atelier CV du jour", starts_at=at(today, 0, 5),
                     ends_at=at(today, 23, 55))
    plan(app, make_user, workshop,
         event(title="Demain", starts_at=at(today + timedelta(days=1), 10),
               ends_at=at(today + timedelta(days=1), 12)))
    page.set_viewport_size(TABLET_LANDSCAPE)
    agent = make_user("agent")
    login(page, live_server.url, agent.username, next_path="/accueil/marseille-rdc")
    expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")

    page.tap('#arrival-panel [data-picker="event-picker"]')
    offered = page.get_by_test_id("today-events").locator("[data-event-id]")
    expect(offered).to_have_count(1)
    expect(offered).to_contain_text("Atelier CV du jour")
    screenshot(page, "events-tablet-picker-1024")
    offered.tap()
    expect(page.get_by_test_id("recent-list").locator(".badge-sent")).to_have_count(1)
    with app.app_context():
        entries = db.session.scalars(sa.select(FlowEntry)).all()
        assert [(str(e.event_id), e.destination_kind, e.event_type.code) for e in entries] == [
            (workshop["id"], "event", "atelier")]
    assert page.js_errors == []


def test_planning_a_weekly_series_from_the_form(app, make_user, page, live_server):
    page.set_viewport_size(TABLET_PORTRAIT)
    director = make_user("director")
    login(page, live_server.url, director.username, next_path="/evenements/nouveau")
    first = local_today() + timedelta(days=(1 - local_today().weekday()) % 7 or 7)
    page.select_option("#event_type", "atelier")
    page.fill("#title", "Atelier CV")
    page.fill("#start_date", first.isoformat())
    page.fill("#start_time", "14:00")
    page.fill("#end_time", "16:00")
    page.fill("#place", "Salle 3")
    page.fill("#capacity", "12")
    page.get_by_label("Trouver son emploi").check()
    page.get_by_label("Chaque semaine, le même jour").check()
    page.fill("#repeat_until", (first + timedelta(weeks=3)).isoformat())
    screenshot(page, "events-form-768")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("4 événements planifiés")
    expect(page.get_by_test_id("event-list").locator(".ev-title")).to_have_count(4)
    with app.app_context():
        series = {e.series_id for e in db.session.scalars(sa.select(Event))}
        assert len(series) == 1 and None not in series
    assert page.js_errors == []
