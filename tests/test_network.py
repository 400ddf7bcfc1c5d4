"""The regional network (issue 10): each centre's calendar and services, who sees which
site, the centres side by side, the regional consolidation and the data-quality panel."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.figures import network
from app.figures.scope import Scope
from app.models import AuditEvent, Site, SiteClosure, User
from app.reception.services import site_tablet_config
from app.stats.calendar import counselling_days, day_ranges, opening_days
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Auth, csrf_from
from tests.factories import Builder

DASHBOARD = "/statistiques/tableau-de-bord"


@pytest.fixture
def build(app):
    return Builder(app)


def site(code: str) -> Site:
    return db.session.scalar(sa.select(Site).where(Site.code == code))


def login(app, make_user, role: str, **kwargs) -> Auth:
    session = Auth(app.test_client())
    session.login(make_user(role, **kwargs).username)
    return session


def cli(runner, *args):
    result = runner.invoke(args=list(args))
    # The command ran in the test's context: end its read, so later writes are seen.
    db.session.rollback()
    return result.exit_code, result.output


# ---------------------------------------------------------------- each centre's calendar


def test_several_ranges_a_day_and_the_old_single_range_both_read(app_ctx):
    assert day_ranges(["10:00", "18:00"]) == [("10:00", "18:00")]
    assert day_ranges([["09:00", "12:30"], ["13:30", "17:00"]]) == [("09:00", "12:30"),
                                                                   ("13:30", "17:00")]
    assert day_ranges([]) == [] and day_ranges(None) == []


def test_the_contract_commands_set_hours_closures_and_services(app_ctx, runner):
    code, out = cli(runner, "sites", "hours", "gap", "--weekday", "mon",
                    "--ranges", "09:00-12:30", "--ranges", "13:30-17:00")
    assert code == 0, out
    code, out = cli(runner, "sites", "close", "gap", "--from", "2025-12-22", "--to",
                    "2025-12-31", "--reason", "Vacances de Noël")
    assert code == 0 and "10 days" in out, out
    code, out = cli(runner, "sites", "services", "gap", "--offer", "emploi,orientation,documentation")
    assert code == 0, out

    db.session.expire_all()
    gap = site("gap")
    assert gap.opening_hours["0"] == [["09:00", "12:30"], ["13:30", "17:00"]]
    # Gap opens Monday to Friday: 22-31 December 2025 holds 8 weekdays, one of them Christmas.
    december = opening_days(gap, date(2025, 12, 1), date(2025, 12, 31))
    assert len(december) == 23 - 8 + 1 - 1  # 23 weekdays, less 7 closed, less Christmas
    assert not any(date(2025, 12, 22) <= day <= date(2025, 12, 31) for day in december)
    config = site_tablet_config(gap.id)
    assert [pole["code"] for pole in config["poles"]] == ["orientation", "emploi"]
    assert config["fixed"] == ["documentation"]
    # Every change is in the journal, with who made it (the command: nobody).
    actions = set(db.session.scalars(sa.select(AuditEvent.action)
                                     .where(AuditEvent.target_type == "site")))
    assert {"site.hours", "site.closure_add", "site.services"} <= actions


@pytest.mark.parametrize("args, option, reason", [
    (["hours", "gap", "--weekday", "someday", "--ranges", "09:00-12:00"], "--weekday", "mon"),
    (["hours", "gap", "--weekday", "tue", "--ranges", "10:00-09:00"], "--ranges", "fin"),
    (["hours", "gap", "--weekday", "tue", "--ranges", "9-12,11-13"], "--ranges", "chevauchent"),
    (["hours", "gap", "--weekday", "tue", "--ranges", "25:00-26:00"], "--ranges", "HH:MM"),
    (["close", "gap", "--from", "2025-05-10", "--to", "2025-05-01", "--reason", "x"], "--to",
     "précède"),
    (["close", "gap", "--from", "2025-05-01", "--to", "2025-05-02", "--reason", "  "],
     "--reason", "motif"),
    (["services", "gap", "--offer", "emploi,astrologie"], "--offer", "astrologie"),
    (["services", "atlantis", "--offer", "all"], "CODE", "atlantis"),
])
def test_a_bad_command_names_the_option_and_changes_nothing(app_ctx, runner, args, option, reason):
    before = site("gap").opening_hours
    code, out = cli(runner, "sites", *args)
    assert code == 2 and option in out and reason in out, out
    db.session.expire_all()
    assert site("gap").opening_hours == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteClosure)) == 0


def test_an_overlapping_closure_is_refused_and_reopening_restores_the_days(app_ctx, runner):
    assert cli(runner, "sites", "close", "gap", "--from", "2025-08-04", "--to", "2025-08-15",
               "--reason", "Fermeture d'été")[0] == 0
    code, out = cli(runner, "sites", "close", "gap", "--from", "2025-08-15", "--to",
                    "2025-08-20", "--reason", "Travaux")
    assert code == 2 and "chevauche" in out
    assert len(opening_days(site("gap"), date(2025, 8, 1), date(2025, 8, 31))) == 21 - 9 - 1
    assert cli(runner, "sites", "reopen", "gap", "--on", "2025-08-06")[0] == 0
    db.session.expire_all()
    # 21 weekdays in August 2025, 15 August a holiday.
    assert len(opening_days(site("gap"), date(2025, 8, 1), date(2025, 8, 31))) == 20


def test_counselling_days_are_opening_days_on_the_sites_interview_weekdays(app_ctx):
    # Marseille holds interviews Monday to Friday; 14 July 2025 (a Monday) is a holiday.
    days = counselling_days(site("marseille"), date(2025, 7, 14), date(2025, 7, 20))
    assert days == [date(2025, 7, 15), date(2025, 7, 16), date(2025, 7, 17), date(2025, 7, 18)]


def test_users_create_makes_site_and_network_directors(app_ctx, runner):
    code, out = cli(runner, "users", "create", "dir-gap", "--role", "director", "--site", "gap",
                    "--password", PASSWORD)
    assert code == 0 and "gap" in out, out
    code, out = cli(runner, "users", "create", "dir-net", "--role", "network-director",
                    "--password", PASSWORD)
    assert code == 0 and "every site" in out, out
    code, out = cli(runner, "users", "create", "rotating", "--role", "counsellor", "--site",
                    "gap", "--also-site", "istres", "--pole", "emploi", "--partner", "cio",
                    "--password", PASSWORD)
    assert code == 0 and "gap, istres" in out, out
    code, out = cli(runner, "users", "create", "nowhere", "--role", "agent",
                    "--password", PASSWORD)
    assert code == 2 and "--site" in out
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    assert users["dir-gap"].site_ids == {site("gap").id}
    assert users["dir-net"].site_ids is None and users["dir-net"].site.code == "marseille"
    assert users["rotating"].site_ids == {site("gap").id, site("istres").id}


# ---------------------------------------------------------------- the admin screens


def admin_session(app, make_user) -> Auth:
    return login(app, make_user, "admin")


def page_token(session: Auth, url: str) -> str:
    return csrf_from(session.client.get(url).get_data(as_text=True))


def test_the_admin_sets_a_week_with_a_lunch_break_and_counselling_days(app, make_user):
    admin = admin_session(app, make_user)
    token = page_token(admin, "/admin/reseau/gap")
    form = {"csrf_token": token}
    for key in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        form[f"week-{key}-ranges"] = ""
    form.update({"week-mon-ranges": "9:00-12:30, 13h30-17h", "week-mon-counselling": "y",
                 "week-wed-ranges": "09:00-12:00"})
    response = admin.client.post("/admin/reseau/gap/horaires", data=form)
    assert response.status_code == 302
    page = admin.client.get("/admin/reseau/gap").get_data(as_text=True)
    assert 'value="09:00-12:30, 13:30-17:00"' in page
    with app.app_context():
        gap = site("gap")
        assert gap.opening_hours == {"0": [["09:00", "12:30"], ["13:30", "17:00"]],
                                     "2": [["09:00", "12:00"]]}
        assert gap.interview_days == [0]
        assert len(opening_days(gap, date(2025, 6, 2), date(2025, 6, 8))) == 2


def test_a_bad_range_is_a_400_naming_the_day_and_keeps_the_week(app, make_user):
    admin = admin_session(app, make_user)
    token = page_token(admin, "/admin/reseau/gap")
    response = admin.client.post("/admin/reseau/gap/horaires", data={
        "csrf_token": token, "week-mon-ranges": "09:00-12:00", "week-tue-ranges": "midi-14h"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="week-tue-ranges-error"' in page and "midi" in page
    # Counselling on a closed day is refused as well, with the day named.
    response = admin.client.post("/admin/reseau/gap/horaires", data={
        "csrf_token": token, "week-mon-ranges": "09:00-12:00", "week-sun-counselling": "y"})
    assert response.status_code == 400 and "sun" in response.get_data(as_text=True)
    with app.app_context():
        assert site("gap").opening_hours["1"] == ["09:00", "17:00"]


def test_the_admin_adds_and_removes_a_closure(app, make_user):
    admin = admin_session(app, make_user)
    token = page_token(admin, "/admin/reseau/gap")
    bad = admin.client.post("/admin/reseau/gap/fermetures", data={
        "csrf_token": token, "closure-start": "2025-12-31", "closure-end": "2025-12-22",
        "closure-reason": "Noël"})
    assert bad.status_code == 400 and "précède" in bad.get_data(as_text=True)
    good = admin.client.post("/admin/reseau/gap/fermetures", data={
        "csrf_token": token, "closure-start": "2025-12-22", "closure-end": "2025-12-31",
        "closure-reason": "Vacances de Noël"})
    assert good.status_code == 302
    with app.app_context():
        closure = db.session.scalar(sa.select(SiteClosure))
        assert (closure.start_date, closure.reason) == (date(2025, 12, 22), "Vacances de Noël")
        closure_id = closure.id
    other = admin.client.post(f"/admin/reseau/istres/fermetures/{closure_id}/supprimer",
                              data={"csrf_token": token})
    assert other.status_code == 404  # a closure is removed through its own site only
    gone = admin.client.post(f"/admin/reseau/gap/fermetures/{closure_id}/supprimer",
                             data={"csrf_token": token})
    assert gone.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteClosure)) == 0


def test_a_reduced_service_list_reaches_the_sites_tablet_without_reinstall(app, make_user):
    admin = admin_session(app, make_user)
    agent = login(app, make_user, "agent", site="gap")
    before = agent.client.get("/api/v1/counts").json["config_version"]
    page = agent.client.get("/accueil/gap-accueil").get_data(as_text=True)
    assert 'data-destination="cyber"' in page and 'data-destination="creation"' in page

    token = page_token(admin, "/admin/reseau/gap")
    empty = admin.client.post("/admin/reseau/gap/services", data={"csrf_token": token})
    assert empty.status_code == 400 and "au moins un service" in empty.get_data(as_text=True)
    response = admin.client.post("/admin/reseau/gap/services", data={
        "csrf_token": token, "services-offer": ["emploi", "formation", "documentation", "desk"]})
    assert response.status_code == 302

    # The open tablet polls its counts: the settings' version changed, so it reloads itself.
    after = agent.client.get("/api/v1/counts").json["config_version"]
    assert after != before
    page = agent.client.get("/accueil/gap-accueil").get_data(as_text=True)
    assert 'data-destination="formation"' in page and 'data-destination="desk"' in page
    for absent in ('data-destination="cyber"', 'data-destination="creation"',
                   'data-picker="partner-picker"', 'data-destination="event"'):
        assert absent not in page
    # Marseille's tablets keep everything.
    marseille = login(app, make_user, "agent")
    page = marseille.client.get("/accueil/marseille-rdc").get_data(as_text=True)
    assert 'data-destination="cyber"' in page and 'data-destination="creation"' in page

    back = admin.client.post("/admin/reseau/gap/services", data={
        "csrf_token": token, "services-everything": "y"})
    assert back.status_code == 302
    assert agent.client.get("/api/v1/counts").json["config_version"] == before


def test_the_interview_form_lists_only_the_counsellors_sites(app, make_user):
    counsellor = login(app, make_user, "counsellor", site="gap", pole="emploi",
                       partner="france-travail", other_sites=("istres",))
    page = counsellor.client.get("/entretiens/nouveau").get_data(as_text=True)
    assert 'value="gap"' in page and 'value="istres"' in page
    assert 'value="marseille"' not in page and 'value="aubagne"' not in page


# ---------------------------------------------------------------- who sees what


def test_a_site_director_sees_only_their_site(app, make_user, build):
    build.entry("2025-06-02T10:00:00+02:00", site="gap", party=3)
    build.entry("2025-06-02T10:00:00+02:00", site="marseille", party=5)
    director = login(app, make_user, "director", site="gap")
    client = director.client
    data = client.get(DASHBOARD + ".json?start=2025-06-01&end=2025-06-30").json
    assert data["filters"]["site"] == "gap" and data["totals"]["visitors"] == 3
    assert data["network"]["side_by_side"] is None  # one site: nothing to put side by side
    assert client.get(DASHBOARD + ".json?site=marseille").status_code == 403
    assert client.get(DASHBOARD + "?site=marseille").status_code == 403
    assert client.get("/statistiques/jour.json?site=marseille").status_code == 403
    assert client.get("/api/v1/counts?site=marseille").status_code == 403
    assert client.get("/accueil/marseille-rdc").status_code == 403
    assert client.get("/accueil/gap-accueil").status_code == 200
    page = client.get(DASHBOARD).get_data(as_text=True)
    assert "Tous les sites" not in page and "Cité des Métiers de Marseille" not in page
    # An arrival logged for Marseille by Gap's director is refused, naming the field.
    result = director.post_json("/api/v1/entries", {"entries": [{
        "id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
        "reception_point": "marseille-rdc", "destination": "emploi"}]}).json["results"][0]
    assert (result["status"], result["field"]) == ("rejected", "reception_point")


def test_a_site_director_lists_only_their_interviews_and_reports(app, make_user, build, tmp_path):
    build.interview("2026-11-02T10:00:00+01:00", site="gap", duration=25)
    build.interview("2026-11-02T11:00:00+01:00", site="marseille", duration=40)
    director = login(app, make_user, "director", site="gap")
    listing = director.client.get("/entretiens/?du=2026-11-01&au=2026-11-30").get_data(as_text=True)
    assert "<strong>1 entretien</strong>" in listing and "25" in listing
    reports = app.config["REPORTS_DIR"]
    from pathlib import Path
    for name in ("affluence_annuel_2025_reseau_internal.xlsx",
                 "affluence_annuel_2025_gap_internal.xlsx"):
        (Path(reports) / name).write_bytes(b"PK")
    page = director.client.get("/rapports/").get_data(as_text=True)
    assert "affluence_annuel_2025_gap_internal.xlsx" in page
    assert "affluence_annuel_2025_reseau_internal.xlsx" not in page
    assert director.client.get(
        "/rapports/fichiers/affluence_annuel_2025_reseau_internal.xlsx").status_code == 403
    assert director.client.get(
        "/rapports/fichiers/affluence_annuel_2025_gap_internal.xlsx").status_code == 200
    token = csrf_from(page)
    network_wide = director.client.post("/rapports/annuel", data={
        "annual-csrf_token": token, "annual-year": "2025", "annual-site": "",
        "annual-edition": "internal"})
    assert network_wide.status_code == 400
    for name in ("affluence_annuel_2025_reseau_internal.xlsx",
                 "affluence_annuel_2025_gap_internal.xlsx"):
        (Path(reports) / name).unlink()


# Every route that names a site, a point or an entry of one: a site director of Gap asking
# for Marseille's is refused. The role matrix (test_access.py) walks roles; this walks sites.
SITE_ROUTES = [
    ("GET", DASHBOARD + "?site=marseille", 403),
    ("GET", DASHBOARD + ".json?site=marseille", 403),
    ("GET", "/statistiques/jour?site=marseille", 403),
    ("GET", "/statistiques/jour.json?site=marseille", 403),
    ("GET", "/api/v1/counts?site=marseille", 403),
    ("GET", "/accueil/marseille-rdc", 403),
    ("GET", "/entretiens/?site=marseille", 400),
    ("GET", "/rapports/fichiers/affluence_annuel_2025_marseille_internal.xlsx", 404),
]


@pytest.mark.parametrize("role", ["agent", "counsellor", "director"])
def test_site_bound_accounts_never_reach_another_sites_figures(app, make_user, role):
    session = login(app, make_user, role, site="gap", pole="emploi" if role == "counsellor" else None,
                    partner="cio" if role == "counsellor" else None)
    leaks = []
    for method, url, _refused in SITE_ROUTES:
        status = session.client.open(url, method=method).status_code
        if status < 400:
            leaks.append(f"{role} reached {url}: {status}")
    assert leaks == []


def test_a_network_director_sees_every_site_side_by_side(app, make_user, build):
    build.entry("2025-06-02T10:00:00+02:00", site="gap", party=3)
    build.entry("2025-06-02T10:00:00+02:00", site="marseille", party=5)
    director = login(app, make_user, "network-director")
    data = director.client.get(DASHBOARD + ".json?start=2025-06-01&end=2025-06-30").json
    rows = {row["code"]: row for row in data["network"]["side_by_side"]["sites"]}
    assert rows["gap"]["visitors"] == 3 and rows["marseille"]["visitors"] == 5
    assert data["network"]["side_by_side"]["total"]["visitors"] == 8
    assert director.client.get(DASHBOARD + ".json?site=gap").status_code == 200
    page = director.client.get(DASHBOARD + "?start=2025-06-01&end=2025-06-30").get_data(as_text=True)
    assert 'data-testid="network-side-by-side"' in page and 'data-testid="small-multiples"' in page


# ---------------------------------------------------------------- figures


def test_per_opening_day_averages_follow_each_centres_calendar(app_ctx, build, runner):
    # June 2025 at Gap: 21 weekdays, Whit Monday (9 June) a holiday; closed 23-27 June.
    cli(runner, "sites", "close", "gap", "--from", "2025-06-23", "--to", "2025-06-27",
        "--reason", "Inventaire")
    for day in ("02", "03", "04"):
        build.entry(f"2025-06-{day}T10:00:00+02:00", site="gap", party=20)
    build.entry("2025-06-02T10:00:00+02:00", site="marseille", party=100)
    build.interview("2025-06-03T10:00:00+02:00", site="gap")
    build.reorientation("2025-06-03T11:00:00+02:00", "emploi", "formation", site="gap", party=6)
    scope = Scope(date(2025, 6, 1), date(2025, 6, 30))
    data = network.side_by_side(scope)
    gap = next(row for row in data["sites"] if row["code"] == "gap")
    assert gap["opening_days"] == 21 - 1 - 5
    assert gap["visitors_per_day"] == round(60 / 15, 1)
    assert gap["interviews_per_100"] == round(100 / 60, 1)
    assert gap["reorientation_rate"] == 10.0
    marseille = next(row for row in data["sites"] if row["code"] == "marseille")
    assert marseille["opening_days"] == 24  # Monday to Saturday, less Whit Monday
    assert data["total"]["visitors"] == 160
    assert data["total"]["opening_days"] == 24  # days when at least one centre opens


def test_inactive_sites_are_hidden_side_by_side_but_counted_in_the_total(app_ctx, build):
    build.entry("2025-06-02T10:00:00+02:00", site="antibes", party=4)
    build.entry("2025-06-02T10:00:00+02:00", site="gap", party=1)
    site("antibes").active = False
    db.session.commit()
    data = network.side_by_side(Scope(date(2025, 6, 1), date(2025, 6, 30)))
    assert "antibes" not in [row["code"] for row in data["sites"]]
    assert data["total"]["visitors"] == 5


def test_shares_are_of_the_visitors_who_stated_them(app_ctx, build):
    build.entry("2025-06-02T10:00:00+02:00", site="gap", profile={"gender": "femme",
                                                                 "first_visit": "oui"})
    build.entry("2025-06-02T10:05:00+02:00", site="gap", profile={"gender": "homme",
                                                                 "first_visit": "non"})
    build.entry("2025-06-02T10:10:00+02:00", site="gap", profile={"gender": "femme"})
    build.entry("2025-06-02T10:15:00+02:00", site="gap")
    gap = next(row for row in network.side_by_side(Scope(date(2025, 6, 2), date(2025, 6, 2)))
               ["sites"] if row["code"] == "gap")
    assert gap["women_share"] == round(200 / 3, 1) and gap["first_visit_share"] == 50.0


def test_the_quality_panel_flags_silent_days_closed_day_arrivals_and_missing_interviews(
        app_ctx, build, runner):
    cli(runner, "sites", "close", "gap", "--from", "2025-06-05", "--to", "2025-06-05",
        "--reason", "Grève")
    # Gap opens Mon-Fri; interviews on Tuesdays and Thursdays. Week of 2 June 2025:
    build.entry("2025-06-02T10:00:00+02:00", site="gap")            # Monday: fine
    build.entry("2025-06-03T10:00:00+02:00", site="gap")            # Tuesday: no interview
    build.entry("2025-06-05T10:00:00+02:00", site="gap", party=2)   # closed: kept, flagged
    build.entry("2025-06-06T10:00:00+02:00", site="gap")            # Friday: fine
    # Wednesday 4 June: nothing (a silent tablet).
    quality = network.data_quality(Scope(date(2025, 6, 2), date(2025, 6, 6)))
    gap = next(row for row in quality["sites"] if row["code"] == "gap")
    assert gap["silent_days"] == [date(2025, 6, 4)]
    assert gap["counselling_without_interview"] == [date(2025, 6, 3)]
    assert gap["closed_day_arrivals"] == [{"date": date(2025, 6, 5), "visitors": 2}]
    assert gap["no_arrival"] is False
    # The arrival of the closed day counts in the figures: kept, never dropped.
    row = next(r for r in network.side_by_side(Scope(date(2025, 6, 2), date(2025, 6, 6)))
               ["sites"] if r["code"] == "gap")
    assert row["visitors"] == 5 and row["opening_days"] == 4
    istres = next(row for row in quality["sites"] if row["code"] == "istres")
    assert istres["no_arrival"] is True and istres["silent_days"] == []


def test_a_reception_point_that_stopped_sending_is_listed(app_ctx, build):
    build.entry("2025-06-02T10:00:00+02:00", site="marseille")  # logged with no point
    quality = network.data_quality(Scope(date(2025, 6, 2), date(2025, 6, 14)))
    marseille = next(row for row in quality["sites"] if row["code"] == "marseille")
    assert {point["code"] for point in marseille["stopped_points"]} == {
        "marseille-rdc", "marseille-1", "marseille-2"}


def test_the_dashboard_shows_the_quality_panel(app, make_user, build):
    build.entry("2025-06-02T10:00:00+02:00", site="gap")
    director = login(app, make_user, "director", site="gap")
    page = director.client.get(DASHBOARD + "?start=2025-06-02&end=2025-06-06").get_data(as_text=True)
    assert 'data-testid="quality-panel"' in page
    assert "4 jours d&#39;ouverture sans aucune arrivée" in page or \
        "4 jours d'ouverture sans aucune arrivée" in page


# ---------------------------------------------------------------- reports


def test_the_annual_workbook_consolidates_the_region_and_its_twin_lists_sites(
        app_ctx, build, tmp_path):
    from app.exports.service import write_annual_report

    build.entry("2025-03-03T10:00:00+01:00", site="gap", party=40)
    build.entry("2025-03-03T10:00:00+01:00", site="marseille", party=300)
    build.interview("2025-03-04T10:00:00+01:00", site="gap")
    paths = write_annual_report(2025, None, "internal", tmp_path)
    workbook = load_workbook(next(p for p in paths if p.suffix == ".xlsx"), read_only=True)
    assert workbook.sheetnames[1] == "Consolidation régionale"
    rows = list(workbook["Consolidation régionale"].iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "Indicateur")
    visitors = next(row for row in rows if row and row[0] == "Visiteurs (personnes)")
    days = next(row for row in rows if row and row[0] == "Jours d'ouverture")
    assert header[1:3] == ("Marseille", "Gap") and header[-1] == "Réseau"
    assert visitors[1:3] == (300, 40) and visitors[-1] == 340
    twin = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
    assert twin["sites"]["gap"] == {"visitors": 40, "opening_days": days[2], "interviews": 1}
    assert twin["sites"]["marseille"]["visitors"] == 300
    # The same figures as the network director's dashboard, one place for each.
    compared = network.side_by_side(Scope(date(2025, 1, 1), date(2025, 12, 31)))
    by_code = {row["code"]: row for row in compared["sites"]}
    for code, figures in twin["sites"].items():
        if code in by_code:
            assert figures == {key: by_code[code][key]
                               for key in ("visitors", "opening_days", "interviews")}


def test_a_centres_own_report_on_demand(app_ctx, build, runner, tmp_path):
    build.entry("2025-03-03T10:00:00+01:00", site="gap", party=40)
    code, out = cli(runner, "report", "annual", "--year", "2025", "--site", "gap")
    assert code == 0, out
    twin_path = next(line for line in out.splitlines() if line.endswith("_gap_internal.json"))
    with open(twin_path.strip()) as stream:
        twin = json.load(stream)
    assert twin["site"]["code"] == "gap" and list(twin["sites"]) == ["gap"]
    assert twin["sites"]["gap"]["visitors"] == 40


def test_the_weekly_summary_repeats_the_quality_panel(app_ctx, build, tmp_path):
    from app.exports.service import write_period_report

    build.entry("2025-06-02T10:00:00+02:00", site="gap")
    paths = write_period_report("hebdo", date(2025, 6, 2), date(2025, 6, 8), None, tmp_path)
    twin = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
    gap = next(row for row in twin["data_quality"]["sites"] if row["code"] == "gap")
    assert gap["silent_days"] == ["2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06"]
    rows = twin["tables"]["data_quality"]["rows"]
    assert next(r for r in rows if r["code"] == "gap")["values"]["silent_days"] == 4


def test_an_interview_at_a_pole_the_site_does_not_offer_is_refused(app, make_user, runner):
    with app.app_context():
        assert cli(runner, "sites", "services", "gap", "--offer", "emploi,documentation")[0] == 0
    counsellor = login(app, make_user, "counsellor", site="gap", pole="emploi",
                       partner="france-travail")
    page = counsellor.client.get("/entretiens/nouveau").get_data(as_text=True)
    assert 'id="pole-emploi"' in page and 'id="pole-creation"' not in page

    def interview(pole: str, themes: list[str]) -> dict:
        return {"id": str(uuid.uuid4()), "started_at": utcnow().isoformat(), "duration_min": 30,
                "channel": "in_person", "pole": pole, "partner": "france-travail",
                "site": "gap", "themes": themes, "outcomes": ["information"]}

    results = counsellor.post_json("/api/v1/interviews", {"interviews": [
        interview("creation", []), interview("emploi", ["cv-candidature"])]}).json["results"]
    assert (results[0]["status"], results[0]["field"]) == ("rejected", "pole")
    assert "proposé" in results[0]["error"]
    assert results[1]["status"] == "created"  # one bad item never takes the good ones with it
