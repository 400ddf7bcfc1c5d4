"""The reception tablet in headless Chromium: taps, pickers, undo, offline, expired session."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.extensions import db
from app.models import PROFILE_CATEGORIES, FlowEntry, User
from tests.conftest import PASSWORD
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, login, screenshot

pytestmark = pytest.mark.e2e

POINT = "marseille-rdc"
ALL_SENT = "Tout est envoyé"
# reception.js ignores a second tap on the same button within 300 ms (a bounce, not a visitor).
AFTER_DOUBLE_TAP_GUARD_MS = 350


class RecordingServer:
    """The app on its own loopback port, remembering every request that reaches it."""

    def __init__(self, app):
        self.requests: list[str] = []
        self._lock = threading.Lock()

        def recorder(environ, start_response):
            with self._lock:
                self.requests.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            return app(environ, start_response)

        self.server = make_server("127.0.0.1", 0, recorder, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def seen(self) -> int:
        """Return how many requests reached the server so far."""
        with self._lock:
            return len(self.requests)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(app):
    """Serve the app for one test and tell which requests really reached it."""
    running = RecordingServer(app)
    yield running
    running.stop()


@pytest.fixture
def agent(make_user):
    return make_user("agent")


def open_tablet(page, base_url: str, username: str, point: str = POINT) -> None:
    """Log in through the real form and land on the tablet of a reception point."""
    login(page, base_url, username, next_path=f"/accueil/{point}")
    expect(page.locator(".tablet-title")).to_be_visible()
    expect(queue(page)).to_have_text(ALL_SENT)


def expect_delivered(page) -> None:
    """Wait until the server has acknowledged every tap (each shows 'En attente' until then)."""
    expect(page.get_by_test_id("recent-list").locator(".badge-waiting")).to_have_count(0)
    expect(queue(page)).to_have_text(ALL_SENT)


def wait_for(page, condition, what: str) -> None:
    """Give the page up to five seconds to make condition() true."""
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still not true after 5 s: {what}")


def queue(page):
    return page.get_by_test_id("queue-status")


def count(page, destination: str):
    return page.locator(f'[data-count-for="{destination}"]')


def total(page):
    return page.get_by_test_id("total-today")


def tap(page, selector: str) -> None:
    page.locator(selector).tap()


def arrival(page, destination: str) -> None:
    tap(page, f'#arrival-panel [data-destination="{destination}"]')


def chip(page, category: str, code: str) -> None:
    tap(page, f'.chip[data-category="{category}"][data-code="{code}"]')


def recent_rows(page):
    return page.get_by_test_id("recent-list").locator("li")


def open_recent(page) -> None:
    """Open the drawer of the last entries (it keeps the buttons' screen free)."""
    tap(page, "#recent-toggle")
    expect(page.locator("#recent")).to_be_visible()


def tapped_ids(page) -> set[str]:
    """Return the ids of the entries this tablet logged and did not undo (from IndexedDB)."""
    return set(page.evaluate(
        "AffluenceOutbox.storage.all('recent').then(items => items"
        ".filter(i => i.state !== 'undone').map(i => i.id))"))


def stored(app) -> list[dict]:
    """Return every flow entry in the database, as the tests compare them."""
    with app.app_context():
        rows = db.session.scalars(sa.select(FlowEntry)).all()
        result = [{
            "id": str(row.id),
            "kind": row.kind,
            "destination": row.destination_code,
            "from": row.from_pole.code if row.from_pole else None,
            "party": row.party_size,
            "event_type": row.event_type.code if row.event_type else None,
            "profile": {c: getattr(row, c).code for c in PROFILE_CATEGORIES if getattr(row, c)},
            "deleted_by": row.deleted_by_id,
            "author": db.session.get(User, row.created_by_id).username,
        } for row in rows]
        db.session.remove()
        return result


def live(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row["deleted_by"] is None]


def persons_by_destination(rows: list[dict]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in live(rows):
        key = row["destination"] if row["kind"] == "arrival" else f"{row['from']}->{row['destination']}"
        totals[key] = totals.get(key, 0) + row["party"]
    return totals


def kept_for_offline(page) -> None:
    """Wait until the service worker controls the page and holds a copy of it."""
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => caches.match(location.pathname).then(Boolean)", polling=100)


def network_probe(page) -> dict:
    """Try a plain request and one the service worker makes; tell which got through."""
    return page.evaluate("""async () => {
        const attempt = url => fetch(url, {cache: 'no-store'}).then(r => 'answered ' + r.status, () => 'blocked');
        return {page: await attempt('/healthz'), worker: await attempt('/static/js/sw.js?probe=' + Date.now())};
    }""")


def test_arrivals_carry_the_profile_and_party_size_of_the_next_tap_only(app, page, live_server, agent):
    open_tablet(page, live_server.url, agent.username)

    chip(page, "gender", "femme")
    chip(page, "age_band", "16-25")
    chip(page, "first_visit", "oui")
    chip(page, "status", "etudiant")
    tap(page, '.step[data-step="1"]')
    tap(page, '.step[data-step="1"]')
    expect(page.get_by_test_id("party-size")).to_have_text("3")
    arrival(page, "emploi")

    expect(page.locator("#toast")).to_have_text("✓ Enregistré : Emploi · 3 pers.")
    expect(page.locator('.chip[aria-pressed="true"]')).to_have_count(0)
    expect(page.get_by_test_id("party-size")).to_have_text("1")
    expect(page.locator('.step[data-step="-1"]')).to_be_disabled()
    arrival(page, "documentation")
    tap(page, '#arrival-panel [data-picker="event-picker"]')
    expect(page.locator("#event-picker")).to_be_visible()
    screenshot(page, "tablet-portrait-event-picker")
    tap(page, '[data-event-type="atelier"]')
    expect(page.locator("#event-picker")).to_be_hidden()
    tap(page, '#arrival-panel [data-picker="event-picker"]')
    tap(page, '#event-picker [data-event-type=""]')
    tap(page, '#arrival-panel [data-picker="partner-picker"]')
    tap(page, '[data-partner="cidff"]')

    expect(count(page, "emploi")).to_have_text("3")
    expect(count(page, "documentation")).to_have_text("1")
    expect(count(page, "event")).to_have_text("2")
    expect(count(page, "partner")).to_have_text("1")
    expect(total(page)).to_have_text("7")
    expect_delivered(page)
    expect(recent_rows(page)).to_have_count(5)
    expect(recent_rows(page).first).to_contain_text("CIDFF")
    expect(recent_rows(page).locator(".badge-sent")).to_have_count(5)
    screenshot(page, "tablet-portrait")

    rows = {row["destination"] + (":" + row["event_type"] if row["event_type"] else ""): row
            for row in stored(app)}
    assert set(rows) == {"emploi", "documentation", "event:atelier", "event", "partner:cidff"}
    assert rows["emploi"]["party"] == 3
    assert rows["emploi"]["profile"] == {"gender": "femme", "age_band": "16-25",
                                         "first_visit": "oui", "status": "etudiant"}
    assert all(row["profile"] == {} and row["party"] == 1
               for key, row in rows.items() if key != "emploi")
    assert {row["kind"] for row in rows.values()} == {"arrival"}
    assert page.js_errors == []


def test_reorientations_go_from_a_pole_to_another_pole_or_an_outside_organisation(
        app, page, live_server, agent):
    page.set_viewport_size(TABLET_LANDSCAPE)
    open_tablet(page, live_server.url, agent.username)

    tap(page, '[data-mode="reorientation"]')
    expect(page.locator(".chip-row").first).to_be_hidden()
    to_formation = page.locator('[data-reorient-to="formation"]')
    to_emploi = page.locator('[data-reorient-to="emploi"]')
    expect(to_formation).to_be_disabled()
    tap(page, '[data-from="emploi"]')
    expect(page.locator('[data-from="emploi"]')).to_have_attribute("aria-pressed", "true")
    expect(to_emploi).to_be_disabled()
    expect(to_formation).to_be_enabled()
    screenshot(page, "tablet-landscape-reorientation")
    to_formation.tap()
    expect(page.locator("#toast")).to_have_text("✓ Enregistré : Emploi → Formation")
    expect(to_formation).to_be_disabled()

    tap(page, '[data-from="orientation"]')
    tap(page, "[data-reorient-partner]")
    expect(page.locator("#partner-picker")).to_be_visible()
    screenshot(page, "tablet-landscape-partner-picker")
    tap(page, '[data-partner="mission-locale"]')
    expect(page.locator("#partner-picker")).to_be_hidden()

    expect(page.get_by_test_id("reorientations-today")).to_have_text("2")
    expect(total(page)).to_have_text("0")
    expect_delivered(page)
    rows = stored(app)
    assert sorted((row["kind"], row["from"], row["destination"]) for row in rows) == [
        ("reorientation", "emploi", "formation"),
        ("reorientation", "orientation", "partner:mission-locale"),
    ]
    tap(page, '[data-mode="arrival"]')
    expect(page.locator(".chip-row").first).to_be_visible()
    screenshot(page, "tablet-landscape")
    assert page.js_errors == []


def test_a_double_tap_logs_one_arrival_and_a_second_tap_later_logs_another(
        app, page, live_server, agent):
    open_tablet(page, live_server.url, agent.username)

    page.locator('#arrival-panel [data-destination="cyber"]').dblclick()
    expect(count(page, "cyber")).to_have_text("1")
    page.wait_for_timeout(AFTER_DOUBLE_TAP_GUARD_MS)
    arrival(page, "cyber")

    expect(count(page, "cyber")).to_have_text("2")
    expect_delivered(page)
    assert [row["destination"] for row in stored(app)] == ["cyber", "cyber"]
    assert page.js_errors == []


def test_feedback_comes_before_the_server_answers(app, page, live_server, agent):
    open_tablet(page, live_server.url, agent.username)
    held = []
    page.route("**/api/v1/entries", lambda route: held.append(route))

    arrival(page, "emploi")
    wait_for(page, lambda: held, "the tablet sends the entry")

    # The request is on its way and unanswered, yet the agent already sees the tap counted.
    assert held[0].request.method == "POST" and stored(app) == []
    expect(page.locator("#toast")).to_have_text("✓ Enregistré : Emploi")
    expect(count(page, "emploi")).to_have_text("1")
    expect(total(page)).to_have_text("1")
    expect(recent_rows(page).first.locator(".badge")).to_have_text("En attente")
    expect(queue(page)).to_have_text("1 en attente d'envoi")
    assert len(held) == 1 and stored(app) == []

    held[0].continue_()
    page.unroute("**/api/v1/entries")
    expect(recent_rows(page).first.locator(".badge")).to_have_text("Envoyé")
    expect_delivered(page)
    expect(count(page, "emploi")).to_have_text("1")
    assert len(stored(app)) == 1
    assert page.js_errors == []


def test_undo_takes_a_recent_entry_back_on_the_server_and_in_the_counts(
        app, page, live_server, agent):
    open_tablet(page, live_server.url, agent.username)
    arrival(page, "cyber")
    tap(page, '.step[data-step="1"]')
    arrival(page, "documentation")
    expect_delivered(page)
    expect(total(page)).to_have_text("3")
    expect(page.get_by_test_id("point-today")).to_have_text("3")

    open_recent(page)
    newest = recent_rows(page).first
    expect(newest).to_contain_text("Documentation · 2 pers.")
    newest.get_by_role("button", name="Annuler").tap()

    expect(newest.locator(".badge")).to_have_text("Annulé")
    expect(newest.get_by_role("button", name="Annuler")).to_have_count(0)
    expect(count(page, "documentation")).to_have_text("0")
    expect(total(page)).to_have_text("1")
    expect(page.get_by_test_id("point-today")).to_have_text("1")
    wait_for(page, lambda: any(row["deleted_by"] for row in stored(app)), "the server applies the undo")
    rows = {row["destination"]: row for row in stored(app)}
    assert rows["documentation"]["deleted_by"] == agent.id
    assert rows["cyber"]["deleted_by"] is None

    page.reload()  # the counts now come from the server alone
    expect(total(page)).to_have_text("1")
    expect(page.get_by_test_id("point-today")).to_have_text("1")
    expect(count(page, "cyber")).to_have_text("1")
    expect(count(page, "documentation")).to_have_text("0")
    expect(recent_rows(page).first.locator(".badge")).to_have_text("Annulé")
    assert page.js_errors == []


def test_an_entry_undone_before_it_left_the_tablet_never_reaches_the_server(
        app, context, page, live_server, agent):
    open_tablet(page, live_server.url, agent.username)
    context.set_offline(True)
    arrival(page, "emploi")
    arrival(page, "desk")
    expect(queue(page)).to_have_text("2 en attente d'envoi")

    open_recent(page)
    recent_rows(page).first.get_by_role("button", name="Annuler").tap()
    expect(queue(page)).to_have_text("1 en attente d'envoi")
    expect(count(page, "desk")).to_have_text("0")
    context.set_offline(False)

    expect_delivered(page)
    rows = stored(app)
    assert [(row["destination"], row["deleted_by"]) for row in rows] == [("emploi", None)]
    assert page.js_errors == []


def test_taps_survive_going_offline_and_a_reload_and_reach_the_server_once_each(
        app, context, page, server, agent):
    open_tablet(page, server.url, agent.username)
    kept_for_offline(page)
    # Online: three arrivals, one of a group of three.
    arrival(page, "emploi")
    tap(page, '.step[data-step="1"]')
    tap(page, '.step[data-step="1"]')
    arrival(page, "documentation")
    arrival(page, "formation")
    expect_delivered(page)

    context.set_offline(True)
    requests_before = server.seen()
    assert network_probe(page) == {"page": "blocked", "worker": "blocked"}
    expect(page.locator("#net-status")).to_have_text("Hors ligne")
    # Offline: two arrivals and a reorientation.
    arrival(page, "cyber")
    chip(page, "gender", "homme")
    arrival(page, "desk")
    tap(page, '[data-mode="reorientation"]')
    tap(page, '[data-from="emploi"]')
    tap(page, '[data-reorient-to="creation"]')
    tap(page, '[data-mode="arrival"]')
    expect(queue(page)).to_have_text("3 en attente d'envoi")
    expect(total(page)).to_have_text("7")

    page.reload()  # still offline: the service worker serves the page, IndexedDB the queue
    expect(page.locator(".tablet-title")).to_have_text("Accueil rez-de-chaussée")
    expect(queue(page)).to_have_text("3 en attente d'envoi")
    expect(page.locator("#net-status")).to_have_text("Hors ligne")
    expect(total(page)).to_have_text("7")
    expect(count(page, "documentation")).to_have_text("3")
    expect(page.get_by_test_id("reorientations-today")).to_have_text("1")
    expect(recent_rows(page).locator(".badge-waiting")).to_have_count(3)
    expect(recent_rows(page).locator(".badge-sent")).to_have_count(3)
    screenshot(page, "tablet-offline-after-reload")
    # Still offline after the reload: one more arrival, a pair.
    tap(page, '.step[data-step="1"]')
    arrival(page, "creation")
    expect(queue(page)).to_have_text("4 en attente d'envoi")
    expect(total(page)).to_have_text("9")
    assert server.seen() == requests_before, server.requests[requests_before:]
    assert len(stored(app)) == 3

    context.set_offline(False)

    expect_delivered(page)
    expect(page.locator("#net-status")).to_have_text("En ligne")
    rows = stored(app)
    assert len(rows) == 7
    assert {row["id"] for row in rows} == tapped_ids(page)
    assert persons_by_destination(rows) == {
        "emploi": 1, "documentation": 3, "formation": 1, "cyber": 1, "desk": 1, "creation": 2,
        "emploi->creation": 1,
    }
    assert sum(row["party"] for row in rows if row["kind"] == "arrival") == 9
    assert [row["profile"] for row in rows if row["destination"] == "desk"] == [{"gender": "homme"}]
    assert {row["author"] for row in rows} == {agent.username}
    expect(total(page)).to_have_text("9")
    expect(recent_rows(page).locator(".badge-sent")).to_have_count(7)
    assert page.js_errors == []


@pytest.mark.parametrize("session_ends_by", ["logout-in-another-tab", "cookies-cleared"])
def test_an_expired_session_keeps_the_queue_and_sends_it_once_after_a_new_login(
        app, context, page, live_server, agent, session_ends_by):
    open_tablet(page, live_server.url, agent.username)
    arrival(page, "emploi")
    expect_delivered(page)
    if session_ends_by == "logout-in-another-tab":
        other = context.new_page()
        other.goto(f"{live_server.url}/accueil-du-jour")
        other.get_by_role("button", name="Déconnexion").click()
        expect(other.locator("input[name=username]")).to_be_visible()
        other.close()
    else:
        context.clear_cookies()

    arrival(page, "cyber")
    arrival(page, "desk")

    banner = page.locator("#session-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Session expirée")
    expect(queue(page)).to_have_text("2 en attente d'envoi")
    expect(total(page)).to_have_text("3")
    screenshot(page, f"tablet-session-expired-{session_ends_by}")
    assert len(stored(app)) == 1

    banner.get_by_role("link", name="Se reconnecter").click()
    page.fill("input[name=username]", agent.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/accueil/{POINT}")
    expect_delivered(page)
    expect(page.locator("#session-banner")).to_be_hidden()
    rows = stored(app)
    assert sorted(row["destination"] for row in rows) == ["cyber", "desk", "emploi"]
    assert {row["id"] for row in rows} == tapped_ids(page)
    expect(total(page)).to_have_text("3")
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["portrait", "landscape"])
def test_every_control_is_large_enough_to_tap_and_nothing_needs_zooming(
        page, live_server, agent, viewport):
    page.set_viewport_size(viewport)
    open_tablet(page, live_server.url, agent.username)
    arrival(page, "emploi")  # so the recent list has its undo button
    expect_delivered(page)
    too_small = """() => Array.from(document.querySelectorAll('button, a, [role=button]'))
        .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
        .map(el => [el.textContent.trim() || el.getAttribute('aria-label'), el.getBoundingClientRect()])
        .filter(([, r]) => r.width < 48 || r.height < 48)
        .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""

    assert page.evaluate(too_small) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for mode in ("reorientation", "arrival"):
        tap(page, f'[data-mode="{mode}"]')
        assert page.evaluate(too_small) == []
    open_recent(page)
    expect(recent_rows(page).get_by_role("button", name="Annuler")).to_have_count(1)
    assert page.evaluate(too_small) == []
    page.keyboard.press("Escape")
    expect(page.locator("#recent")).to_be_hidden()
    tap(page, '#arrival-panel [data-picker="partner-picker"]')
    assert page.evaluate(too_small) == []
    assert page.js_errors == []


def test_a_director_chooses_among_the_reception_points_of_the_site(page, live_server, make_user):
    director = make_user("director")
    page.goto(f"{live_server.url}/login")
    screenshot(page, "login-portrait")
    login(page, live_server.url, director.username, next_path="/accueil/")

    tiles = page.locator(".tiles-points .tile")
    expect(tiles).to_have_count(3)
    expect(tiles).to_contain_text(["Accueil rez-de-chaussée", "Accueil 1er étage", "Accueil 2e étage"])
    expect(page.locator(".site-title")).to_have_text(["Cité des Métiers de Marseille"])
    screenshot(page, "reception-point-chooser")
    tiles.filter(has_text="1er étage").tap()

    expect(page.locator(".tablet-title")).to_have_text("Accueil 1er étage")
    expect_delivered(page)
    assert page.js_errors == []
