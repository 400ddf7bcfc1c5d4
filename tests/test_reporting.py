"""The Reports page: files to download, recent runs, compiling now; the report commands."""

from __future__ import annotations

import io
import json
import shutil
import threading
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.models import FlowEntry, JobRun
from app.timeutil import utcnow
from tests.conftest import Auth, csrf_from


@pytest.fixture(autouse=True)
def reports(app):
    """Start each test with an empty REPORTS_DIR; yield it."""
    root = Path(app.config["REPORTS_DIR"])
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    yield root


@pytest.fixture
def director(logged_in):
    # The network director: these tests read the whole network (site directors: issue 10).
    session, _user = logged_in("network-director")
    return session


@pytest.fixture
def fake_writers(monkeypatch):
    """Replace the export writers by small fakes that record their arguments."""
    calls = []

    def annual(period, out_dir, progress=None, site_code=None, editions=("internal", "public")):
        written = []
        for edition in editions:
            calls.append(("annual", period.key, site_code, edition))
            if progress:
                for step in range(1, 4):
                    progress(f"étape {step}", step, 3)
            path = out_dir / f"bilan-{period.key}-{site_code or 'tous'}-{edition}.xlsx"
            path.write_bytes(b"PK fake workbook " + edition.encode())
            written.append(path)
        return written

    def raw(start, end, site_code, out_dir, fmt="xlsx", progress=None):
        calls.append(("raw", start, end, site_code) + ((fmt,) if fmt != "xlsx" else ()))
        path = out_dir / f"export-brut-{start}-{end}.{fmt}"
        path.write_bytes(b"PK raw")
        return [path]

    def partner(code, year, out_dir):
        calls.append(("partner", code, year))
        path = out_dir / f"partenaire-{code}-{year}.xlsx"
        path.write_bytes(b"PK partner")
        return [path]

    def period(period, out_dir, progress=None):
        calls.append(("period", period.key))
        path = out_dir / f"periode-{period.key}.xlsx"
        path.write_bytes(b"PK period")
        return [path]

    monkeypatch.setattr(jobs, "annual_body", annual)
    monkeypatch.setattr(jobs, "raw_body", raw)
    monkeypatch.setattr(jobs, "partner_body", partner)
    monkeypatch.setattr(jobs, "weekly_body", period)
    monkeypatch.setattr(jobs, "monthly_body", period)
    return calls


def page(session) -> str:
    response = session.client.get("/rapports/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post(session, url, data, token=None):
    html = page(session)
    form = {"csrf_token": token if token is not None else csrf_from(html)}
    # The forms carry a prefix; Flask-WTF reads the token under the prefixed name too.
    prefix = data and next(iter(data)).split("-")[0]
    form[f"{prefix}-csrf_token"] = form.pop("csrf_token")
    form.update(data)
    return session.client.post(url, data=form)


def job_rows() -> list[JobRun]:
    rows = list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id)))
    db.session.rollback()
    return rows


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("role", ["agent", "counsellor"])
def test_staff_other_than_director_and_admin_are_refused(app, logged_in, reports, role):
    (reports / "bilan-2025.xlsx").write_bytes(b"PK")
    session, _ = logged_in(role)
    assert session.client.get("/rapports/").status_code == 403
    assert session.client.get("/rapports/fichiers/bilan-2025.xlsx").status_code == 403
    for url in ("/rapports/annuel", "/rapports/export-brut", "/rapports/partenaire"):
        assert session.client.post(url, data={}, headers=session.headers()).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, reports):
    (reports / "bilan-2025.xlsx").write_bytes(b"PK")
    for url in ("/rapports/", "/rapports/fichiers/bilan-2025.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role", ["director", "admin"])
def test_director_and_admin_see_the_page_in_the_navigation(logged_in, role):
    session, _ = logged_in(role)
    home = session.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/rapports/"' in home
    html = page(session)
    assert "Fichiers disponibles" in html and "Compiler maintenant" in html
    assert "Aucun rapport pour l'instant" in html


# ---------------------------------------------------------------- files and downloads


def test_files_are_listed_with_what_when_and_size_and_download(app, director, reports):
    period = jobs.parse_week("2025-W10")
    with app.app_context():
        outcome = jobs.run_once("weekly", period.key, lambda out: [
            _write(out / "synthese-hebdo-2025-W10.xlsx", b"x" * 2048),
            _write(out / "synthese-hebdo-2025-W10.json", b'{"period": "2025-W10"}')])
    assert outcome.status == "success"
    html = page(director)
    assert "Synthèse hebdomadaire" in html and "2025-W10" in html
    assert "synthese-hebdo-2025-W10.xlsx" in html and "2 ko" in html
    response = director.client.get("/rapports/fichiers/synthese-hebdo-2025-W10.json")
    assert response.status_code == 200
    assert response.data == b'{"period": "2025-W10"}'
    assert "attachment" in response.headers["Content-Disposition"]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", [
    "nope.xlsx",                       # not there
    "..%2Fsecret.xlsx",                # traversal, encoded
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    ".run-1-abcd",                     # a run still writing
    "notes.txt",                       # not a report file
])
def test_only_listed_report_files_can_be_downloaded(director, reports, name):
    (reports.parent / "secret.xlsx").write_bytes(b"outside REPORTS_DIR")
    (reports / ".run-1-abcd").mkdir()
    (reports / "notes.txt").write_text("not a report")
    response = director.client.get(f"/rapports/fichiers/{name}")
    assert response.status_code == 404


def test_backups_are_described_but_never_downloadable(app, director, reports):
    (reports / "backups").mkdir()
    (reports / "backups" / "affluence-2025-03-11.sqlite3").write_bytes(b"SQLite format 3")
    html = page(director)
    assert "affluence-2025-03-11.sqlite3" in html and "1 copie conservée" in html
    for url in ("/rapports/fichiers/backups%2Faffluence-2025-03-11.sqlite3",
                "/rapports/fichiers/affluence-2025-03-11.sqlite3",
                "/rapports/fichiers/backups/affluence-2025-03-11.sqlite3"):
        assert director.client.get(url).status_code == 404


def test_recent_runs_show_their_status_and_error(app, director):
    with app.app_context():
        def broken(out):
            raise RuntimeError("feuille « Pôles » introuvable")

        jobs.run_once("monthly", "2025-02", broken)
        jobs.run_once("backup", "2025-03-11", lambda out: (_ for _ in ()).throw(
            jobs.Skipped("skipped: pg_dump not found on this host; use the server's own backups")))
    html = page(director)
    assert "Échec" in html and "RuntimeError: feuille « Pôles » introuvable" in html
    assert "Non exécuté" in html and "use the server&#39;s own backups" in html
    assert "Rapport mensuel" in html and "2025-02" in html


# ---------------------------------------------------------------- compiling now


def test_director_compiles_the_annual_report_and_downloads_it(app, director, fake_writers):
    response = post(director, "/rapports/annuel",
                    {"annual-year": "2025", "annual-site": "marseille", "annual-edition": "public"})
    assert response.status_code == 302
    assert fake_writers == [("annual", "2025", "marseille", "public")]
    html = page(director)
    assert "Compilation terminée : bilan-2025-marseille-public.xlsx." in html
    assert "Bilan d'activité annuel" in html and "à la demande" in html
    download = director.client.get("/rapports/fichiers/bilan-2025-marseille-public.xlsx")
    assert download.status_code == 200 and download.data == b"PK fake workbook public"
    with app.app_context():
        [run] = job_rows()
        assert (run.job, run.status) == ("annual:manual", "success")
        assert run.period_key.startswith("2025/marseille/public#")


def test_all_sites_is_the_default_choice(director, fake_writers):
    post(director, "/rapports/annuel",
         {"annual-year": "2025", "annual-site": "", "annual-edition": "internal"})
    assert fake_writers == [("annual", "2025", None, "internal")]


def test_a_failing_compile_tells_the_director_why(app, director, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("aucune donnée pour 2025")

    monkeypatch.setattr(jobs, "annual_body", broken)
    post(director, "/rapports/annuel",
         {"annual-year": "2025", "annual-site": "", "annual-edition": "internal"})
    html = page(director)
    assert "La compilation a échoué : ValueError: aucune donnée pour 2025" in html
    with app.app_context():
        assert [r.status for r in job_rows()] == ["failed"]


@pytest.mark.parametrize("data, field", [
    ({"annual-year": "1850", "annual-site": "", "annual-edition": "public"}, "annual-year"),
    ({"annual-year": "abc", "annual-site": "", "annual-edition": "public"}, "annual-year"),
    ({"annual-year": "2025", "annual-site": "lyon", "annual-edition": "public"}, "annual-site"),
    ({"annual-year": "2025", "annual-site": "", "annual-edition": "draft"}, "annual-edition"),
])
def test_bad_annual_choices_answer_400_naming_the_field(director, fake_writers, data, field):
    response = post(director, "/rapports/annuel", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # The error sits under the field, which points at it for screen readers.
    assert f'<p class="field-error" id="{field}-error">' in html
    assert f'aria-describedby="{field}-error"' in html
    assert fake_writers == []


def test_raw_export_for_a_date_range(director, fake_writers):
    response = post(director, "/rapports/export-brut",
                    {"raw-start": "2025-03-01", "raw-end": "2025-03-31", "raw-site": ""})
    assert response.status_code == 302
    assert [c[0] for c in fake_writers] == ["raw"]
    assert str(fake_writers[0][1]) == "2025-03-01" and str(fake_writers[0][2]) == "2025-03-31"
    assert "export-brut-2025-03-01-2025-03-31.xlsx" in page(director)
    response = post(director, "/rapports/export-brut", {
        "raw-start": "2025-03-01", "raw-end": "2025-03-31", "raw-site": "", "raw-fmt": "csv"})
    assert response.status_code == 302 and fake_writers[-1][-1] == "csv"


@pytest.mark.parametrize("start, end, message", [
    ("2025-03-31", "2025-03-01", "La date de fin précède la date de début."),
    ("", "2025-03-01", "Date de début obligatoire."),
    ("2025-03-01", "31/03/2025", None),
    ("2023-01-01", "2025-03-01", "Au plus 366 jours par export."),
])
def test_bad_raw_ranges_answer_400_with_the_reason(director, fake_writers, start, end, message):
    response = post(director, "/rapports/export-brut",
                    {"raw-start": start, "raw-end": end, "raw-site": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "field-error" in html
    if message:
        assert message in html
    assert fake_writers == []


def test_partner_report_for_a_year(director, fake_writers):
    response = post(director, "/rapports/partenaire",
                    {"partner-partner": "cidff", "partner-year": "2025"})
    assert response.status_code == 302
    assert fake_writers == [("partner", "cidff", 2025)]
    bad = post(director, "/rapports/partenaire", {"partner-partner": "cci", "partner-year": "2025"})
    assert bad.status_code == 400 and 'id="partner-partner-error"' in bad.get_data(as_text=True)


def test_posting_without_the_csrf_token_is_refused(director, fake_writers):
    response = post(director, "/rapports/annuel",
                    {"annual-year": "2025", "annual-site": "", "annual-edition": "public"},
                    token="")
    assert response.status_code == 400
    assert fake_writers == []


def test_reception_keeps_logging_while_a_report_compiles(app, logged_in, make_user, monkeypatch):
    """A compile reads for seconds: it must not hold the write lock the tablets need."""
    release = threading.Event()
    reading = threading.Event()

    def slow_annual(period, out_dir, progress=None, site_code=None, editions=()):
        db.session.execute(sa.select(sa.func.count()).select_from(FlowEntry)).scalar()
        reading.set()
        release.wait(timeout=30)
        path = out_dir / "bilan-lent.xlsx"
        path.write_bytes(b"PK")
        return [path]

    monkeypatch.setattr(jobs, "annual_body", slow_annual)
    director, _ = logged_in("network-director")
    token = csrf_from(page(director))
    agent = Auth(app.test_client())
    agent.login(make_user("agent").username)
    outcome = {}

    def compile_now():
        outcome["response"] = director.client.post("/rapports/annuel", data={
            "annual-csrf_token": token, "annual-year": "2025", "annual-site": "",
            "annual-edition": "internal"})

    compiling = threading.Thread(target=compile_now)
    compiling.start()
    try:
        assert reading.wait(timeout=30)
        tap = agent.post_json("/api/v1/entries", {"entries": [{
            "id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
            "reception_point": "marseille-rdc", "destination": "emploi"}]})
        assert tap.status_code == 200
        assert tap.json["results"][0]["status"] == "created"
    finally:
        release.set()
        compiling.join(timeout=60)
    assert outcome["response"].status_code == 302


# ---------------------------------------------------------------- the report commands


def test_report_annual_prints_the_paths_written(app, runner, reports, fake_writers):
    result = runner.invoke(args=["report", "annual", "--year", "2025", "--site", "marseille"])
    assert result.exit_code == 0, result.output
    assert str(reports / "bilan-2025-marseille-internal.xlsx") in result.output
    assert str(reports / "bilan-2025-marseille-public.xlsx") in result.output
    assert [c[3] for c in fake_writers] == ["internal", "public"]
    one = runner.invoke(args=["report", "annual", "--year", "2025", "--edition", "public"])
    assert one.exit_code == 0 and fake_writers[-1] == ("annual", "2025", None, "public")
    with app.app_context():
        assert [r.job for r in job_rows()] == ["annual:manual", "annual:manual"]


def test_report_weekly_and_monthly_take_a_period(runner, reports, fake_writers):
    assert runner.invoke(args=["report", "weekly", "--week", "2025-W10"]).exit_code == 0
    assert runner.invoke(args=["report", "monthly", "--month", "2025-03"]).exit_code == 0
    assert fake_writers == [("period", "2025-W10"), ("period", "2025-03")]
    assert (reports / "periode-2025-W10.xlsx").exists()


def test_report_raw_and_partner_commands(runner, reports, fake_writers):
    raw = runner.invoke(args=["report", "raw", "--start", "2025-01-01", "--end", "2025-01-31"])
    assert raw.exit_code == 0, raw.output
    partner = runner.invoke(args=["report", "partner", "--partner", "cidff", "--year", "2025"])
    assert partner.exit_code == 0, partner.output
    assert str(reports / "partenaire-cidff-2025.xlsx") in partner.output


@pytest.mark.parametrize("args, option", [
    (["report", "weekly", "--week", "2025-W60"], "--week"),
    (["report", "monthly", "--month", "March"], "--month"),
    (["report", "annual", "--year", "2025", "--site", "lyon"], "--site"),
    (["report", "annual", "--year", "2025", "--edition", "draft"], "--edition"),
    (["report", "raw", "--start", "2025-02-01", "--end", "2025-01-01"], "--end"),
    (["report", "partner", "--partner", "nobody", "--year", "2025"], "--partner"),
])
def test_report_commands_name_the_bad_option(runner, fake_writers, args, option):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert option in result.output
    assert fake_writers == []


def test_report_command_fails_loudly_when_the_run_fails(app, runner, monkeypatch):
    def broken(period, out_dir, progress=None):
        raise OSError("No space left on device")

    monkeypatch.setattr(jobs, "weekly_body", broken)
    result = runner.invoke(args=["report", "weekly", "--week", "2025-W10"])
    assert result.exit_code == 1
    assert "No space left on device" in result.output


def test_report_backup_command(app, runner, reports):
    result = runner.invoke(args=["report", "backup"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [run] = job_rows()
        assert run.job == "backup:manual" and run.status in ("success", "skipped")


# ---------------------------------------------------------------- with the real report writers


def test_annual_report_compiled_from_the_page_holds_the_database_totals(app, director, reports):
    from app.demo import generate_year

    with app.app_context():
        summary = generate_year(2025, "marseille", seed=21, scale=0.02)
    response = post(director, "/rapports/annuel",
                    {"annual-year": "2025", "annual-site": "marseille",
                     "annual-edition": "internal"})
    assert response.status_code == 302
    html = page(director)
    assert "Compilation terminée" in html
    names = sorted(p.name for p in reports.iterdir() if not p.name.startswith("."))
    workbook = next(n for n in names if n.endswith(".xlsx"))
    twin = next(n for n in names if n.endswith(".json"))
    assert workbook in html and twin in html
    download = director.client.get(f"/rapports/fichiers/{workbook}")
    assert download.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(download.data))
    figures = json.loads(director.client.get(f"/rapports/fichiers/{twin}").data)
    assert figures["visitors"] == summary.visitors
    assert figures["edition"] == "internal"
