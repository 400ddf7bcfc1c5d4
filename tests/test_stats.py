"""The live floor board and the director's dashboard: figures on small handmade data."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Partner,
    Pole,
    ProfileOption,
    Site,
)
from tests.factories import Builder
from app.stats.services import DashboardFilters, InvalidFilter, dashboard_data, floor_data
from app.timeutil import local_today, parse_instant

DASHBOARD = "/statistiques/tableau-de-bord"
FLOOR = "/statistiques/jour"


@pytest.fixture
def build(app):
    return Builder(app)


@pytest.fixture
def director(logged_in):
    # The network director: these tests read the whole network (site directors: issue 10).
    session, _user = logged_in("network-director")
    return session.client


def dashboard(client, **params):
    response = client.get(DASHBOARD + ".json", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def by_code(rows, key="value"):
    return {row["code"]: row[key] for row in rows}


def marseille(app):
    return db.session.scalar(sa.select(Site).where(Site.code == "marseille"))


# ---------------------------------------------------------------- floor board


def test_floor_counts_persons_per_paris_hour_from_10_00(app_ctx, app, build):
    build.entry("2025-06-02T09:59:59+02:00")             # before opening: the 9h slot
    build.entry("2025-06-02T10:00:00+02:00", party=3)    # first second of the 10h slot
    build.entry("2025-06-02T10:59:59+02:00", party=2)
    build.entry("2025-06-02T11:00:00+02:00", "documentation")

    data = floor_data(marseille(app), now=parse_instant("2025-06-02T11:05:00+02:00"))

    hours = {row["hour"]: row["today"] for row in data["hours"]}
    assert hours[9] == 1 and hours[10] == 5 and hours[11] == 1
    assert sorted(hours) == list(range(9, 18))   # opening hours 10h-17h, plus 9h which has data
    assert data["totals"]["visitors"]["today"] == 7
    assert by_code(data["destinations"], "today")["emploi"] == 6
    assert by_code(data["destinations"], "today")["documentation"] == 1


def test_floor_compares_with_last_week_at_the_same_time(app_ctx, app, build):
    build.entry("2025-06-02T10:30:00+02:00", party=2)                 # today
    build.entry("2025-05-26T10:30:00+02:00", party=4)                 # last Monday, morning
    build.entry("2025-05-26T15:00:00+02:00", "cyber", party=10)       # last Monday, afternoon
    build.interview("2025-05-26T10:15:00+02:00", "formation")
    build.interview("2025-05-26T16:00:00+02:00", "formation")
    build.reorientation("2025-05-26T11:00:00+02:00", "emploi", "formation")

    data = floor_data(marseille(app), now=parse_instant("2025-06-02T12:00:00+02:00"))

    assert data["live"] is True and data["compare_date"] == "2025-05-26"
    assert data["totals"]["visitors"] == {"today": 2, "last_week": 4, "last_week_day": 14}
    assert data["totals"]["interviews"] == {"today": 0, "last_week": 1, "last_week_day": 2}
    assert data["totals"]["reorientations"] == {"today": 0, "last_week": 1, "last_week_day": 1}
    assert by_code(data["destinations"], "last_week")["cyber"] == 0   # not yet at 12:00
    assert by_code(data["interviews_by_pole"], "last_week")["formation"] == 1
    # The hourly chart shows last week's whole day, to see what is coming.
    hours = {row["hour"]: row["last_week"] for row in data["hours"]}
    assert hours[10] == 4 and hours[15] == 10


def test_floor_compares_across_the_change_to_summer_time(app_ctx, app, build):
    # Monday 24 March 2025 is in winter time (UTC+1), Monday 31 March in summer time (UTC+2).
    build.entry("2025-03-24T10:50:00+01:00", party=3)
    build.entry("2025-03-24T11:10:00+01:00", party=5)
    build.entry("2025-03-31T10:20:00+02:00")

    data = floor_data(marseille(app), now=parse_instant("2025-03-31T11:00:00+02:00"))

    assert data["totals"]["visitors"] == {"today": 1, "last_week": 3, "last_week_day": 8}
    hours = {row["hour"]: (row["today"], row["last_week"]) for row in data["hours"]}
    assert hours[10] == (1, 3) and hours[11] == (0, 5)


def test_floor_day_runs_from_paris_midnight_to_midnight(app_ctx, app, build):
    build.entry("2025-06-01T21:59:59Z", party=4)   # Sunday 23:59:59 in Paris
    build.entry("2025-06-01T22:00:00Z", party=2)   # Monday 00:00 in Paris

    data = floor_data(marseille(app), now=parse_instant("2025-06-02T09:00:00+02:00"))

    assert data["date"] == "2025-06-02"
    assert data["totals"]["visitors"]["today"] == 2
    assert {row["hour"]: row["today"] for row in data["hours"]}[0] == 2


def test_the_repeated_hour_of_the_autumn_clock_change_counts_both_times(director, build):
    build.entry("2025-10-26T00:30:00Z")            # 02:30 summer time
    build.entry("2025-10-26T01:30:00Z", party=2)   # 02:30 again, winter time

    data = dashboard(director, start="2025-10-26", end="2025-10-26", site="marseille")

    assert data["attendance"]["day"] == [{"period": "2025-10-26", "label": "dim. 26 oct. 2025",
                                          "visitors": 3, "interviews": 0}]
    hours = [h["hour"] for h in data["heatmap"]["hours"]]
    sunday = [row for row in data["heatmap"]["rows"] if row["weekday"] == 6][0]
    assert dict(zip(hours, sunday["values"]))[2] == 3


def test_floor_leaves_out_deleted_rows_and_other_sites(app_ctx, app, build):
    build.entry("2025-06-02T10:00:00+02:00", party=2)
    build.entry("2025-06-02T10:01:00+02:00", party=5, deleted=True)
    build.entry("2025-06-02T10:02:00+02:00", party=7, site="gap")
    build.interview("2025-06-02T10:00:00+02:00", deleted=True)

    data = floor_data(marseille(app), now=parse_instant("2025-06-02T12:00:00+02:00"))

    assert data["totals"]["visitors"]["today"] == 2
    assert data["totals"]["interviews"]["today"] == 0


def test_floor_page_shows_a_past_day_whole(director, build):
    build.entry("2025-06-02T10:00:00+02:00", party=3)
    build.entry("2025-06-02T17:59:00+02:00", "desk")
    build.entry("2025-05-26T17:30:00+02:00", party=6)
    build.interview("2025-06-02T14:00:00+02:00", "creation")

    page = director.get(FLOOR + "?date=2025-06-02")
    data = director.get(FLOOR + ".json?date=2025-06-02").json

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tableau du jour" in html and "journée passée" in html
    assert data["live"] is False
    assert data["totals"]["visitors"] == {"today": 4, "last_week": 6, "last_week_day": 6}
    assert by_code(data["interviews_by_pole"], "today")["creation"] == 1
    assert 'data-figure="totals.visitors.today">4<' in html


def test_floor_for_today_renders_and_polls_as_json(logged_in):
    client = logged_in("agent")[0].client
    page = client.get(FLOOR)
    data = client.get(FLOOR + ".json").json

    assert page.status_code == 200
    assert data["date"] == local_today().isoformat() and data["site"]["code"] == "marseille"
    assert 'id="floor-data"' in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["agent", "counsellor"])
def test_floor_staff_see_only_their_own_site(logged_in, role):
    client = logged_in(role, site="gap")[0].client
    assert client.get(FLOOR + ".json").json["site"]["code"] == "gap"
    assert client.get(FLOOR + "?site=marseille").status_code == 403
    assert client.get(FLOOR + ".json?site=marseille").status_code == 403


def test_floor_director_may_pick_a_site(director, build):
    build.entry("2025-06-02T10:00:00+02:00", site="gap", party=2)
    data = director.get(FLOOR + ".json?site=gap&date=2025-06-02").json
    assert data["site"]["code"] == "gap" and data["totals"]["visitors"]["today"] == 2
    assert "Centre associé de Gap" in director.get(FLOOR + "?site=gap").get_data(as_text=True)


@pytest.mark.parametrize("query, field", [("site=nowhere", "site"), ("date=02/06/2025", "date"),
                                          ("date=2999-01-01", "date")])
def test_floor_refuses_bad_arguments_naming_the_field(director, query, field):
    answer = director.get(f"{FLOOR}.json?{query}")
    page = director.get(f"{FLOOR}?{query}")
    assert answer.status_code == 400 and answer.json["field"] == field
    assert answer.json["message"].startswith(f"{field} :")
    assert page.status_code == 400 and answer.json["message"] in page.get_data(as_text=True)


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("role, floor, board", [
    ("agent", 200, 403), ("counsellor", 200, 403), ("director", 200, 200), ("admin", 200, 200),
])
def test_who_may_see_the_floor_board_and_the_dashboard(logged_in, role, floor, board):
    client = logged_in(role)[0].client
    assert client.get(FLOOR).status_code == floor
    assert client.get(FLOOR + ".json").status_code == floor
    assert client.get(DASHBOARD).status_code == board
    assert client.get(DASHBOARD + ".json").status_code == board


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for url in (FLOOR, DASHBOARD):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
    # A poll of a JSON twin after the session expired is told so in JSON, never redirected.
    for url in (FLOOR + ".json", DASHBOARD + ".json"):
        response = client.get(url)
        assert response.status_code == 401 and response.json["error"] == "unauthenticated", url


# ---------------------------------------------------------------- dashboard figures


def test_dashboard_counts_persons_destinations_and_leaves_out_deleted_rows(director, build):
    build.entry("2025-03-03T10:00:00+01:00", "emploi", party=3)
    build.entry("2025-03-03T10:05:00+01:00", "emploi")
    build.entry("2025-03-03T10:10:00+01:00", "documentation", party=2)
    build.entry("2025-03-04T11:00:00+01:00", "event", event="atelier", party=12)
    build.entry("2025-03-04T11:30:00+01:00", "partner:apec")
    build.entry("2025-03-04T11:40:00+01:00", "emploi", party=50, deleted=True)
    build.entry("2024-12-31T10:00:00+01:00", "emploi", party=9)    # before the period

    data = dashboard(director, start="2025-01-01", end="2025-12-31")

    assert data["totals"]["visitors"] == 19
    assert data["totals"]["arrival_entries"] == 5
    destinations = by_code(data["destinations"])
    assert destinations["emploi"] == 4 and destinations["documentation"] == 2
    assert destinations["event"] == 12 and destinations["partner"] == 1
    assert destinations["cyber"] == 0
    assert by_code(data["event_types"])["atelier"] == 12
    assert by_code(data["partners_out"]) == {"apec": 1}


def test_dashboard_attendance_per_day_week_and_month(director, build):
    build.entry("2024-12-30T10:00:00+01:00", party=2)      # ISO week 1 of 2025
    build.entry("2025-01-02T23:59:00+01:00")                # last minute of 2 January
    build.entry("2025-01-03T00:00:00+01:00", party=4)       # first minute of 3 January
    build.entry("2025-02-03T10:00:00+01:00", party=5)
    build.interview("2025-01-03T14:00:00+01:00")

    data = dashboard(director, start="2024-12-30", end="2025-02-28")
    attendance = data["attendance"]

    days = {p["period"]: p["visitors"] for p in attendance["day"]}
    assert len(days) == 61 and days["2025-01-02"] == 1 and days["2025-01-03"] == 4
    assert {p["period"]: p["interviews"] for p in attendance["day"]}["2025-01-03"] == 1
    weeks = {p["period"]: p["visitors"] for p in attendance["week"]}
    assert weeks["2025-W01"] == 7 and weeks["2025-W06"] == 5
    months = {p["period"]: p["visitors"] for p in attendance["month"]}
    assert months == {"2024-12": 2, "2025-01": 5, "2025-02": 5}
    assert [p["label"] for p in attendance["month"]] == ["décembre 2024", "janvier 2025",
                                                         "février 2025"]


def test_dashboard_heatmap_is_in_paris_hours_across_summer_time(director, build):
    build.entry("2025-03-24T09:30:00Z", party=2)   # Monday 10:30 in winter time
    build.entry("2025-03-31T08:30:00Z", party=3)   # Monday 10:30 in summer time
    build.entry("2025-10-27T09:59:00Z")            # Monday 10:59, winter time again
    build.entry("2025-03-29T16:00:00Z", party=4)   # Saturday 17:00

    heatmap = dashboard(director, start="2025-01-01", end="2025-12-31")["heatmap"]

    hours = [h["hour"] for h in heatmap["hours"]]
    cells = {row["weekday"]: dict(zip(hours, row["values"])) for row in heatmap["rows"]}
    assert hours == list(range(9, 18))   # all sites in scope: Gap and others open at 9:00
    assert cells[0][10] == 6 and cells[5][17] == 4
    assert heatmap["max"] == 6
    assert [row["label"] for row in heatmap["rows"]][:2] == ["lundi", "mardi"]


def test_dashboard_heatmap_keeps_taps_outside_opening_hours(director, build):
    build.entry("2025-06-02T09:59:00+02:00")              # Monday, before opening
    build.entry("2025-06-02T10:00:00+02:00", party=2)
    build.entry("2025-06-07T18:00:00+02:00", party=3)     # Saturday, after closing

    data = dashboard(director, start="2025-06-01", end="2025-06-30", site="marseille")
    heatmap = data["heatmap"]

    hours = [h["hour"] for h in heatmap["hours"]]
    cells = {row["weekday"]: dict(zip(hours, row["values"])) for row in heatmap["rows"]}
    assert hours == list(range(9, 19))
    assert (cells[0][9], cells[0][10], cells[5][18]) == (1, 2, 3)
    assert sum(sum(row["values"]) for row in heatmap["rows"]) == data["totals"]["visitors"] == 6


def test_dashboard_reorientation_flows_from_reception_and_interviews(director, build):
    build.reorientation("2025-04-01T10:00:00+02:00", "emploi", "formation", party=2)
    build.reorientation("2025-04-01T10:10:00+02:00", "emploi", "partner:mission-locale")
    build.reorientation("2025-04-01T10:20:00+02:00", "orientation", "emploi", deleted=True)
    build.interview("2025-04-01T11:00:00+02:00", "orientation", outcomes=["reorientation"],
                    reoriented_to="creation")

    data = dashboard(director, start="2025-04-01", end="2025-04-30")
    flows = data["reorientations"]

    assert (flows["total"], flows["at_reception"], flows["from_interviews"]) == (4, 3, 1)
    listed = {(f["from"], f["to"]): f["count"] for f in flows["flows"]}
    assert listed == {("emploi", "formation"): 2, ("emploi", "partner:mission-locale"): 1,
                      ("orientation", "creation"): 1}
    columns = [c["code"] for c in flows["columns"]]
    matrix = {row["code"]: dict(zip(columns, row["values"])) for row in flows["rows"]}
    assert matrix["emploi"] == {"orientation": 0, "formation": 2, "emploi": 0, "creation": 0,
                                "partner": 1}
    assert matrix["orientation"]["creation"] == 1
    assert data["totals"]["visitors"] == 0   # a reorientation is not a new visitor


def test_dashboard_interviews_per_pole_partner_theme_outcome_channel_and_duration(director, build):
    for minutes in (10, 15, 16, 30, 45, 60, 61, 120):
        build.interview("2025-05-05T14:00:00+02:00", duration=minutes)
    build.interview("2025-05-06T10:00:00+02:00", "formation", partner="cio", channel="phone",
                    themes=["cpf", "apprentissage"], outcomes=["information", "atelier"])
    build.interview("2025-05-06T11:00:00+02:00", "formation", partner="cio", channel="video",
                    themes=["cpf"], outcomes=["information"])
    build.interview("2025-05-06T12:00:00+02:00", "formation", deleted=True, themes=["cpf"])

    interviews = dashboard(director, start="2025-05-01", end="2025-05-31")["interviews"]

    assert interviews["total"] == 10
    assert by_code(interviews["by_pole"]) == {"orientation": 0, "formation": 2, "emploi": 8,
                                              "creation": 0}
    assert by_code(interviews["by_partner"]) == {"france-travail": 8, "cio": 2}
    assert by_code(interviews["by_theme"]) == {"cpf": 2, "apprentissage": 1}
    assert by_code(interviews["by_outcome"])["information"] == 2
    assert by_code(interviews["by_outcome"])["atelier"] == 1
    assert by_code(interviews["by_channel"]) == {"in_person": 8, "phone": 1, "video": 1}
    # Bins: up to 15 min, 16-30, 31-45, 46-60, over 60.
    assert by_code(interviews["duration"]) == {"0-15": 2, "15-30": 4, "30-45": 1, "45-60": 1,
                                               "60+": 2}
    assert interviews["average_duration"] == round((10 + 15 + 16 + 30 + 45 + 60 + 61 + 120
                                                    + 30 + 30) / 10, 1)


def test_dashboard_profile_from_arrivals_and_interviews_apart(director, build):
    build.entry("2025-05-05T10:00:00+02:00", "emploi", party=3,
                profile={"gender": "femme", "status": "demandeur-emploi", "first_visit": "oui"})
    build.entry("2025-05-05T10:05:00+02:00", "emploi", profile={"gender": "homme"})
    build.entry("2025-05-05T10:10:00+02:00", "formation", party=2)    # profile not stated
    build.entry("2025-05-05T10:15:00+02:00", "cyber", profile={"gender": "femme"})
    build.interview("2025-05-05T11:00:00+02:00", "emploi", profile={"gender": "homme",
                                                                    "age_band": "26-44"})
    build.interview("2025-05-05T11:30:00+02:00", "formation", profile={"gender": "femme"})

    profile = dashboard(director, start="2025-05-01", end="2025-05-31")["profile"]

    gender = {row["code"]: (row["arrivals"], row["interviews"])
              for row in profile["categories"]["gender"]}
    assert gender == {"femme": (4, 1), "homme": (1, 1), "autre": (0, 0), "unstated": (2, 0)}
    status = {row["code"]: row["arrivals"] for row in profile["categories"]["status"]}
    assert status["demandeur-emploi"] == 3 and status["unstated"] == 4
    ages = {row["code"]: row["interviews"] for row in profile["categories"]["age_band"]}
    assert ages["26-44"] == 1 and ages["unstated"] == 1
    split = profile["gender_by_pole"]
    genders = [g["code"] for g in split["genders"]]
    assert genders == ["femme", "homme", "autre", "unstated"]
    poles = {p["code"]: (dict(zip(genders, p["arrivals"])), dict(zip(genders, p["interviews"])))
             for p in split["poles"]}
    assert poles["emploi"][0] == {"femme": 3, "homme": 1, "autre": 0, "unstated": 0}
    assert poles["emploi"][1]["homme"] == 1
    assert poles["formation"][0]["unstated"] == 2 and poles["formation"][1]["femme"] == 1


def test_dashboard_averages_per_opening_day_leave_out_holidays(director, build):
    # The week of 14 July 2025: Marseille opens Tuesday to Saturday (Monday is a holiday).
    for day in ("15", "16", "17", "18", "19"):
        build.entry(f"2025-07-{day}T10:00:00+02:00", party=10)
    build.interview("2025-07-15T10:00:00+02:00")

    data = dashboard(director, start="2025-07-14", end="2025-07-20", site="marseille")
    per_day = data["per_opening_day"]

    assert per_day["opening_days"] == 5
    assert per_day["visitors_per_day"] == 10.0 and per_day["interviews_per_day"] == 0.2
    assert [(s["code"], s["opening_days"], s["visitors"]) for s in per_day["by_site"]] == [
        ("marseille", 5, 50)]
    everywhere = dashboard(director, start="2025-07-14", end="2025-07-20")["per_opening_day"]
    assert everywhere["opening_days"] == 5
    # Centres with no activity in the period are not listed as rows of zeros.
    assert [s["code"] for s in everywhere["by_site"]] == ["marseille"]
    build.entry("2025-07-15T11:00:00+02:00", site="gap")
    everywhere = dashboard(director, start="2025-07-14", end="2025-07-20")["per_opening_day"]
    assert by_code(everywhere["by_site"], "opening_days")["gap"] == 4


def test_dashboard_compares_with_the_same_period_a_year_earlier(director, build):
    build.entry("2025-03-10T10:00:00+01:00", party=30)
    build.entry("2024-03-11T10:00:00+01:00", party=20)
    build.entry("2024-02-29T10:00:00+01:00", party=5)      # leap day of the earlier year
    build.entry("2024-04-01T10:00:00+02:00", party=99)     # outside the earlier period
    build.interview("2024-03-12T10:00:00+01:00")

    data = dashboard(director, start="2025-01-01", end="2025-03-31")
    yoy = data["year_on_year"]
    figures = {f["code"]: f for f in yoy["figures"]}

    assert (yoy["previous_start"], yoy["previous_end"]) == ("2024-01-01", "2024-03-31")
    assert (figures["visitors"]["current"], figures["visitors"]["previous"]) == (30, 25)
    assert figures["visitors"]["change_pct"] == 20.0
    assert figures["interviews"]["previous"] == 1 and figures["interviews"]["change_pct"] == -100.0
    assert figures["reorientations"]["change_pct"] is None   # nothing to compare with
    months = {m["period"]: (m["current"], m["previous"]) for m in yoy["months"]}
    assert months == {"2025-01": (0, 0), "2025-02": (0, 5), "2025-03": (30, 20)}


def test_a_leap_day_period_compares_with_28_february(director, build):
    build.entry("2024-02-29T10:00:00+01:00", party=2)
    build.entry("2023-02-28T10:00:00+01:00", party=4)
    yoy = dashboard(director, start="2024-02-29", end="2024-02-29")["year_on_year"]
    assert (yoy["previous_start"], yoy["previous_end"]) == ("2023-02-28", "2023-02-28")
    assert {f["code"]: f["previous"] for f in yoy["figures"]}["visitors"] == 4


def test_renaming_a_label_does_not_split_a_series(app, director, build):
    build.entry("2025-05-05T10:00:00+02:00", "emploi", party=2, profile={"gender": "femme"})
    build.interview("2025-05-05T11:00:00+02:00", "emploi", partner="cio")
    with app.app_context():
        db.session.scalar(sa.select(Pole).where(Pole.code == "emploi")).label = "Emploi et métiers"
        db.session.scalar(sa.select(Partner).where(Partner.code == "cio")).label = "CIO Marseille"
        db.session.scalar(sa.select(ProfileOption).where(
            ProfileOption.category == "gender", ProfileOption.code == "femme")).label = "Femmes"
        db.session.commit()
    build.entry("2025-05-06T10:00:00+02:00", "emploi", party=3, profile={"gender": "femme"})
    build.interview("2025-05-06T11:00:00+02:00", "emploi", partner="cio")

    data = dashboard(director, start="2025-05-01", end="2025-05-31")

    emploi = [row for row in data["destinations"] if row["label"].startswith("Emploi")
              or row["code"] == "emploi"]
    assert emploi == [{"code": "emploi", "label": "Emploi et métiers", "value": 5}]
    assert data["interviews"]["by_partner"] == [{"code": "cio", "label": "CIO Marseille",
                                                 "value": 2}]
    women = [row for row in data["profile"]["categories"]["gender"] if row["code"] == "femme"]
    assert women == [{"code": "femme", "label": "Femmes", "arrivals": 5, "interviews": 0}]


def test_an_inactive_pole_keeps_its_history(app, director, build):
    build.entry("2025-05-05T10:00:00+02:00", "creation", party=2)
    with app.app_context():
        db.session.scalar(sa.select(Pole).where(Pole.code == "creation")).active = False
        db.session.scalar(sa.select(Pole).where(Pole.code == "orientation")).active = False
        db.session.commit()
    codes = [row["code"] for row in dashboard(director, start="2025-05-01",
                                              end="2025-05-31")["destinations"]]
    assert "creation" in codes and "orientation" not in codes


def test_dashboard_filters_by_site_and_pole(director, build):
    build.entry("2025-05-05T10:00:00+02:00", "emploi", party=2)
    build.entry("2025-05-05T10:00:00+02:00", "formation", party=3)
    build.entry("2025-05-05T10:00:00+02:00", "emploi", site="gap", party=7)
    build.reorientation("2025-05-05T11:00:00+02:00", "formation", "emploi")
    build.reorientation("2025-05-05T11:00:00+02:00", "orientation", "creation")
    build.interview("2025-05-05T10:00:00+02:00", "emploi")
    build.interview("2025-05-05T10:00:00+02:00", "formation")
    build.interview("2025-05-05T10:00:00+02:00", "emploi", site="gap")

    everything = dashboard(director, start="2025-05-01", end="2025-05-31")
    at_marseille = dashboard(director, start="2025-05-01", end="2025-05-31", site="marseille")
    jobs_at_gap = dashboard(director, start="2025-05-01", end="2025-05-31", site="gap",
                            pole="emploi")
    jobs = dashboard(director, start="2025-05-01", end="2025-05-31", pole="emploi")

    assert (everything["totals"]["visitors"], everything["totals"]["interviews"]) == (12, 3)
    assert (at_marseille["totals"]["visitors"], at_marseille["totals"]["interviews"]) == (5, 2)
    assert at_marseille["filters"]["site_label"] == "Cité des Métiers de Marseille"
    assert (jobs_at_gap["totals"]["visitors"], jobs_at_gap["totals"]["interviews"]) == (7, 1)
    assert (jobs["totals"]["visitors"], jobs["totals"]["interviews"]) == (9, 2)
    assert jobs["reorientations"]["total"] == 1   # into or out of the pole only
    assert [p["code"] for p in jobs["profile"]["gender_by_pole"]["poles"]] == ["emploi"]


def test_dashboard_defaults_to_the_current_year_to_date(director):
    data = dashboard(director)
    today = local_today()
    assert data["filters"]["start"] == date(today.year, 1, 1).isoformat()
    assert data["filters"]["end"] == today.isoformat()
    assert data["filters"]["site"] is None and data["filters"]["pole"] is None


def test_dashboard_page_shows_the_figures_and_embeds_them_for_the_charts(director, build):
    build.entry("2025-05-05T10:00:00+02:00", "emploi", party=1234)
    page = director.get(DASHBOARD + "?start=2025-05-01&end=2025-05-31&site=marseille")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert 'id="dashboard-data"' in html and 'data-chart="attendance"' in html
    assert "1\u202f234" in html or "1\u00a0234" in html     # French thousands separator
    assert html.count("<canvas") >= 12
    assert html.count("<details") >= 12   # each chart has its data table


@pytest.mark.parametrize("params, field, words", [
    ({"start": "2025-13-01"}, "start", "date"),
    ({"start": "hier"}, "start", "date"),
    ({"end": ""}, "end", "date"),
    ({"start": "2025-06-01", "end": "2025-05-01"}, "end", "précède"),
    ({"start": "1900-01-01"}, "start", "année"),
    ({"start": "2010-01-01", "end": "2025-01-01"}, "end", "10 ans"),
    ({"site": "atlantis"}, "site", "choix"),
    ({"pole": "astronomie"}, "pole", "choix"),
])
def test_invalid_filters_answer_400_naming_the_field(director, params, field, words):
    answer = director.get(DASHBOARD + ".json", query_string=params)
    page = director.get(DASHBOARD, query_string=params)

    assert answer.status_code == 400
    assert answer.json["field"] == field
    assert words in answer.json["message"].lower()
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Filtre invalide." in html and 'aria-invalid="true"' in html
    assert "<canvas" not in html


def test_dashboard_service_checks_codes_and_runs_without_a_request(app_ctx):
    data = dashboard_data(DashboardFilters(date(2025, 1, 1), date(2025, 1, 31), "marseille"))
    assert data["totals"]["visitors"] == 0
    assert data["heatmap"]["rows"][0]["label"] == "lundi"           # French outside a request
    assert data["destinations"][-1]["label"] == "Organisme extérieur"
    with pytest.raises(InvalidFilter) as error:
        dashboard_data(DashboardFilters(date(2025, 1, 1), date(2025, 1, 31), "atlantis"))
    assert error.value.field == "site"
    with pytest.raises(InvalidFilter) as error:
        dashboard_data(DashboardFilters(date(2025, 1, 1), date(2025, 1, 31), pole_code="x"))
    assert error.value.field == "pole"


@pytest.mark.parametrize("raw, reason", [
    ("0001-01-01", "année 1990 au plus tôt"),
    ("9999-12-31", "jour à venir"),
    ("2025-13-01", "format AAAA-MM-JJ attendu"),
])
def test_floor_board_refuses_impossible_days_in_the_format_it_speaks(director, raw, reason):
    page = director.get("/statistiques/jour", query_string={"date": raw})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert reason in page.get_data(as_text=True)
    twin = director.get("/statistiques/jour.json", query_string={"date": raw})
    assert twin.status_code == 400 and twin.is_json
    assert twin.json["field"] == "date" and reason in twin.json["message"]
