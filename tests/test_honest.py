"""Honest reports: a period not over is provisional, a period without data says so, a
corrected period is marked stale and compiled again at the scheduler's next pass."""

from __future__ import annotations

import json

import sqlalchemy as sa
from openpyxl import load_workbook

from app import jobs
from app.exports.service import write_annual_report
from app.extensions import db
from app.interviews.services import delete_interview
from app.models import Interview, JobRun, ReportStamp, User
from app.timeutil import local_today
from tests.conftest import Auth
from tests.factories import Builder
from tests.test_jobs import empty_reports, fixed, paris  # noqa: F401 (fixture)


def _runs(job: str) -> list[JobRun]:
    rows = list(db.session.scalars(sa.select(JobRun).where(JobRun.job == job)
                                   .order_by(JobRun.period_key)))
    db.session.rollback()
    return rows


def _filters(path) -> dict:
    sheet = load_workbook(path)["Synthèse"]
    return {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2, max_row=8)
            if row[0].value}


def test_a_year_not_over_is_provisional_with_the_date_of_its_data(app_ctx, tmp_path):
    today = local_today()
    xlsx, twin = write_annual_report(today.year, None, "internal", tmp_path)
    assert _filters(xlsx)["Statut"] == ("Provisoire : la période n'est pas terminée, données au "
                                        f"{today:%d/%m/%Y}")
    data = json.loads(twin.read_text())
    assert (data["provisional"], data["data_as_of"]) == (True, today.isoformat())
    xlsx, twin = write_annual_report(today.year - 1, None, "internal", tmp_path)
    assert "Statut" not in _filters(xlsx)
    data = json.loads(twin.read_text())
    assert (data["provisional"], data["data_as_of"]) == (False, f"{today.year - 1}-12-31")


def _reports_page(app, make_user) -> str:
    # Outside the test's app context: a request in it would reuse its g (and its user).
    client = app.test_client()
    Auth(client).login(make_user("director").username)
    return client.get("/rapports/").get_data(as_text=True)


def test_scheduled_runs_on_an_empty_database_say_so_and_are_not_successes(
        app, make_user, empty_reports):
    context = app.app_context()
    context.push()
    outcomes = jobs.catch_up(clock=fixed(paris(2026, 1, 5, 8)),
                             only=["weekly", "monthly", "annual"])
    assert sorted((o.job, o.period_key, o.status) for o in outcomes) == [
        ("annual", "2025", "empty"), ("monthly", "2025-11", "empty"),
        ("monthly", "2025-12", "empty"), ("weekly", "2025-W52", "empty"),
        ("weekly", "2026-W01", "empty")]
    [annual] = _runs("annual")
    assert annual.error == "Aucune donnée du 01/01/2025 au 31/12/2025 : rien n'a été compilé."
    assert annual.files == [] and list(empty_reports.iterdir()) == []
    context.pop()
    page = _reports_page(app, make_user)
    assert "Aucune donnée" in page and "Réussi" not in page
    # Data arrives later (an import, say): the next pass compiles the period.
    Builder(app).entry("2025-11-12T10:00+01:00", party=3)
    with app.app_context():
        again = jobs.catch_up(clock=fixed(paris(2026, 1, 5, 9)), only=["monthly"])
    assert [(o.period_key, o.status) for o in again] == [("2025-11", "success")]


def test_a_correction_marks_the_closed_periods_report_stale_and_it_is_compiled_again(
        app, app_ctx, make_user, empty_reports):
    build = Builder(app)
    build.entry("2025-11-12T10:00+01:00", party=3)
    kept = build.interview("2025-11-13T10:00+01:00")
    gone = build.interview("2025-11-14T10:00+01:00")
    now = fixed(paris(2025, 12, 1, 7))
    [first] = jobs.catch_up(clock=now, only=["monthly"])[-1:]
    assert (first.period_key, first.status) == ("2025-11", "success")
    twin = next(empty_reports / name for name in first.files if name.endswith(".json"))
    assert json.loads(twin.read_text())["interviews"] == 2
    stamp = db.session.get(ReportStamp, first.run_id)
    assert stamp is not None and stamp.stale_since is None
    db.session.rollback()
    # Nothing changed: the next pass compiles nothing.
    assert jobs.catch_up(clock=fixed(paris(2025, 12, 1, 8)), only=["monthly"]) == []

    director = db.session.get(User, make_user("director").id)
    delete_interview(db.session.get(Interview, gone), director)
    assert db.session.get(Interview, kept).deleted_at is None
    db.session.rollback()

    [again] = jobs.catch_up(clock=fixed(paris(2025, 12, 1, 9)), only=["monthly"])
    assert (again.period_key, again.status, again.run_id) == ("2025-11", "success", first.run_id)
    assert json.loads(twin.read_text())["interviews"] == 1
    [row] = [run for run in _runs("monthly") if run.period_key == "2025-11"]
    assert row.status == "success" and row.error == ""
    assert jobs.catch_up(clock=fixed(paris(2025, 12, 1, 10)), only=["monthly"]) == []


def test_stale_marks_are_shown_until_the_next_pass(app, make_user, empty_reports):
    from app.jobs import honest

    build = Builder(app)
    build.entry("2025-11-12T10:00+01:00", party=3)
    with app.app_context():
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 7)), only=["monthly"])
    build.entry("2025-11-20T10:00+01:00", party=2)  # a late import into the closed month
    with app.app_context():
        assert honest.mark_stale() == [("monthly", "2025-11")]
    assert "Périmé : à recompiler" in _reports_page(app, make_user)
