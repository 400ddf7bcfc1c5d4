"""The floor's figures where the director reads them: workbook, twin, dashboard, floor board."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.exports.service import write_annual_report, write_period_report
from app.extensions import db
from app.models import (
    OccupancyCount,
    OccupancyRound,
    Pole,
    SatisfactionAnswer,
    Site,
    Space,
    User,
)
from app.timeutil import local_day_and_hour, parse_instant
from tests.test_exports import read_table

YEAR = 2025


class Floor:
    """Store rounds and kiosk answers as the capture services would."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.site = db.session.scalar(sa.select(Site.id).where(Site.code == "marseille"))
            user = User(username=f"k-{uuid.uuid4().hex[:6]}", password_hash="x", role="kiosk",
                        site_id=self.site)
            db.session.add(user)
            db.session.commit()
            self.user = user.id

    def round(self, at: str, **counts: int) -> None:
        with self.app.app_context():
            instant = parse_instant(at)
            day, hour = local_day_and_hour(instant)
            row = OccupancyRound(id=uuid.uuid4(), taken_at=instant, local_date=day,
                                 local_hour=hour, site_id=self.site, payload_digest="t",
                                 created_by_id=self.user)
            db.session.add(row)
            db.session.flush()
            for code, people in counts.items():
                space = db.session.scalar(sa.select(Space.id).where(Space.code == code))
                db.session.add(OccupancyCount(round_id=row.id, space_id=space, people=people))
            db.session.commit()

    def answer(self, at: str, score: int, pole: str | None = None, throttled: bool = False):
        with self.app.app_context():
            instant = parse_instant(at)
            pole_id = db.session.scalar(sa.select(Pole.id).where(Pole.code == pole)) if pole else None
            db.session.add(SatisfactionAnswer(
                id=uuid.uuid4(), answered_at=instant, local_date=local_day_and_hour(instant)[0],
                site_id=self.site, score=score, pole_id=pole_id, kiosk_id=self.user,
                throttled=throttled, payload_digest="t"))
            db.session.commit()


@pytest.fixture
def floor(app):
    return Floor(app)


def test_the_annual_workbook_and_twin_hold_occupancy_and_satisfaction(app, floor, tmp_path):
    floor.round(f"{YEAR}-03-10T10:00:00+01:00", cyber=20, documentation=4)
    floor.round(f"{YEAR}-03-10T11:00:00+01:00", cyber=26, documentation=0)
    floor.round(f"{YEAR}-03-11T10:05:00+01:00", cyber=8, documentation=2)
    for k, score in enumerate([4] * 12 + [3] * 15 + [2] * 2 + [1]):
        floor.answer(f"{YEAR}-04-{1 + k % 20:02d}T15:00:00+02:00", score,
                     pole="emploi" if k % 2 else None)
    floor.answer(f"{YEAR}-04-02T15:00:01+02:00", 1, throttled=True)
    with app.app_context():
        xlsx, twin_path = write_annual_report(YEAR, "marseille", "internal", tmp_path)
    wb = load_workbook(xlsx)
    occupancy = read_table(wb["Occupation des espaces"], "Occupation des espaces et capacité")
    assert occupancy.value("Cyber info", "Places") == 26
    assert occupancy.value("Cyber info", "Moyenne (personnes)") == pytest.approx(18)
    assert occupancy.value("Cyber info", "Maximum (personnes)") == 26
    assert occupancy.value("Cyber info", "Taux d'occupation maximal") == pytest.approx(1)
    assert occupancy.value("Espace documentation", "Moyenne (personnes)") == pytest.approx(2)
    by_hour = read_table(wb["Occupation des espaces"],
                         "Occupation moyenne par espace et par heure (personnes)")
    assert by_hour.value("Cyber info", "10 h") == pytest.approx(14)
    assert by_hour.value("Cyber info", "11 h") == pytest.approx(26)
    months = read_table(wb["Satisfaction"], "Satisfaction : réponses par mois et par note")
    assert months.value("Avril", "4 – Très satisfait·e") == 12
    assert months.value("Total", "Total") == 30  # the refused tap is not an answer
    poles = read_table(wb["Satisfaction"], "Satisfaction : réponses par pôle et par note")
    assert poles.value("Trouver son emploi", "Total") == 15
    assert poles.value("Pôle non précisé", "Total") == 15
    refused = read_table(wb["Satisfaction"], "Borne : appuis refusés (rafales), hors des réponses")
    assert refused.value("Avril", "Appuis refusés") == 1

    twin = json.loads(twin_path.read_text())
    assert twin["satisfaction"] == {"answers": 30, "by_score": {"1": 1, "2": 2, "3": 15, "4": 12}}
    assert twin["occupancy"]["cyber"] == {"average": 18.0, "peak": 26}
    assert twin["occupancy"]["documentation"] == {"average": 2.0, "peak": 4}
    assert "decouverte-metiers" not in twin["occupancy"]  # never counted


def test_the_public_edition_hides_small_satisfaction_counts(app, floor, tmp_path):
    for k in range(25):
        floor.answer(f"{YEAR}-05-{1 + k:02d}T11:00:00+02:00", 4)
    for k in range(3):
        floor.answer(f"{YEAR}-05-{1 + k:02d}T12:00:00+02:00", 1)
    with app.app_context():
        xlsx, twin_path = write_annual_report(YEAR, "marseille", "public", tmp_path)
    twin = json.loads(twin_path.read_text())
    # 3 small answers hidden; the 25 too, else the total would give the 3 back.
    assert twin["satisfaction"] == {"answers": 28,
                                    "by_score": {"1": "<11", "2": 0, "3": 0, "4": "s"}}
    wb = load_workbook(xlsx)
    sheet = wb["Satisfaction"]
    assert all(row[0].value != "Borne : appuis refusés (rafales), hors des réponses"
               for row in sheet.iter_rows())  # internal figure only


def test_the_monthly_report_gives_the_poles_per_hour(app, floor, tmp_path):
    from tests.factories import Builder

    build = Builder(app)
    build.entry(f"{YEAR}-03-10T10:10:00+01:00", "emploi", party=3)
    build.interview(f"{YEAR}-03-10T10:40:00+01:00", "emploi")
    with app.app_context():
        xlsx, _twin = write_period_report("mensuel", date(YEAR, 3, 1), date(YEAR, 3, 31),
                                          "marseille", tmp_path)
    grid = read_table(load_workbook(xlsx)["Pôles par heure"],
                      "Pôles par heure : orientés, entretiens, attente")
    row = "Trouver son emploi · 10 h"
    assert grid.value(row, "Orientés vers le pôle (personnes)") == 3
    assert grid.value(row, "Entretiens") == 1
    assert grid.value(row, "Attente estimée en fin d'heure (moyenne par jour)") == 2
    assert grid.value(row, "Heures sans conseiller disponible avec attente") == 1


def test_the_dashboard_shows_satisfaction_occupancy_and_refused_taps(app, floor, logged_in):
    floor.round(f"{YEAR}-03-10T10:00:00+01:00", cyber=13)
    for k in range(3):
        floor.answer(f"{YEAR}-03-1{k}T16:00:00+01:00", 2 + k, pole="formation")
    floor.answer(f"{YEAR}-03-10T16:00:01+01:00", 1, throttled=True)
    session, _user = logged_in("director")
    page = session.client.get(f"/statistiques/tableau-de-bord?start={YEAR}-03-01&end={YEAR}-03-31"
                              "&site=marseille").get_data(as_text=True)
    assert "3 réponses · note moyenne : 3 sur 4" in page
    assert "1 appui refusé (rafale sur une borne)" in page
    assert 'data-code="cyber"' in page and ">13<" in page
    assert "Choisir sa formation" in page


def test_the_floor_board_states_the_method_and_the_hours(app, floor, logged_in):
    from tests.factories import Builder

    Builder(app).entry("2025-03-10T10:10:00+01:00", "creation", party=2)
    floor.round("2025-03-10T11:00:00+01:00", cyber=26)
    session, _user = logged_in("agent")
    page = session.client.get("/statistiques/jour?date=2025-03-10").get_data(as_text=True)
    assert "90 dernières minutes, moins les entretiens commencés depuis" in page
    assert 'data-testid="floor-poles-hours"' in page
    assert 'class="num cell-short" data-pole="creation">2<' in page
    assert 'occupancy-full' in page  # the cyber room full at 11 h


def test_an_admin_adds_a_space_with_its_capacity_and_deactivates_it(app, logged_in):
    session, _user = logged_in("admin")
    form = session.client.get("/admin/listes/spaces/nouveau").get_data(as_text=True)
    assert "Places" in form
    response = session.client.post("/admin/listes/spaces/nouveau", data={
        "csrf_token": session.token, "code": "salle-atelier", "label": "Salle d'atelier",
        "site": "marseille", "capacity": "18", "pole": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        space = db.session.scalar(sa.select(Space).where(Space.code == "salle-atelier"))
        assert space.capacity == 18 and space.active and space.pole_id is None
        space_id = space.id
    bad = session.client.post("/admin/listes/spaces/nouveau", data={
        "csrf_token": session.token, "code": "trop", "label": "Trop grand", "site": "marseille",
        "capacity": "-3"})
    assert bad.status_code in (200, 400, 422) and "Un nombre entre 0 et 2000." in bad.get_data(as_text=True)
    session.client.post(f"/admin/listes/spaces/{space_id}/desactiver",
                        data={"csrf_token": session.token})
    with app.app_context():
        assert db.session.get(Space, space_id).active is False


def test_a_demo_year_has_rounds_every_opening_hour_and_kiosk_answers(app, app_ctx):
    from app.demo import generate_year
    from app.figures import occupancy, satisfaction
    from app.figures.scope import Scope

    generate_year(YEAR, "marseille", seed=5, scale=0.05)
    site = db.session.scalar(sa.select(Site.id).where(Site.code == "marseille"))
    scope = Scope(date(YEAR, 1, 1), date(YEAR, 12, 31), (site,))
    hours = {row["hour"] for row in occupancy.by_space_and_hour(scope)}
    assert hours == set(range(10, 18))  # 10:00 to 18:00 at Marseille
    cyber = next(row for row in occupancy.by_space(scope)
                 if row["space"] == db.session.scalar(sa.select(Space.id).where(Space.code == "cyber")))
    assert 0 < cyber["average"] < 26 and cyber["peak"] <= 28
    answers = sum(row["answers"] for row in satisfaction.answers(scope))
    assert answers > 0 and all(row["score"] in (1, 2, 3, 4) for row in satisfaction.answers(scope))


def test_the_dashboards_every_site_is_every_site_the_account_sees(app, floor, make_user):
    from app.floor.services import dashboard_floor_data

    floor.answer(f"{YEAR}-03-10T16:00:00+01:00", 4)
    director, agent = make_user("network-director"), make_user("agent", site="gap")
    with app.app_context():
        gap = db.session.scalar(sa.select(Site.id).where(Site.code == "gap"))
        db.session.add(SatisfactionAnswer(
            id=uuid.uuid4(), answered_at=datetime(YEAR, 3, 11, 15, tzinfo=timezone.utc),
            local_date=date(YEAR, 3, 11), site_id=gap, score=1, kiosk_id=floor.user,
            payload_digest="t"))
        db.session.commit()
        filters = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31", "site": None, "pole": None}
        assert dashboard_floor_data(filters, db.session.get(User, director.id))[
            "satisfaction"]["answers"] == 2
        # An account of one site (app.access) reads that site's answers only.
        assert dashboard_floor_data(filters, db.session.get(User, agent.id))["satisfaction"]["by_score"] == {
            1: 1, 2: 0, 3: 0, 4: 0}
