"""The past years: the history template, its all-or-nothing import, and the imported months
in the dashboard, the year-on-year comparison, the trend and the annual report (issue 12)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.figures.history import imported_totals, yearly_totals
from app.figures.scope import Scope
from app.history.template import build_template
from app.models import AuditEvent, HistoryBatch, HistoryMonth, Site
from app.timeutil import local_today
from tests.conftest import csrf_from
from tests.factories import Builder

PAGE = "/admin/historique/"
DASHBOARD_JSON = "/statistiques/tableau-de-bord.json"

GOOD = {
    "visitors": [["marseille", "2023-01", 5000], ["marseille", "2023-02", 4000],
                 ["gap", "2023-01", 300]],
    "orientations": [["marseille", "2023-01", "emploi", 2000],
                     ["marseille", "2023-01", "cyber", 700]],
    "interviews": [["marseille", "2023-01", "emploi", 400], ["marseille", "2023-02", "formation", 300]],
    "events": [["marseille", "2023-01", "atelier", 12, 150]],
}


def workbook(app, rows=None, edit=None) -> bytes:
    """Return the template filled with rows; edit(wb) may change it before it is saved."""
    with app.app_context():
        data = build_template(rows if rows is not None else GOOD)
    if edit is None:
        return data
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(HistoryMonth))


def run_import(app, runner, tmp_path, data: bytes, *args):
    path = tmp_path / "historique.xlsx"
    path.write_bytes(data)
    return runner.invoke(args=["history", "import", str(path), *args])


# ---------------------------------------------------------------- the template

def test_the_template_has_its_sheets_headers_instructions_and_code_lists(app, runner, tmp_path):
    out = tmp_path / "modele.xlsx"
    result = runner.invoke(args=["history", "template", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Mode d'emploi", "Visiteurs", "Orientations", "Entretiens",
                             "Événements", "Codes"]
    assert [c.value for c in wb["Événements"][1]] == [
        "Site", "Mois (AAAA-MM)", "Type d'événement", "Événements", "Participants"]
    assert "AAAA-MM" in " ".join(str(c.value) for c in wb["Mode d'emploi"]["A"])
    codes = [c.value for c in wb["Codes"]["A"][1:]]
    assert "marseille" in codes and "gap" in codes
    lists = {str(v.sqref): v.formula1 for v in wb["Orientations"].data_validations.dataValidation
             if v.type == "list"}
    assert lists["A2:A5001"].startswith("=Codes!$A$2")
    destinations = [c.value for c in wb["Codes"]["E"][1:] if c.value]
    assert {"emploi", "cyber", "documentation", "partner"} <= set(destinations)
    counts = [v for v in wb["Visiteurs"].data_validations.dataValidation if v.type == "whole"]
    assert counts and counts[0].formula1 == "0"


# ---------------------------------------------------------------- the CLI contract

def test_a_good_file_is_imported_by_the_cli_and_audited(app, runner, tmp_path):
    dry = run_import(app, runner, tmp_path, workbook(app), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "9 chiffres : 9 ajoutés, 0 remplacés" in dry.output
    assert "rien n'a été enregistré" in dry.output
    assert stored(app) == 0

    result = run_import(app, runner, tmp_path, workbook(app))
    assert result.exit_code == 0, result.output
    assert "Importé : 9 ajoutés, 0 remplacés." in result.output
    assert stored(app) == 9
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "history.import"))
        assert event.target_type == "history_batch"
        assert event.changes["rows_added"] == [None, 9]
        assert event.changes["file"] == [None, "historique.xlsx"]
        assert event.changes["source"] == [None, "cli"]
        batch = db.session.get(HistoryBatch, int(event.target_id))
        assert (batch.status, batch.added, batch.rows) == ("applied", 9, [])


def test_importing_again_replaces_changed_figures_and_says_so(app, runner, tmp_path):
    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    rows = json.loads(json.dumps(GOOD))
    rows["visitors"][0][2] = 5100
    dry = run_import(app, runner, tmp_path, workbook(app, rows), "--dry-run")
    assert "0 ajoutés, 1 remplacés, 8 inchangés" in dry.output
    assert "remplacé : Visiteurs ligne 2, marseille 2023-01" in dry.output
    assert "5000 → 5100" in dry.output
    assert run_import(app, runner, tmp_path, workbook(app, rows)).exit_code == 0
    with app.app_context():
        values = db.session.scalars(sa.select(HistoryMonth.value).where(
            HistoryMonth.measure == "visitors", HistoryMonth.month == date(2023, 1, 1),
            HistoryMonth.site_id == db.session.scalar(
                sa.select(Site.id).where(Site.code == "marseille")))).all()
    assert values == [5100]
    assert stored(app) == 9


def _cell(sheet: str, ref: str, value):
    def edit(wb):
        wb[sheet][ref].value = value
    return edit


NEXT_MONTH = (local_today().replace(day=28) + __import__("datetime").timedelta(days=5)).strftime("%Y-%m")

BAD_CASES = [
    # (edit of the good file, the words the message must hold)
    (_cell("Visiteurs", "C1", "Personnes"),
     "feuille « Visiteurs », ligne 1, colonne C (Visiteurs (personnes)) : en-tête « Visiteurs (personnes) » attendu, « Personnes » trouvé"),
    (_cell("Visiteurs", "C3", "beaucoup"),
     "feuille « Visiteurs », ligne 3, colonne C (Visiteurs (personnes)) : nombre attendu, texte « beaucoup » trouvé"),
    (_cell("Entretiens", "D2", -4),
     "feuille « Entretiens », ligne 2, colonne D (Entretiens) : nombre négatif (-4)"),
    (_cell("Visiteurs", "C2", 12.5),
     "ligne 2, colonne C (Visiteurs (personnes)) : nombre entier attendu"),
    (_cell("Visiteurs", "B2", "2023-13"),
     "feuille « Visiteurs », ligne 2, colonne B (Mois (AAAA-MM)) : le mois « 2023-13 » n'existe pas"),
    (_cell("Visiteurs", "B2", "mars 2023"),
     "colonne B (Mois (AAAA-MM)) : mois attendu au format AAAA-MM"),
    (_cell("Visiteurs", "B2", NEXT_MONTH),
     f"ligne 2, colonne B (Mois (AAAA-MM)) : le mois {NEXT_MONTH} est dans le futur"),
    (_cell("Visiteurs", "B3", "2023-01"),
     "feuille « Visiteurs », ligne 3, colonne B (Mois (AAAA-MM)) : doublon de la ligne 2"),
    (_cell("Orientations", "C3", "emploi"),
     "feuille « Orientations », ligne 3, colonne C (Destination) : doublon de la ligne 2"),
    (_cell("Visiteurs", "A4", "paris"),
     "feuille « Visiteurs », ligne 4, colonne A (Site) : site inconnu « paris »"),
    (_cell("Entretiens", "C3", "sante"),
     "feuille « Entretiens », ligne 3, colonne C (Pôle) : pôle inconnu « sante »"),
    (_cell("Orientations", "C2", "cinema"),
     "feuille « Orientations », ligne 2, colonne C (Destination) : destination inconnue « cinema »"),
    (_cell("Événements", "C2", "concert"),
     "colonne C (Type d'événement) : type d'événement inconnu « concert »"),
    (_cell("Événements", "E2", None),
     "feuille « Événements », ligne 2, colonne E (Participants) : nombre manquant"),
]


@pytest.mark.parametrize("edit,message", BAD_CASES)
def test_one_bad_row_refuses_the_whole_file_naming_sheet_row_column_and_why(
        app, runner, tmp_path, edit, message):
    result = run_import(app, runner, tmp_path, workbook(app, edit=edit))
    assert result.exit_code == 1
    assert message in result.output
    assert "rien n'a été enregistré" in result.output
    assert stored(app) == 0  # the good rows went nowhere either
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HistoryBatch)) == 0


def test_every_bad_row_is_listed_not_only_the_first(app, runner, tmp_path):
    def edit(wb):
        wb["Visiteurs"]["C2"].value = -1
        wb["Entretiens"]["A3"].value = "lyon"
    result = run_import(app, runner, tmp_path, workbook(app, edit=edit))
    assert result.exit_code == 1
    assert "Visiteurs », ligne 2" in result.output
    assert "Entretiens », ligne 3, colonne A (Site) : site inconnu « lyon »" in result.output
    assert "2 erreur(s)" in result.output


def test_a_file_that_is_not_a_workbook_is_refused(app, runner, tmp_path):
    result = run_import(app, runner, tmp_path, b"Site;Mois;Visiteurs\nmarseille;2023-01;5\n")
    assert result.exit_code == 1
    assert "ce fichier n'est pas un classeur Excel (.xlsx)" in result.output
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    result = run_import(app, runner, tmp_path, archive.getvalue())
    assert result.exit_code == 1
    assert "pas un classeur Excel" in result.output


def test_a_zip_bomb_is_refused_before_it_is_inflated(app, runner, tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(archive.getvalue()) < 200_000
    result = run_import(app, runner, tmp_path, archive.getvalue())
    assert result.exit_code == 1
    assert "bombe zip" in result.output
    assert stored(app) == 0


def test_an_oversized_file_is_refused(app, runner, tmp_path):
    data = workbook(app)
    app.config["HISTORY_MAX_FILE_BYTES"] = len(data) - 1
    try:
        result = run_import(app, runner, tmp_path, data)
    finally:
        del app.config["HISTORY_MAX_FILE_BYTES"]
    assert result.exit_code == 1
    assert "fichier trop volumineux" in result.output


def test_too_many_rows_are_refused(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr("app.history.importer.MAX_ROWS", 2)
    result = run_import(app, runner, tmp_path, workbook(app))
    assert result.exit_code == 1
    assert "feuille « Visiteurs », ligne 4 : trop de lignes (2 au plus par feuille)" in result.output


# ---------------------------------------------------------------- the admin screen

@pytest.fixture
def admin(logged_in):
    session, _user = logged_in("admin")
    return session


def upload(admin, data: bytes, name: str = "historique.xlsx"):
    page = admin.client.get(PAGE)
    assert page.status_code == 200
    admin.token = csrf_from(page.get_data(as_text=True))
    return admin.client.post(PAGE, data={"csrf_token": admin.token,
                                         "workbook": (io.BytesIO(data), name)},
                             content_type="multipart/form-data")


def test_upload_preview_then_confirm_stores_the_rows(app, admin):
    response = upload(admin, workbook(app))
    assert response.status_code == 302
    preview = admin.client.get(response.location)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "9 chiffres ajoutés" in html and "0 remplacé" in html
    assert stored(app) == 0  # nothing before the confirmation
    token = response.location.rstrip("/").rsplit("/", 1)[-1]
    confirmed = admin.client.post(f"{PAGE}apercu/{token}/confirmer",
                                  data={"csrf_token": admin.token}, follow_redirects=True)
    page = confirmed.get_data(as_text=True)
    assert "Historique importé : 9 chiffres ajoutés, 0 remplacés, 0 inchangés." in page
    assert stored(app) == 9
    assert "historique.xlsx" in page  # listed among the imports
    # The token served once: a second confirmation finds nothing pending.
    again = admin.client.post(f"{PAGE}apercu/{token}/confirmer", data={"csrf_token": admin.token})
    assert again.status_code == 404
    assert stored(app) == 9
    journal = admin.client.get("/admin/journal").get_data(as_text=True)
    assert "Historique importé" in journal and "historique.xlsx" in journal


def test_a_bad_upload_answers_400_with_each_fault_and_stores_nothing(app, admin):
    response = upload(admin, workbook(app, edit=_cell("Visiteurs", "C3", "beaucoup")))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Import refusé : 1 erreur. Rien n'a été enregistré." in html
    assert "ligne 3, colonne C (Visiteurs (personnes)) : nombre attendu, texte « beaucoup » trouvé" in html
    assert stored(app) == 0
    other = upload(admin, b"hello", "notes.txt")
    assert other.status_code == 400
    assert "Un classeur Excel (.xlsx) est attendu." in other.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HistoryBatch)) == 0


def test_an_upload_past_the_request_limit_is_refused_with_a_4xx(app, admin):
    response = upload(admin, b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    assert response.status_code == 413
    assert stored(app) == 0


def test_discarding_a_preview_stores_nothing(app, admin):
    response = upload(admin, workbook(app))
    token = response.location.rstrip("/").rsplit("/", 1)[-1]
    admin.client.post(f"{PAGE}apercu/{token}/abandonner", data={"csrf_token": admin.token})
    assert admin.client.get(response.location).status_code == 404
    assert stored(app) == 0


def test_the_template_downloads_from_the_screen(app, admin):
    response = admin.client.get(f"{PAGE}modele.xlsx")
    assert response.status_code == 200
    assert "Visiteurs" in load_workbook(io.BytesIO(response.data)).sheetnames


# ---------------------------------------------------------------- captured data win

def test_captured_months_win_over_imported_ones_and_the_import_says_so(app, admin, runner, tmp_path):
    build = Builder(app)
    build.entry("2023-01-10T10:00+01:00", party=2)
    build.interview("2023-01-10T11:00+01:00")
    dry = run_import(app, runner, tmp_path, workbook(app), "--dry-run")
    assert "Données saisies prioritaires : 1 mois" in dry.output and "marseille 2023-01" in dry.output
    response = upload(admin, workbook(app))
    preview = admin.client.get(response.location).get_data(as_text=True)
    assert "1 mois a déjà des données saisies" in preview
    token = response.location.rstrip("/").rsplit("/", 1)[-1]
    done = admin.client.post(f"{PAGE}apercu/{token}/confirmer", data={"csrf_token": admin.token},
                             follow_redirects=True).get_data(as_text=True)
    assert "1 mois ont déjà des données saisies" in done
    with app.app_context():
        marseille = db.session.scalar(sa.select(Site.id).where(Site.code == "marseille"))
        totals = imported_totals(Scope(date(2023, 1, 1), date(2023, 12, 31), (marseille,)))
    # January is captured: only February's imported figures count for Marseille.
    assert totals["visitors"] == 4000 and totals["interviews"] == 300
    assert totals["captured_wins"] == [{"site": "marseille", "month": "2023-01"}]
    data = admin.client.get(DASHBOARD_JSON, query_string={
        "start": "2023-01-01", "end": "2023-12-31", "site": "marseille"}).json
    assert data["totals"]["visitors"] == 2 + 4000
    assert data["totals"]["interviews"] == 1 + 300
    assert data["totals"]["imported"] == {"visitors": 4000, "interviews": 300, "months": 1}


# ---------------------------------------------------------------- figures

def test_imported_months_appear_in_the_dashboard_year_on_year_and_trend(app, logged_in, runner, tmp_path):
    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    Builder(app).entry("2024-01-15T10:00+01:00", party=3)
    session, _user = logged_in("network-director")
    data = session.client.get(DASHBOARD_JSON, query_string={
        "start": "2024-01-01", "end": "2024-12-31"}).json
    figures = {f["code"]: f for f in data["year_on_year"]["figures"]}
    assert figures["visitors"]["previous"] == 5000 + 4000 + 300
    assert figures["visitors"]["current"] == 3
    assert figures["visitors"]["imported"] is True
    assert figures["interviews"]["previous"] == 700
    january = next(m for m in data["year_on_year"]["months"] if m["period"] == "2024-01")
    assert (january["current"], january["previous"], january["imported"]) == (3, 5300, True)
    trend = {row["year"]: row for row in data["history"]["trend"]}
    assert trend[2023]["visitors_imported"] == 9300 and trend[2023]["imported"] is True
    assert trend[2024]["visitors_captured"] == 3 and trend[2024]["imported"] is False
    last_year = session.client.get(DASHBOARD_JSON, query_string={
        "start": "2023-01-01", "end": "2023-12-31"}).json
    assert last_year["totals"]["visitors"] == 9300
    assert last_year["totals"]["imported"]["months"] == 2
    months = {p["period"]: p for p in last_year["attendance"]["month"]}
    assert months["2023-02"]["visitors"] == 4000 and months["2023-02"]["imported"] is True
    page = session.client.get("/statistiques/tableau-de-bord", query_string={
        "start": "2023-01-01", "end": "2023-12-31"}).get_data(as_text=True)
    assert "Cette période compte 2 mois importés" in page
    assert 'data-testid="history-trend"' in page and "(importé)" in page


def test_a_period_cutting_a_month_counts_no_imported_figure_for_it(app, runner, tmp_path):
    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    with app.app_context():
        totals = imported_totals(Scope(date(2023, 1, 15), date(2023, 2, 28)))
    assert totals["visitors"] == 4000 and totals["months"] == ["2023-02"]


def test_a_pole_scope_counts_that_poles_orientations_and_interviews(app, runner, tmp_path):
    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    with app.app_context():
        from app.models import Pole
        emploi = db.session.scalar(sa.select(Pole.id).where(Pole.code == "emploi"))
        totals = imported_totals(Scope(date(2023, 1, 1), date(2023, 12, 31), pole_id=emploi))
        trend = yearly_totals(pole_id=emploi)
    assert (totals["visitors"], totals["interviews"]) == (2000, 400)
    assert trend == [{"year": 2023, "visitors": 2000, "interviews": 400, "visitors_captured": 0,
                      "visitors_imported": 2000, "interviews_captured": 0,
                      "interviews_imported": 400, "imported_months": 1, "imported": True}]


def test_the_annual_report_and_its_twin_show_the_imported_year_marked(app, runner, tmp_path):
    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    result = runner.invoke(args=["report", "annual", "--year", "2023"])
    assert result.exit_code == 0, result.output
    paths = [line.strip() for line in result.output.splitlines() if line.strip().endswith(".json")]
    twin = json.loads(open(paths[0], encoding="utf-8").read())
    assert twin["imported"]["visitors"] == 9300
    assert twin["imported"]["interviews"] == 700
    assert twin["imported"]["events"] == 12 and twin["imported"]["attendance"] == 150
    assert twin["imported"]["months"] == ["2023-01", "2023-02"]
    assert twin["visitors"] == 0  # captured figures stay apart
    summary = twin["tables"]["summary"]["rows"]
    imported = next(row for row in summary if row["code"] == "imported_visitors")
    assert imported["values"]["current"] == 9300
    xlsx = [line.strip() for line in result.output.splitlines() if line.strip().endswith(".xlsx")]
    assert "Agrégats importés" in load_workbook(xlsx[0], read_only=True).sheetnames
    # The next year compares with the imported one.
    result = runner.invoke(args=["report", "annual", "--year", "2024"])
    paths = [line.strip() for line in result.output.splitlines() if line.strip().endswith(".json")]
    twin = json.loads(open(paths[0], encoding="utf-8").read())
    row = next(r for r in twin["tables"]["summary"]["rows"] if r["code"] == "imported_visitors")
    assert (row["values"]["current"], row["values"]["previous"]) == (0, 9300)


# ---------------------------------------------------------------- the demo

def test_demo_history_writes_2005_to_2015_in_the_shape_of_the_seeds(app, runner, tmp_path):
    out = tmp_path / "historique.xlsx"
    result = runner.invoke(args=["demo", "generate", "--history", str(out)])
    assert result.exit_code == 0, result.output
    imported = runner.invoke(args=["history", "import", str(out)])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        marseille = db.session.scalar(sa.select(Site.id).where(Site.code == "marseille"))
        trend = {row["year"]: row for row in yearly_totals((marseille,))}
    assert sorted(trend) == list(range(2005, 2016))
    assert sum(trend[year]["visitors"] for year in range(2005, 2012)) == 391_907
    assert trend[2010]["visitors"] == 62_000
    assert trend[2010]["interviews"] == 6_676


def test_a_month_the_spreadsheet_turned_into_a_date_is_read_as_that_month(app, runner, tmp_path):
    from datetime import datetime

    result = run_import(app, runner, tmp_path,
                        workbook(app, edit=_cell("Visiteurs", "B4", datetime(2023, 3, 1))))
    assert result.exit_code == 0, result.output
    with app.app_context():
        months = db.session.scalars(sa.select(HistoryMonth.month).where(
            HistoryMonth.measure == "visitors").order_by(HistoryMonth.month)).all()
    assert date(2023, 3, 1) in months
    refused = run_import(app, runner, tmp_path,
                         workbook(app, edit=_cell("Visiteurs", "B4", datetime(2023, 3, 15))))
    assert refused.exit_code == 1
    assert "ligne 4, colonne B (Mois (AAAA-MM)) : un mois est attendu (AAAA-MM), pas un jour" \
        in refused.output


def test_a_month_captured_after_the_import_takes_over_from_it(app, runner, tmp_path):
    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    Builder(app).entry("2023-02-03T10:00+01:00", party=1)
    with app.app_context():
        marseille = db.session.scalar(sa.select(Site.id).where(Site.code == "marseille"))
        totals = imported_totals(Scope(date(2023, 1, 1), date(2023, 12, 31), (marseille,)))
        trend = yearly_totals((marseille,))
    assert totals["visitors"] == 5000  # January only: February is captured now
    assert totals["captured_wins"] == [{"site": "marseille", "month": "2023-02"}]
    assert trend[0]["visitors"] == 5000 + 1
    assert (trend[0]["visitors_imported"], trend[0]["visitors_captured"]) == (5000, 1)


def test_a_pending_upload_expires(app, admin):
    from datetime import timedelta

    response = upload(admin, workbook(app))
    token = response.location.rstrip("/").rsplit("/", 1)[-1]
    with app.app_context():
        batch = db.session.scalar(sa.select(HistoryBatch).where(HistoryBatch.token == token))
        batch.created_at = batch.created_at - timedelta(days=2)
        db.session.commit()
    confirmed = admin.client.post(f"{PAGE}apercu/{token}/confirmer", data={"csrf_token": admin.token})
    assert confirmed.status_code == 404
    assert stored(app) == 0
    upload(admin, workbook(app))  # the next upload gives the stale preview's rows back
    with app.app_context():
        stale = db.session.scalar(sa.select(HistoryBatch).where(HistoryBatch.token == token))
        assert (stale.status, stale.rows) == ("discarded", [])


def test_the_public_edition_hides_small_imported_cells(app, runner, tmp_path):
    rows = {"visitors": [["gap", "2023-01", 7], ["gap", "2023-02", 400], ["gap", "2023-03", 500]]}
    assert run_import(app, runner, tmp_path, workbook(app, rows)).exit_code == 0
    result = runner.invoke(args=["report", "annual", "--year", "2023", "--site", "gap",
                                 "--edition", "public"])
    assert result.exit_code == 0, result.output
    path = next(line.strip() for line in result.output.splitlines() if line.strip().endswith(".json"))
    twin = json.loads(open(path, encoding="utf-8").read())
    cells = {row["code"]: row["values"]["visitors"] for row in twin["tables"]["imported"]["rows"]}
    assert cells["2023-01"] == "<11"
    assert cells["2023-02"] == "s"  # hidden too, or January would be total minus the rest
    assert twin["imported"]["visitors"] == 907


def test_imported_years_join_the_bilans_trend_marked(app, runner, tmp_path):
    from app.bilan import render
    from app.bilan import services as bilan

    assert run_import(app, runner, tmp_path, workbook(app)).exit_code == 0
    build = Builder(app)
    build.entry("2025-03-04T10:00+01:00", "emploi", party=2)
    with app.app_context():
        data = bilan.gather(2025, None, "internal", today=date(2026, 3, 1))
        trend = {row["year"]: row for row in data["trend"]}
        assert (trend[2023]["visitors"], trend[2023]["interviews"]) == (9300, 700)
        assert trend[2023]["imported"] is True and trend[2025]["imported"] is False
        assert trend[2025]["visitors"] == 2
        page = render.html(data, "static")
        assert "2023 <span class=\"muted\">(importé)</span>" in page
