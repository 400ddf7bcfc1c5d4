"""Help: a page per role in both languages, linked from every page, with its screenshots."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from app.help.views import ROLE_PAGES

STATIC = Path(__file__).resolve().parent.parent / "app/static"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def english(client) -> None:
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.mark.parametrize("role", ["agent", "counsellor", "director", "admin"])
def test_each_role_lands_on_its_own_help_from_the_link_on_every_page(client, logged_in, role):
    logged_in(role)
    home = text(client.get("/accueil-du-jour"))
    assert re.search(r'<a class="help-link" href="/aide/">Aide</a>', home)

    response = client.get("/aide/")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))

    assert f'data-testid="help-{role}"' in page
    assert "Qu'est-ce qu'une réorientation ?" in page
    assert "Sans réseau" in page and "Qui voit quoi" in page


def test_help_pages_are_whole_in_english(client):
    english(client)
    for slug in ROLE_PAGES:
        page = text(client.get(f"/aide/{slug}"))
        assert "What is a reorientation?" in page and "Offline" in page and "Who sees what" in page
        for french in ("Qu'est-ce", "Sans réseau", "Qui voit quoi", "Réorientation"):
            assert french not in page, (slug, french)


def test_the_login_page_links_to_help_and_help_needs_no_account(client):
    assert 'href="/aide/"' in text(client.get("/login"))
    index = text(client.get("/aide/"))
    assert all(f'href="/aide/{slug}"' in index for slug in ROLE_PAGES)
    assert client.get("/aide/astrologie").status_code == 404


def test_the_agent_help_says_what_each_button_records_with_the_app_own_words(client):
    page = text(client.get("/aide/accueil"))
    for label in ("Documentation", "Cyber info", "Événement", "Réponse à l'accueil",
                  "Organisme extérieur"):
        assert f"<dt>{label}" in page or f", {label}</dt>" in page, label


def test_every_screenshot_a_help_page_shows_exists_and_stays_small(client):
    shown = set()
    for lang in ("fr", "en"):
        with client.session_transaction() as session:
            session["lang"] = lang
        for slug in ROLE_PAGES:
            shown |= set(re.findall(r'src="/static/(help/[^"]+\.png)"',
                                    client.get(f"/aide/{slug}").get_data(as_text=True)))
    assert {Path(path).name for path in shown} >= {
        f"{name}-{lang}.png" for name in ("tablet", "interview", "floor", "dashboard", "lists",
                                          "journal") for lang in ("fr", "en")}
    for path in shown:
        assert (STATIC / path).stat().st_size < 150_000, path
