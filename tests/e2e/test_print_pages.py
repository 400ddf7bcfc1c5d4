"""The dashboard and the floor board printed from Chromium: figures and filters in words,
no navigation, no filter form, shaded cells in colour."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import login
from tests.test_stats import Builder

pytestmark = pytest.mark.e2e


def _printed_text(page) -> str:
    content = page.pdf(format="A4", landscape=True, print_background=True)
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(content)).pages))


def _print_style(page, selector: str, prop: str) -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({selector!r}))[{prop!r}]")


def test_dashboard_prints_its_figures_and_filters_without_its_tools(page, live_server,
                                                                    make_user, app):
    director = make_user("director")
    build = Builder(app)
    build.entry("2025-03-03T10:00:00+01:00", "emploi", party=40)
    build.entry("2025-06-02T11:30:00+02:00", "emploi", site="gap", party=5)
    login(page, live_server.url, director.username)
    page.goto(f"{live_server.url}/statistiques/tableau-de-bord?start=2025-01-01"
              "&end=2025-12-31&site=marseille")
    page.wait_for_selector("canvas[data-rendered]")
    page.emulate_media(media="print")
    assert _print_style(page, ".topbar", "display") == "none"
    assert _print_style(page, "form.filters", "display") == "none"
    heat = "[data-testid=heatmap] td.heat-5"
    assert _print_style(page, heat, "backgroundColor") == "rgb(20, 58, 102)"
    assert _print_style(page, heat, "printColorAdjust") == "exact"
    text = _printed_text(page)
    assert ("Du 1 janvier 2025 au 31 décembre 2025 · Cité des Métiers de Marseille · "
            "Tous les pôles") in text
    assert "Déconnexion" not in text and "Appliquer" not in text
    assert "Tableau de bord" in text


def test_floor_board_prints_without_its_tools(page, live_server, make_user, app):
    agent = make_user("agent")
    Builder(app).entry("2025-06-02T10:15:00+02:00", "emploi", party=3)
    login(page, live_server.url, agent.username)
    page.goto(f"{live_server.url}/statistiques/jour?date=2025-06-02")
    page.wait_for_selector("#chart-floor-hours")
    page.emulate_media(media="print")
    assert _print_style(page, ".floor-body", "backgroundColor") == "rgb(255, 255, 255)"
    text = _printed_text(page)
    assert "Tableau du jour · Cité des Métiers de Marseille" in text
    assert "Lundi 2 juin 2025" in text or "lundi 2 juin 2025" in text.lower()
    assert "Déconnexion" not in text and "Plein écran" not in text
