"""Event figures: the dashboard, the annual workbook and its twin agree, reach never double
counts, the public edition hides small splits, the weekly summary names what is missing."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.exports.service import write_annual_report, write_period_report
from app.figures import events as event_figures
from app.figures.scope import Scope
from app.models import (
    Event,
    EventAttendanceSplit,
    EventType,
    FlowEntry,
    Partner,
    Pole,
    ProfileOption,
    Site,
)
from app.timeutil import PARIS, utcnow
from tests.factories import Builder
from tests.test_exports import read_table

YEAR = 2025


def _id(model, code, **where):
    return db.session.scalar(sa.select(model.id).where(model.code == code, *[
        getattr(model, k) == v for k, v in where.items()]))


def add_event(day: date, type_code: str = "atelier", *, title: str = "Atelier CV",
              attendance: int | None = None, capacity: int | None = None, outside=False,
              site="marseille", poles=("emploi",), partners=("france-travail",), days: int = 1,
              splits: dict | None = None, status: str | None = None) -> uuid.UUID:
    """Store an event with its attendance (the API's checks are tested elsewhere)."""
    start = datetime(day.year, day.month, day.day, 14, tzinfo=PARIS)
    end = start + timedelta(days=days - 1, hours=2)
    event = Event(id=uuid.uuid4(), event_type_id=_id(EventType, type_code), title=title,
                  site_id=_id(Site, site), starts_at=start, ends_at=end, start_date=day,
                  end_date=day + timedelta(days=days - 1),
                  location="outside" if outside else "centre", place="", capacity=capacity,
                  status=status or ("held" if attendance is not None else "planned"),
                  attendance=attendance, payload_digest="test")
    event.poles = [db.session.get(Pole, _id(Pole, code)) for code in poles]
    event.partners = [db.session.get(Partner, _id(Partner, code)) for code in partners]
    for category, counts in (splits or {}).items():
        for code, persons in counts.items():
            event.splits.append(EventAttendanceSplit(
                category=category, option_id=_id(ProfileOption, code, category=category),
                persons=persons))
    db.session.add(event)
    event_id = event.id
    db.session.commit()
    # Reading the row again would open a read transaction whose snapshot misses the rows
    # other sessions (the Builder's) write next.
    return event_id


@pytest.fixture
def programme(app, app_ctx):
    """A year of events and of reception taps, and one event the year before."""
    build = Builder(app)
    for week in range(20):  # a weekly workshop, 12 places
        add_event(date(YEAR, 1, 7) + timedelta(weeks=week), attendance=9 + week % 4,
                  capacity=12, splits={"gender": {"femme": 6, "homme": 2}})
    add_event(date(YEAR, 3, 12), "info-metiers", title="Info métiers du soin", attendance=25,
              capacity=30, poles=("orientation",), partners=("cio",))
    add_event(date(YEAR, 6, 14), "forum", title="Forum Vieux-Port", attendance=3200,
              outside=True, partners=("france-travail", "mission-locale"))
    add_event(date(YEAR, 10, 6), "semaine-metiers", title="Semaine des métiers", days=5,
              attendance=1400, capacity=1500)
    add_event(date(YEAR, 11, 4), title="Atelier annulé", status="cancelled")
    add_event(date(YEAR - 1, 6, 14), "forum", title="Forum 2024", attendance=2500, outside=True)
    # 60 visitors tapped at reception, 15 of whom came for an event.
    for n in range(60):
        destination = "event" if n < 15 else "emploi"
        build.entry(f"{YEAR}-03-{10 + n % 10:02d}T11:{n % 60:02d}:00+01:00", destination,
                    event="atelier" if n < 15 else None)


def test_reach_adds_each_public_once(programme):
    workshops = sum(9 + week % 4 for week in range(20))
    reach = event_figures.reach(Scope(date(YEAR, 1, 1), date(YEAR, 12, 31)))
    in_centre = workshops + 25 + 1400
    assert reach == {
        "floor_visitors": 60, "floor_for_events": 15, "attendance_in_centre": in_centre,
        "attendance_outside": 3200, "attendance": in_centre + 3200,
        "in_centre_beyond_floor": in_centre - 15,
        "public_reached": 60 + 3200 + in_centre - 15,
    }


def test_dashboard_workbook_and_twin_show_the_same_event_figures(programme, client, logged_in,
                                                                 tmp_path):
    director, _user = logged_in("director")
    dashboard = director.client.get(
        f"/statistiques/tableau-de-bord.json?start={YEAR}-01-01&end={YEAR}-12-31").json["events"]
    workshops = sum(9 + week % 4 for week in range(20))
    by_type = {row["code"]: (row["sessions"], row["attendance"]) for row in dashboard["by_type"]}
    assert by_type == {"atelier": (20, workshops), "info-metiers": (1, 25), "forum": (1, 3200),
                       "semaine-metiers": (1, 1400)}
    assert dashboard["previous"]["sessions"] == 1
    assert dashboard["by_location"]["outside"] == {"sessions": 1, "attendance": 3200}
    page = director.client.get(f"/statistiques/tableau-de-bord?start={YEAR}-01-01&end={YEAR}-12-31")
    html = page.get_data(as_text=True)
    assert 'data-testid="events-reach"' in html and "Public touché au total" in html

    xlsx, twin_path = write_annual_report(YEAR, None, "internal", tmp_path)[:2]
    twin = json.loads(twin_path.read_text())
    assert twin["events_by_type"] == {code: {"sessions": s, "attendance": a}
                                      for code, (s, a) in by_type.items()}
    assert twin["events_reach"]["public_reached"] == dashboard["reach"]["public_reached"]

    workbook = load_workbook(xlsx)
    sheet = workbook["Programme d'événements"]
    table = read_table(sheet, "Séances et participants par type d'événement")
    assert table.value("Atelier", "Séances") == 20
    assert table.value("Atelier", "Participants") == workshops
    assert table.value("Forum de recrutement", "dont hors les murs") == 3200
    # Fill rate: workshops over their 240 places, the Semaine over its 1,500, no forum.
    assert table.value("Total", "Taux de remplissage") == pytest.approx(
        round((workshops + 25 + 1400) / (240 + 30 + 1500), 3))
    months = read_table(sheet, "Événements par mois, comparés à l'année précédente")
    assert months.value("juin 2025", "Participants un an plus tôt") == 2500
    assert months.value("juin 2025", "Participants") == 3200
    assert len(sheet._charts) == 2  # native bar and line charts
    reach = read_table(workbook["Public touché"],
                       "Public touché : comment les chiffres se rapportent")
    assert reach.value("Public touché au total", "Période") == dashboard["reach"]["public_reached"]


def test_the_public_edition_hides_small_attendance_splits(programme, tmp_path):
    public = load_workbook(write_annual_report(YEAR, None, "public", tmp_path)[0])
    gender = read_table(public["Participants aux événements"],
                        "Participants aux événements : genre")
    assert gender.value("Femme", "Participants") == 120
    assert gender.value("Homme", "Participants") == 40
    assert gender.value("Autre", "Participants") == 0
    internal = load_workbook(write_annual_report(YEAR, None, "internal", tmp_path)[0])
    by_site = read_table(internal["Programme d'événements"], "Par site")
    assert by_site.value("Cité des Métiers de Marseille", "Séances") == 23
    published = read_table(public["Programme d'événements"], "Par pôle")
    assert published.value("S'orienter, se reconvertir", "Séances") == "<11"
    assert published.value("Trouver son emploi", "Séances") == 22


def test_the_weekly_summary_names_the_events_waiting_for_attendance(app, app_ctx, tmp_path):
    today = utcnow().astimezone(PARIS).date()
    add_event(today - timedelta(days=2), title="Atelier sans chiffres")
    add_event(today - timedelta(days=3), title="Atelier saisi", attendance=8)
    add_event(today + timedelta(days=2), title="Atelier à venir")
    xlsx = write_period_report("hebdo", today - timedelta(days=6), today, None, tmp_path)[0]
    sheet = load_workbook(xlsx)["Programme d'événements"]
    waiting = read_table(sheet, "Fréquentations à saisir")
    assert [label.split(" · ", 1)[1] for label in waiting.rows] == ["Atelier sans chiffres"]


def test_demo_generate_writes_a_programme_shaped_like_the_seeds(app, app_ctx):
    from app.demo import generate_year

    now = datetime(YEAR, 11, 20, 12, tzinfo=PARIS)
    summary = generate_year(YEAR, "marseille", seed=3, scale=0.2, now=now)
    section = event_figures.section(Scope(date(YEAR, 1, 1), date(YEAR, 12, 31)))
    by_type = {row["code"]: row for row in section["by_type"]}
    assert summary.events == section["sessions"]
    assert 150 <= by_type["atelier"]["sessions"] <= 190     # four weekly workshops
    assert 60 <= by_type["info-metiers"]["sessions"] <= 90   # twice a week, term time
    assert by_type["semaine-metiers"]["sessions"] == 1
    assert 800 <= by_type["semaine-metiers"]["attendance"] <= 1500
    assert by_type["forum"]["sessions"] == 1
    assert section["by_location"]["outside"]["sessions"] == 1
    assert 0.6 <= section["fill_rate"] <= 0.95
    # Taps for an event of that day and type point at it; two held events wait for figures.
    assert section["reach"]["floor_for_events"] > 0
    linked = db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)
                               .where(FlowEntry.event_id.is_not(None)))
    assert linked > 0
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.attendance.is_(None), Event.ends_at <= now, Event.status != "cancelled"))
    assert waiting == 2
    again = generate_year(YEAR, "marseille", seed=3, scale=0.2, now=now, replace=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == again.events


def test_the_centres_side_by_side_count_each_centres_event_attendance(programme):
    from app.figures import network

    scope = Scope(date(YEAR, 1, 1), date(YEAR, 12, 31))
    marseille = db.session.scalar(sa.select(Site.id).where(Site.code == "marseille"))
    held = sum(9 + week % 4 for week in range(20)) + 25 + 3200 + 1400
    assert event_figures.attendance_by_site(scope) == {marseille: held}
    centres = {row["code"]: row for row in network.side_by_side(scope)["sites"]}
    assert centres["marseille"]["events_attendance"] == held
    assert centres["gap"]["events_attendance"] is None  # no event held there: a dash
