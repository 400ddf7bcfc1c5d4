"""French by default, English on request, and no untranslated string in the English catalogue."""

from pathlib import Path

from babel.messages.pofile import read_po

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
    assert '<html lang="en">' in page
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
