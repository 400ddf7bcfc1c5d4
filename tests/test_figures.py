"""The figures layer: rollups that never drift, and one figure whatever view shows it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.exports.reports import annual_report
from app.exports.twin import report_twin
from app.extensions import db
from app.figures import maintenance
from app.figures.dashboard import DashboardFilters, dashboard_data
from app.figures.period import build_annual_data
from app.models import FlowEntry, Interview, InterviewOutcome, Outcome, Pole, Site, Theme
from app.timeutil import local_day_and_hour
from tests.factories import Builder

FIGURES = settings(max_examples=12, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

# Instants around the traps: both DST changes of 2025 and the turn of the year, local time.
TRAPS = [datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc),   # 01:30 then 03:30 Paris
         datetime(2025, 10, 26, 0, 30, tzinfo=timezone.utc),  # 02:30 twice in Paris
         datetime(2024, 12, 31, 22, 59, tzinfo=timezone.utc),  # 23:59 on 31 December
         datetime(2024, 12, 31, 23, 1, tzinfo=timezone.utc)]   # 00:01 on 1 January
instants = st.one_of(
    st.sampled_from(TRAPS).flatmap(
        lambda trap: st.integers(-90, 90).map(lambda minutes: trap + timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30),
                 timezones=st.just(timezone.utc)))
SITES = ("marseille", "gap")
POLES = ("orientation", "formation", "emploi", "creation")
DESTINATIONS = POLES + ("documentation", "cyber", "desk", "event", "partner:france-travail")
arrivals = st.tuples(instants, st.sampled_from(DESTINATIONS), st.integers(1, 30),
                     st.sampled_from(SITES), st.booleans())
interviews = st.tuples(instants, st.sampled_from(POLES), st.sampled_from(SITES),
                       st.integers(5, 95), st.booleans())


@pytest.fixture
def build(app):
    return Builder(app)


def _poles_and_themes():
    poles = {code: db.session.scalar(sa.select(Pole.id).where(Pole.code == code))
             for code in POLES}
    themes = list(db.session.scalars(sa.select(Theme.id).order_by(Theme.id)))
    outcomes = list(db.session.scalars(sa.select(Outcome.id).order_by(Outcome.id)))
    return poles, themes, outcomes


@FIGURES
@given(data=st.data())
def test_random_writes_undos_corrections_and_replays_leave_no_drift(app, build, data):
    """Whatever sequence of writes reaches the raw rows, the rollups equal their recount."""
    entries = [build.entry(at.isoformat(), destination, party=party, site=site,
                           profile={"gender": "femme"} if female else None).id
               for at, destination, party, site, female in data.draw(st.lists(arrivals, max_size=6))]
    held = [build.interview(at.isoformat(), pole, site=site, duration=minutes,
                            themes=("cv-candidature",) if pole == "emploi" else (),
                            reoriented_to="formation" if reoriented else None)
            for at, pole, site, minutes, reoriented in data.draw(st.lists(interviews, max_size=4))]
    with app.app_context():
        poles, themes, outcomes = _poles_and_themes()
        for step in data.draw(st.lists(st.sampled_from(
                ("undo", "redo", "move", "correct", "delete_interview", "replay", "themes",
                 "outcomes")), max_size=10)):
            if step in ("undo", "redo", "move", "replay") and entries:
                entry = db.session.get(FlowEntry, data.draw(st.sampled_from(entries)))
                if step == "undo":
                    entry.deleted_at = datetime.now(timezone.utc)
                elif step == "redo":
                    entry.deleted_at = None
                elif step == "move":
                    at = data.draw(instants)
                    entry.occurred_at = at
                    entry.local_date, entry.local_hour = local_day_and_hour(at)
                    entry.party_size = data.draw(st.integers(1, 9))
                else:  # the same UUID again: the database keeps the first
                    statement = (sa.dialects.sqlite.insert if db.engine.dialect.name == "sqlite"
                                 else sa.dialects.postgresql.insert)(FlowEntry.__table__)
                    row = {c.name: getattr(entry, c.key) for c in FlowEntry.__table__.columns}
                    db.session.execute(statement.values(**row).on_conflict_do_nothing())
            elif step in ("correct", "delete_interview", "themes", "outcomes") and held:
                interview = db.session.get(Interview, data.draw(st.sampled_from(held)))
                if step == "correct":
                    interview.pole_id = poles[data.draw(st.sampled_from(POLES))]
                    interview.duration_min = data.draw(st.integers(5, 120))
                    at = data.draw(instants)
                    interview.started_at = at
                    interview.local_date, interview.local_hour = local_day_and_hour(at)
                elif step == "delete_interview":
                    interview.deleted_at = datetime.now(timezone.utc)
                elif step == "themes" and themes:
                    interview.themes = [db.session.get(Theme, theme_id) for theme_id in
                                        data.draw(st.sets(st.sampled_from(themes), max_size=3))]
                elif outcomes:
                    interview.outcomes = []
                    db.session.flush()  # the old rows go before the new ones arrive
                    interview.outcomes = [InterviewOutcome(outcome_id=outcome_id) for outcome_id
                                          in data.draw(st.sets(st.sampled_from(outcomes),
                                                               max_size=2))]
            db.session.commit()
        assert maintenance.check() == []


def _raw_recount(start: date, end: date, site_code: str | None) -> dict:
    """Count the period straight from the raw rows, as nobody else does."""
    site_id = (db.session.scalar(sa.select(Site.id).where(Site.code == site_code))
               if site_code else None)
    flows = [FlowEntry.deleted_at.is_(None), FlowEntry.local_date.between(start, end)]
    held = [Interview.deleted_at.is_(None), Interview.local_date.between(start, end)]
    if site_id:
        flows.append(FlowEntry.site_id == site_id)
        held.append(Interview.site_id == site_id)
    visitors = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(FlowEntry.party_size), 0))
                                 .where(FlowEntry.kind == "arrival", *flows))
    reoriented = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(FlowEntry.party_size), 0))
                                   .where(FlowEntry.kind == "reorientation", *flows))
    by_pole = dict(db.session.execute(
        sa.select(Pole.code, sa.func.count()).join(Interview, Interview.pole_id == Pole.id)
        .where(*held).group_by(Pole.code)).all())
    by_destination = {}
    for kind, pole, persons in db.session.execute(
            sa.select(FlowEntry.destination_kind, Pole.code, sa.func.sum(FlowEntry.party_size))
            .outerjoin(Pole, Pole.id == FlowEntry.destination_pole_id)
            .where(FlowEntry.kind == "arrival", *flows)
            .group_by(FlowEntry.destination_kind, Pole.code)):
        code = pole if kind == "pole" else kind
        by_destination[code] = by_destination.get(code, 0) + persons
    return {"visitors": visitors, "reorientations": reoriented,
            "interviews": sum(by_pole.values()), "by_pole": by_pole,
            "by_destination": by_destination}


periods = st.tuples(st.dates(date(2024, 1, 1), date(2026, 6, 30)),
                    st.integers(0, 400)).map(lambda p: (p[0], p[0] + timedelta(days=p[1])))


@FIGURES
@given(rows=st.lists(arrivals, max_size=12), held=st.lists(interviews, max_size=6),
       period=periods, site=st.sampled_from((None, *SITES)))
def test_dashboard_report_twin_and_raw_recount_agree(app, build, rows, held, period, site):
    """For any period and scope, the dashboard, the annual twin and a raw recount are equal."""
    for at, destination, party, where, _female in rows:
        build.entry(at.isoformat(), destination, party=party, site=where)
    for at, pole, where, minutes, reoriented in held:
        build.interview(at.isoformat(), pole, site=where, duration=minutes,
                        reoriented_to="formation" if reoriented else None)
    start, end = period
    with app.test_request_context():
        dashboard = dashboard_data(DashboardFilters(start, end, site))
        data = build_annual_data(start, end, site)
        twin = report_twin(annual_report(data, "internal", 10), data)
        raw = _raw_recount(start, end, site)

    assert dashboard["totals"]["visitors"] == twin["visitors"] == raw["visitors"]
    assert dashboard["totals"]["interviews"] == twin["interviews"] == raw["interviews"]
    assert dashboard["totals"]["reorientations"] == raw["reorientations"]
    assert sum(flow["count"] for flow in twin["reorientations"]) == raw["reorientations"]
    shown_poles = {row["code"]: row["value"] for row in dashboard["interviews"]["by_pole"]
                   if row["value"]}
    twin_poles = {code: cell["count"] for code, cell in twin["interviews_by_pole"].items()
                  if cell["count"]}
    assert shown_poles == twin_poles == raw["by_pole"]
    shown_destinations = {row["code"]: row["value"] for row in dashboard["destinations"]
                          if row["value"]}
    shown_destinations["partner"] = shown_destinations.get("partner", 0)
    raw_destinations = {**raw["by_destination"],
                        "partner": raw["by_destination"].get("partner", 0)}
    assert shown_destinations == raw_destinations
    assert sum(day["visitors"] for day in dashboard["attendance"]["day"]) == raw["visitors"]


def test_stats_check_finds_a_tampered_rollup_and_rebuild_mends_it(app, build, runner):
    build.entry("2025-06-02T10:00:00+02:00", party=3)
    build.interview("2025-06-02T11:00:00+02:00", themes=("cv-candidature",))
    assert runner.invoke(args=["stats", "check"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.text("UPDATE flow_hourly SET persons = persons + 5"))
        db.session.commit()
    result = runner.invoke(args=["stats", "check"])
    assert result.exit_code == 1 and "flow_hourly" in result.output
    assert "drift: 1 rows" in result.output
    rebuilt = runner.invoke(args=["stats", "rebuild", "--from", "2025-06-01"])
    assert rebuilt.exit_code == 0 and "flow_hourly: 1 rows" in rebuilt.output
    assert runner.invoke(args=["stats", "check"]).output.strip().endswith("drift: 0 rows")


def test_retention_removes_old_raw_rows_and_keeps_every_figure(app, build, runner, logged_in):
    for year in (2019, 2020, 2025):
        build.entry(f"{year}-03-10T10:00:00+01:00", party=4)
        build.reorientation(f"{year}-03-10T10:05:00+01:00", "emploi", "formation")
        build.interview(f"{year}-03-10T11:00:00+01:00", themes=("cv-candidature",),
                        outcomes=("information",), reoriented_to="creation")
    with app.test_request_context():
        before = {year: report_twin(annual_report(data, "internal", 10), data)["tables"]
                  for year in (2019, 2020, 2025)
                  for data in [build_annual_data(date(year, 1, 1), date(year, 12, 31), None)]}

    result = runner.invoke(args=["retention", "apply", "--older-than", "5"])
    assert result.exit_code == 0, result.output
    assert "removed 6 flow entries and 2 interviews" in result.output

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 1
        assert [run.flow_entries for run in maintenance.retention_runs()] == [6]
    with app.test_request_context():
        for year, tables in before.items():
            data = build_annual_data(date(year, 1, 1), date(year, 12, 31), None)
            assert report_twin(annual_report(data, "internal", 10), data)["tables"] == tables
    session, _user = logged_in("director")
    page = session.client.get("/rapports/").get_data(as_text=True)
    assert "Conservation des données" in page and "6 passages et 2 entretiens" in page
    # Checks and rebuilds leave the days retention emptied alone.
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["stats", "check"]).exit_code == 0
    with app.test_request_context():
        data = build_annual_data(date(2019, 1, 1), date(2019, 12, 31), None)
        assert report_twin(annual_report(data, "internal", 10), data)["visitors"] == 4


def test_retention_keeps_at_least_a_year_and_can_say_what_it_would_remove(build, runner):
    build.entry("2015-03-10T10:00:00+01:00")
    assert runner.invoke(args=["retention", "apply", "--older-than", "0"]).exit_code == 2
    dry = runner.invoke(args=["retention", "apply", "--older-than", "3", "--dry-run"])
    assert "would remove 1 flow entries" in dry.output
    assert runner.invoke(args=["stats", "check"]).exit_code == 0


def test_a_flow_entry_written_twice_with_one_uuid_counts_once(app, build):
    entry = build.entry("2025-06-02T10:00:00+02:00", party=2)
    with app.app_context():
        row = {c.name: getattr(db.session.get(FlowEntry, entry.id), c.key)
               for c in FlowEntry.__table__.columns}
        insert = (sa.dialects.sqlite.insert if db.engine.dialect.name == "sqlite"
                  else sa.dialects.postgresql.insert)
        db.session.execute(insert(FlowEntry.__table__).values(**row).on_conflict_do_nothing())
        db.session.commit()
        assert db.session.scalar(sa.text("SELECT SUM(persons) FROM flow_hourly")) == 2
        assert maintenance.check() == []


def test_no_rollup_row_holds_a_uuid_or_a_counsellor():
    from app.models.rollups import ROLLUPS

    for rollup in ROLLUPS:
        assert not {"id", "interview_id", "counsellor_id", "note"} & set(rollup.key_names)
