"""French by default, English on request, and no untranslated string in the English catalogue."""

import html
import re
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, format_datetime, ngettext

from app.typography import NBSP, typeset
from tests.conftest import csrf_from

CATALOGUE = Path(__file__).resolve().parent.parent / "app/translations/en/LC_MESSAGES/messages.po"


def test_pages_speak_french_by_default_even_to_an_english_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Identifiant" in page and "Se connecter" in page


def test_the_language_switch_turns_the_interface_to_english(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/lang/en", data={"csrf_token": token, "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en-GB">' in page
    assert "Username" in page and "Identifiant" not in page


def test_every_message_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [message.id for message in catalogue
               if message.id and not (all(message.string) if isinstance(message.string, tuple)
                                      else message.string)]
    assert missing == []


def test_the_catalogue_covers_every_string_of_the_code(tmp_path):
    import subprocess
    import sys

    root = CATALOGUE.parents[4]
    template = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-o", str(template), "."], cwd=root, check=True, capture_output=True)
    with template.open("rb") as handle:
        in_code = {message.id if isinstance(message.id, str) else message.id[0]
                   for message in read_po(handle) if message.id}
    with CATALOGUE.open("rb") as handle:
        translated = {message.id if isinstance(message.id, str) else message.id[0]
                      for message in read_po(handle) if message.id}
    assert sorted(in_code - translated) == []


def test_a_refused_note_is_explained_in_english_to_an_english_user(app):
    from flask_babel import force_locale

    from app.privacy import check_text
    from app.privacy.messages import refusal_message

    findings = check_text("Rappeler au 06 12 34 56 78")
    with app.test_request_context(), force_locale("en"):
        assert refusal_message(findings) == (
            "Personal data found: a phone number (characters 13 to 26). Remove it before saving.")


def english(client) -> None:
    with client.session_transaction() as session:
        session["lang"] = "en"


def visible(response) -> str:
    """Return the page's text without its scripts and tags."""
    body = html.unescape(response.get_data(as_text=True))
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_english_pages_show_the_english_labels_of_the_reference_data(client, logged_in):
    from tests.test_interviews import record

    auth, _counsellor = logged_in("counsellor", pole="emploi", partner="france-travail")
    record(auth, themes=["cv-candidature"], outcomes=["information"])
    english(client)

    corrections = visible(client.get("/entretiens/corrections"))

    assert "Jobs" in corrections and "CV and applications" in corrections
    assert "Information given" in corrections
    for french in ("Emploi", "CV et candidatures", "Information donnée"):
        assert french not in corrections


def test_the_english_tablet_shows_english_destinations_and_profile(client, logged_in):
    logged_in("agent")
    english(client)

    tablet = visible(client.get("/accueil/marseille-rdc"))

    assert "Finding a job" in tablet and "Starting a business" in tablet
    assert "Trouver son emploi" not in tablet and "Créer son activité" not in tablet
    assert "Job seeker" in tablet and "Recruitment fair" in tablet


def test_an_admin_gives_a_row_its_english_label_in_the_list(client, logged_in):
    auth, _admin = logged_in("admin")
    page = html.unescape(client.get("/admin/listes/event-types").get_data(as_text=True))
    forum = re.search(r'href="/admin/listes/event-types/(\d+)"[^>]*>Forum de recrutement', page)
    form = client.get(f"/admin/listes/event-types/{forum.group(1)}").get_data(as_text=True)
    assert 'name="label_en"' in form and 'value="Recruitment fair"' in form

    client.post(f"/admin/listes/event-types/{forum.group(1)}", data={
        "csrf_token": auth.token, "label": "Forum de recrutement", "label_en": "Job fair",
        "position": "5", "active": "y"})
    english(client)
    listing = visible(client.get("/admin/listes/event-types"))

    assert "Forum de recrutement EN Job fair" in listing


def test_a_row_without_an_english_label_shows_its_french_one_on_english_pages(
        app, client, logged_in):
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Pole, Theme
    from tests.test_interviews import record

    with app.app_context():
        pole = db.session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
        db.session.add(Theme(code="salon", label="Salon de l'apprentissage", pole=pole))
        db.session.commit()
    auth, _counsellor = logged_in("counsellor", pole="emploi", partner="france-travail")
    record(auth, themes=["salon"])
    english(client)
    assert "Salon de l'apprentissage" in visible(client.get("/entretiens/corrections"))


def test_english_typography_has_no_space_before_a_colon_and_french_keeps_its_own(client, logged_in):
    logged_in("director")
    english(client)
    for url in ("/aide/direction", "/statistiques/jour", "/accueil-du-jour"):
        text = visible(client.get(url))
        assert not re.search(r"\w :", text), (url, re.findall(r".{20}\w :.{20}", text))
    assert typeset("<p>Durée : 30 min</p>", "fr") == f"<p>Durée{NBSP}: 30 min</p>"
    assert typeset("<p><span>Durée</span> : 30 min</p>", "en") == "<p><span>Durée</span>: 30 min</p>"
    # What a person typed comes back as typed.
    assert typeset("<textarea>RDV : mardi</textarea>", "en") == "<textarea>RDV : mardi</textarea>"


def test_english_catalogue_has_no_space_before_a_colon():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    spaced = [m.id for m in catalogue if m.id and any(
        re.search(r"\S [:;!?](\s|$)", text) for text in
        (m.string if isinstance(m.string, tuple) else (m.string,)) if text)]
    assert spaced == []


def test_english_dates_read_day_month_year_and_plurals_follow_the_count(app):
    instant = datetime(2025, 3, 4, 13, 5, tzinfo=timezone.utc)
    with app.test_request_context():
        with force_locale("en_GB"):
            assert format_date(instant.date(), "short") == "04/03/2025"
            assert format_datetime(instant, "short") == "04/03/2025, 14:05"
            assert ngettext("%(num)d entrée", "%(num)d entrées", 1) == "1 entry"
            assert ngettext("%(num)d entrée", "%(num)d entrées", 2) == "2 entries"
        with force_locale("fr"):
            assert format_datetime(instant, "short") == "04/03/2025 14:05"
            assert ngettext("%(num)d entrée", "%(num)d entrées", 1) == "1 entrée"
