"""The reception tablet's layout in Chromium: one screen on a tablet, whole words on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.test_tablet import POINT, arrival, open_recent, tap

pytestmark = pytest.mark.e2e

TABLETS = {"landscape-1024x768": (1024, 768), "portrait-768x1024": (768, 1024),
           "portrait-800x1280": (800, 1280)}
PHONE = {"width": 390, "height": 844}

# Where each element lies, and whether it is wholly inside the window (no scrolling needed).
OUTSIDE_VIEWPORT = """selector => Array.from(document.querySelectorAll(selector))
    .filter(el => el.getClientRects().length)
    .map(el => [el.getAttribute('data-destination') || el.getAttribute('data-from')
                || el.getAttribute('data-reorient-to') || el.id || el.className,
                el.getBoundingClientRect()])
    .filter(([, r]) => r.top < 0 || r.left < 0 || r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5)
    .map(([name, r]) => `${name}: ${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)}`)"""

# A word split over two lines has two boxes: list every word of a label that does.
SPLIT_WORDS = """selector => {
    const split = [];
    document.querySelectorAll(selector).forEach(label => {
        const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.textContent.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
                if (lines.size > 1) { split.push(match[0]); }
            }
        }
    });
    return split;
}"""

# Pairs of boxes that overlap in an entry of the last-entries list.
COLLISIONS = """() => {
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const found = [];
    document.querySelectorAll('#recent-list li').forEach(li => {
        const what = li.querySelector('.recent-what');
        const range = document.createRange();
        range.selectNodeContents(what);
        const text = Array.from(range.getClientRects());
        li.querySelectorAll('.badge, .btn-undo, .recent-time').forEach(other => {
            const box = other.getBoundingClientRect();
            if (overlap(what.getBoundingClientRect(), box) || text.some(r => overlap(r, box))) {
                found.push(`${what.textContent} / ${other.textContent}`);
            }
        });
    });
    return found;
}"""


@pytest.fixture
def agent(make_user):
    return make_user("agent")


def expect_delivered(page) -> None:
    """Wait until the server has acknowledged every tap, in either language."""
    expect(page.get_by_test_id("recent-list").locator(".badge-waiting")).to_have_count(0)
    expect(page.get_by_test_id("queue-status")).to_have_class(re.compile("pill-done"))


def open_tablet_in(page, base_url: str, username: str, lang: str) -> None:
    login(page, base_url, username, next_path=f"/accueil/{POINT}")
    page.goto(f"{base_url}/accueil/{POINT}?lang={lang}")
    expect(page.locator(".tablet-title")).to_be_visible()
    expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé" if lang == "fr" else "All sent")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", list(TABLETS), ids=list(TABLETS))
def test_every_destination_the_status_and_the_stepper_fit_without_scrolling(
        page, live_server, agent, size, lang):
    width, height = TABLETS[size]
    page.set_viewport_size({"width": width, "height": height})
    open_tablet_in(page, live_server.url, agent.username, lang)

    destinations = page.locator("#arrival-panel .dest")
    expect(destinations).to_have_count(9)
    assert page.evaluate(OUTSIDE_VIEWPORT, "#arrival-panel .dest") == []
    assert page.evaluate(OUTSIDE_VIEWPORT, "#net-status, #queue-status, .stepper, .stepper button") == []
    assert page.evaluate(OUTSIDE_VIEWPORT, "#recent-toggle, .seg") == []
    # Nothing hidden below the fold either: neither the page nor its main area scrolls.
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    assert page.evaluate("(m => m.scrollHeight <= m.clientHeight)(document.getElementById('main'))")

    tap(page, '[data-mode="reorientation"]')
    assert page.evaluate(OUTSIDE_VIEWPORT, "#reorientation-panel .dest") == []
    assert page.evaluate(OUTSIDE_VIEWPORT, ".stepper button, #reorientations-today") == []
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}, PHONE],
                         ids=["landscape", "portrait", "phone"])
def test_all_eight_situations_are_in_sight_without_a_fade_or_a_sideways_scroll(
        page, live_server, agent, viewport):
    page.set_viewport_size(viewport)
    open_tablet_in(page, live_server.url, agent.username, "fr")
    situations = page.locator('.chip[data-category="status"]')
    expect(situations).to_have_count(8)

    row = page.locator(".chip-row-status")
    row.scroll_into_view_if_needed()
    assert row.evaluate("r => r.scrollWidth <= r.clientWidth && getComputedStyle(r).overflowX === 'visible'")
    assert row.evaluate("r => ['none', ''].includes(getComputedStyle(r).maskImage || getComputedStyle(r).webkitMaskImage || 'none')")
    for index in range(8):
        chip = situations.nth(index)
        chip.scroll_into_view_if_needed()
        # The chip itself answers at its centre: nothing covers it, nothing clips it.
        assert chip.evaluate("""c => { const r = c.getBoundingClientRect();
            return r.left >= 0 && r.right <= innerWidth
                && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === c; }"""), index
    situations.last.tap()
    expect(situations.last).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_on_a_phone_labels_keep_whole_words_and_last_entries_never_run_into_their_badges(
        page, live_server, agent, lang):
    page.set_viewport_size(PHONE)
    open_tablet_in(page, live_server.url, agent.username, lang)

    assert page.evaluate(SPLIT_WORDS, ".dest-label, .seg, .chip, .recent-toggle") == []
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    for destination in ("documentation", "desk", "cyber", "emploi"):
        arrival(page, destination)
        page.wait_for_timeout(350)  # past the double-tap guard
    tap(page, '#arrival-panel [data-picker="partner-picker"]')
    tap(page, '[data-partner="fongecif"]')
    tap(page, ".step[data-step='10']")
    tap(page, '#arrival-panel [data-picker="event-picker"]')
    tap(page, '#event-picker .chip-big >> nth=0')
    expect_delivered(page)

    open_recent(page)
    expect(page.get_by_test_id("recent-list").locator("li")).to_have_count(6)
    assert page.evaluate(COLLISIONS) == []
    assert page.evaluate(SPLIT_WORDS, ".recent-time, .badge, .btn-undo") == []
    assert page.evaluate(OUTSIDE_VIEWPORT, "#recent .btn") == []
    assert page.js_errors == []


def test_the_counts_give_this_point_apart_from_the_whole_site(app, page, live_server, agent):
    page.set_viewport_size({"width": 1024, "height": 768})
    open_tablet_in(page, live_server.url, agent.username, "fr")
    # An arrival at another reception point of the same site, sent by another tablet.
    answer = page.evaluate("""() => AffluenceOutbox.postJSON('/api/v1/entries', {entries: [{
        id: AffluenceOutbox.uuid4(), kind: 'arrival', occurred_at: new Date().toISOString(),
        reception_point: 'marseille-1', destination: 'cyber', party_size: 4}]}).then(r => r.state)""")
    assert answer == "ok"
    arrival(page, "emploi")
    expect_delivered(page)
    page.evaluate("AffluenceTablet.refreshCounts()")

    expect(page.get_by_test_id("total-today")).to_have_text("5")
    expect(page.get_by_test_id("point-today")).to_have_text("1")
    page.reload()
    expect(page.get_by_test_id("total-today")).to_have_text("5")
    expect(page.get_by_test_id("point-today")).to_have_text("1")
    assert page.js_errors == []


def test_the_points_figure_comes_from_the_server_when_it_breaks_the_site_down(page, live_server, agent):
    """The counts API may give persons per reception point (by_point): the tablet shows it."""
    def with_points(route):
        answer = route.fetch()
        counts = answer.json()
        # Seven persons logged here by another tablet, on top of what the site really holds.
        counts["by_point"] = {POINT: counts["total"] + 7, "marseille-1": 30}
        route.fulfill(response=answer, json=counts)

    page.route("**/api/v1/counts*", with_points)
    open_tablet_in(page, live_server.url, agent.username, "fr")
    expect(page.get_by_test_id("point-today")).to_have_text("7")
    expect(page.locator("#point-today-label")).to_have_text("ce point")
    arrival(page, "cyber")  # counted at once, before the server's next figure
    expect(page.get_by_test_id("point-today")).to_have_text("8")
    expect_delivered(page)
    page.evaluate("AffluenceTablet.refreshCounts()")
    expect(page.get_by_test_id("point-today")).to_have_text("8")
    expect(page.get_by_test_id("total-today")).to_have_text("1")
    assert page.js_errors == []
