"""The floor, live, in headless Chromium at tablet size (issue 11): the tablet's pole buttons
follow a counsellor's interview, an agent does a round on a reminder, the exit kiosk takes
answers and survives a child's burst."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.floor.services import set_schedule
from app.models import OccupancyCount, OccupancyRound, SatisfactionAnswer, Site, Space
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, login, screenshot

pytestmark = pytest.mark.e2e


@contextmanager
def configured(app, **values):
    """Run with some config values changed (the live server shares the app)."""
    missing = object()
    before = {key: app.config.get(key, missing) for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is missing:
                app.config.pop(key)
            else:
                app.config[key] = value


@pytest.fixture
def new_page(browser, live_server):
    """Open tablet-sized pages, each in a browser profile of its own (another device)."""
    contexts = []

    def opener(viewport):
        context = browser.new_context(viewport=viewport, has_touch=True, locale="fr-FR",
                                      timezone_id="Europe/Paris")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return context, page

    yield opener
    for context in contexts:
        context.close()
    # The pages poll: let their last requests end before the next test empties the tables.
    live_server.wait_idle()


def test_the_tablets_pole_buttons_follow_a_counsellors_interview(app, new_page, live_server, make_user):
    counsellor = make_user("counsellor", pole="emploi", partner="france-travail")
    agent = make_user("agent")
    with configured(app, FLOOR_POLL_SECONDS=1):
        desk_context, desk = new_page(TABLET_LANDSCAPE)
        login(desk, live_server.url, agent.username, next_path="/accueil/marseille-rdc")
        emploi = desk.get_by_test_id("pole-status-emploi")
        expect(emploi).to_have_text("Personne de disponible")

        # The agent sends a visitor to the pole: one waits.
        desk.tap('#arrival-panel [data-destination="emploi"]')
        expect(emploi).to_contain_text("≈ 1 en attente")

        office_context, office = new_page(TABLET_PORTRAIT)
        login(office, live_server.url, counsellor.username, next_path="/entretiens/nouveau")
        office.tap('[data-status="available"]')
        expect(office.locator('[data-status="available"]')).to_have_attribute("aria-pressed", "true")
        expect(emploi).to_contain_text("1 dispo.")

        office.tap("#start-interview")
        expect(office.locator('[data-status="in_interview"]')).to_have_attribute("aria-pressed", "true")
        # Busy with the visitor who waited: nobody free, nobody waiting.
        expect(emploi).to_have_text("Personne de disponible · 1 en entretien")
        screenshot(desk, "floor-tablet-interview-under-way")

        office.tap("label[for=theme-cv-candidature]")
        office.tap("#submit-interview")
        expect(office.locator("#confirmation")).to_have_text("Entretien enregistré.")
        expect(office.locator('[data-status="available"]')).to_have_attribute("aria-pressed", "true")
        expect(emploi).to_have_text("1 dispo.")
        assert desk.js_errors == [] and office.js_errors == []


def test_an_agent_does_a_round_when_the_tablet_reminds_her(app, new_page, live_server, make_user):
    agent = make_user("agent")
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.code == "marseille"))
        # A round every quarter of an hour, all day: one is due whenever the test runs.
        set_schedule(site.id, 15, 0, 23)
        spaces = db.session.scalars(sa.select(Space.code).where(Space.site_id == site.id,
                                                                Space.active)).all()
        db.session.remove()
    context, page = new_page(TABLET_PORTRAIT)
    login(page, live_server.url, agent.username, next_path="/accueil/marseille-rdc")
    button = page.get_by_test_id("round-toggle")
    expect(button).to_have_class("btn round-toggle round-due")
    expect(button).to_contain_text("à faire")
    expect(page.get_by_test_id("round-reminder")).to_contain_text("Tournée d'occupation de")

    button.tap()
    dialog = page.locator("#round-dialog")
    expect(dialog).to_be_visible()
    screenshot(page, "floor-round-dialog")
    page.get_by_test_id("count-cyber").fill("7")
    plus = page.locator('[data-space="documentation"] [data-round-step="1"]')
    for _tap in range(3):
        plus.tap()
    page.locator('[data-space="documentation"] [data-round-step="-1"]').tap()
    page.get_by_test_id("round-save").tap()
    expect(dialog).to_be_hidden()
    # Done: the reminder is gone until the next quarter of an hour.
    expect(button).not_to_have_class("btn round-toggle round-due")
    expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")

    def stored():
        with app.app_context():
            rows = db.session.execute(
                sa.select(Space.code, OccupancyCount.people)
                .join(OccupancyCount, OccupancyCount.space_id == Space.id)).all()
            rounds = db.session.scalar(sa.select(sa.func.count()).select_from(OccupancyRound))
            db.session.remove()
        return rounds, dict(rows)

    page.wait_for_function("() => true")
    for _attempt in range(50):
        rounds, counts = stored()
        if rounds:
            break
        page.wait_for_timeout(100)
    assert rounds == 1
    # Every space counted, zeros included.
    assert counts == {**{code: 0 for code in spaces}, "cyber": 7, "documentation": 2}
    assert page.js_errors == []


def test_the_exit_kiosk_takes_answers_and_survives_a_burst(app, new_page, live_server, make_user):
    kiosk = make_user("kiosk")
    director = make_user("director")
    # A short thank-you so the burst is quick; a long gap so every tap of it is too close.
    with configured(app, KIOSK_THANKS_SECONDS=0.2, KIOSK_MIN_GAP_SECONDS=60):
        context, page = new_page(TABLET_LANDSCAPE)
        login(page, live_server.url, kiosk.username)
        assert page.url.endswith("/borne")
        page.locator('[data-pole="emploi"]').tap()
        page.get_by_test_id("score-4").tap()
        expect(page.get_by_test_id("kiosk-thanks")).to_be_visible()
        expect(page.get_by_test_id("kiosk-thanks")).to_contain_text("Merci")
        screenshot(page, "floor-kiosk-thanks")
        expect(page.get_by_test_id("score-1")).to_be_visible()  # reset for the next visitor
        expect(page.locator('[data-pole="emploi"]')).to_have_attribute("aria-pressed", "false")

        # A child taps again and again.
        for _tap in range(8):
            page.get_by_test_id("score-1").tap()
            expect(page.get_by_test_id("score-1")).to_be_visible()
        # Nothing else is reachable from the kiosk's account.
        response = page.request.get(live_server.url + "/statistiques/jour")
        assert response.status == 403

        def counted():
            with app.app_context():
                rows = dict(db.session.execute(
                    sa.select(SatisfactionAnswer.throttled, sa.func.count())
                    .group_by(SatisfactionAnswer.throttled)).all())
                db.session.remove()
            return rows

        for _attempt in range(100):
            if sum(counted().values()) == 9:
                break
            page.wait_for_timeout(100)
        assert counted() == {False: 1, True: 8}
        assert page.js_errors == []
    
    # The director sees the one answer and the eight refused taps, apart.
    context, page = new_page(TABLET_LANDSCAPE)
    login(page, live_server.url, director.username, next_path="/statistiques/tableau-de-bord")
    expect(page.get_by_test_id("satisfaction-summary")).to_contain_text("1 réponse")
    expect(page.get_by_test_id("satisfaction-summary")).to_contain_text("4 sur 4")
    expect(page.get_by_test_id("satisfaction-throttled")).to_contain_text("8 appuis refusés")


def test_the_floor_boards_pole_table_follows_a_tap_without_a_reload(app, new_page, live_server, make_user):
    agent = make_user("agent")
    with configured(app, FLOOR_BOARD_REFRESH_SECONDS=1):
        _context, board = new_page(TABLET_LANDSCAPE)
        login(board, live_server.url, agent.username, next_path="/statistiques/jour")
        board.evaluate("() => { window.notReloaded = true; }")
        now_row = board.locator('[data-testid="floor-poles-now"] tr[data-code="orientation"] td').nth(2)
        expect(now_row).to_have_text("0")
        _context2, desk = new_page(TABLET_PORTRAIT)
        login(desk, live_server.url, agent.username, next_path="/accueil/marseille-rdc")
        desk.tap('#arrival-panel [data-destination="orientation"]')
        expect(desk.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")
        # The board reads itself again every minute (every second here).
        expect(now_row).to_have_text("1")
        assert board.evaluate("() => window.notReloaded === true")
