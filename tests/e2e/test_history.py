"""The past years in Chromium at tablet size: download the template, upload, preview, confirm."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.history.template import build_template
from app.models import HistoryMonth
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

ROWS = {
    "visitors": [["marseille", "2023-01", 5000], ["marseille", "2023-02", 4000]],
    "interviews": [["marseille", "2023-01", "emploi", 400]],
}


def _stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(HistoryMonth))
        db.session.remove()
    return count


def test_the_admin_uploads_previews_and_confirms_the_past_years(app, page, live_server, make_user,
                                                              tmp_path):
    with app.app_context():
        good = tmp_path / "historique.xlsx"
        good.write_bytes(build_template(ROWS))
        bad = tmp_path / "faux.xlsx"
        bad.write_bytes(build_template({"visitors": [["marseille", "2023-01", -5]]}))
    admin = make_user("admin")
    login(page, live_server.url, admin.username)
    page.goto(f"{live_server.url}/admin/historique/")
    assert page.get_by_role("link", name="Années passées").get_attribute("aria-current") == "page"
    with page.expect_download() as download:
        page.get_by_test_id("history-template").click()
    assert download.value.suggested_filename == "affluence_historique_modele.xlsx"

    # A bad file: every fault named, nothing stored.
    page.get_by_label("Classeur rempli (.xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier et voir l'aperçu").click()
    faults = page.get_by_test_id("history-faults")
    assert "Import refusé : 1 erreur" in faults.inner_text()
    assert "feuille « Visiteurs », ligne 2, colonne C (Visiteurs (personnes)) : nombre négatif (-5)" \
        in faults.inner_text()
    screenshot(page, "history-refused")
    assert _stored(app) == 0

    # A good file: the preview, then the confirmation.
    page.get_by_label("Classeur rempli (.xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Vérifier et voir l'aperçu").click()
    page.wait_for_url("**/apercu/**")
    counts = page.get_by_test_id("history-preview-counts").inner_text()
    assert "3 chiffres ajoutés" in counts and "0 remplacé" in counts
    assert "Cité des Métiers de Marseille" in page.get_by_test_id("history-preview-years").inner_text()
    confirm = page.get_by_test_id("history-confirm")
    box = confirm.bounding_box()
    assert box["height"] >= 48  # a finger's target
    screenshot(page, "history-preview")
    assert _stored(app) == 0
    confirm.click()
    page.wait_for_url("**/admin/historique/")
    assert "Historique importé : 3 chiffres ajoutés, 0 remplacés, 0 inchangés." in \
        page.locator(".flashes").inner_text()
    assert "historique.xlsx" in page.get_by_test_id("history-batches").inner_text()
    screenshot(page, "history-done")
    assert _stored(app) == 3
    assert page.js_errors == []
