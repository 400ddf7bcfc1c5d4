"""One bad item never blocks a tablet's queue, and a refused item stays in sight (issue 7)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import FlowEntry
from app.timeutil import utcnow
from tests.e2e.conftest import login
from tests.e2e.test_tablet import agent, arrival, open_tablet, queue  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

POINT = "marseille-rdc"


def stored_ids(app) -> set[str]:
    with app.app_context():
        ids = {str(i) for i in db.session.scalars(sa.select(FlowEntry.id))}
        db.session.remove()
        return ids


def wait_until(page, condition, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still not true after {seconds} s: {what}")


def queue_item(page, body: dict) -> None:
    """Put an item at the head of the tablet's queue, as if tapped a minute ago."""
    page.evaluate("""body => AffluenceOutbox.storage.put('entries',
        {id: body.id, body: body, queuedAt: Date.now() - 60000})""", body)


def entry(**overrides) -> dict:
    return {"id": str(uuid.uuid4()), "kind": "arrival", "occurred_at": utcnow().isoformat(),
            "reception_point": POINT, "destination": "emploi", "party_size": 1, **overrides}


def test_an_item_that_breaks_the_server_does_not_hold_back_the_taps_behind_it(app, page, live_server, agent):
    """The server fails (500) on any request carrying the poison: the good taps still go."""
    open_tablet(page, live_server.url, agent.username)
    poison = entry(destination="cyber")
    sent_with_poison: list[float] = []

    def server_breaks_on_poison(route):
        body = route.request.post_data or ""
        if poison["id"] in body:
            sent_with_poison.append(time.monotonic())
            route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")
        else:
            route.continue_()

    page.route("**/api/v1/entries", server_breaks_on_poison)
    queue_item(page, poison)
    for destination in ("emploi", "formation", "documentation"):
        arrival(page, destination)
        page.wait_for_timeout(60)

    wait_until(page, lambda: len(stored_ids(app)) == 3, "the three taps behind the poison stored")
    assert poison["id"] not in stored_ids(app)
    # The poison is still kept on the tablet, waiting with a growing delay, not dropped...
    expect(queue(page)).to_contain_text("1")
    page.wait_for_timeout(3000)
    tries = len(sent_with_poison)
    assert 2 <= tries <= 5, f"the poison was sent {tries} times in a few seconds"
    # ...and once the server can take it, it goes through like any other.
    page.unroute("**/api/v1/entries")
    page.evaluate("AffluenceOutbox.storage.put('entries', Object.assign({}, "
                  "{id: %s, body: %s, queuedAt: Date.now()}))" % (json.dumps(poison["id"]), json.dumps(poison)))
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, lambda: poison["id"] in stored_ids(app), "the poison stored once the server takes it")
    expect(queue(page)).to_have_text("Tout est envoyé")


def test_a_cut_in_mid_flight_on_one_item_does_not_hold_back_the_others(app, page, live_server, agent):
    """The connection drops on every request carrying the poison (a worker killed by it)."""
    open_tablet(page, live_server.url, agent.username)
    poison = entry(destination="desk")
    page.route("**/api/v1/entries",
               lambda route: route.abort("connectionreset") if poison["id"] in (route.request.post_data or "")
               else route.continue_())
    queue_item(page, poison)
    arrival(page, "emploi")
    page.wait_for_timeout(60)
    arrival(page, "creation")

    wait_until(page, lambda: len(stored_ids(app)) == 2, "both taps stored despite the cut", seconds=15)
    expect(queue(page)).to_contain_text("1")


def test_a_refused_entry_is_listed_with_its_reason_until_dismissed(app, page, live_server, agent):
    open_tablet(page, live_server.url, agent.username)
    refused = entry(occurred_at="0001-01-01T00:00:00+01:00")
    queue_item(page, refused)
    arrival(page, "emploi")

    box = page.locator('[data-outbox-refused="entries"]')
    expect(box).to_be_visible()
    expect(box.locator("li")).to_have_count(1)
    expect(box.locator("li")).to_contain_text("occurred_at")
    expect(box.locator("li")).to_contain_text("trop ancienne")
    wait_until(page, lambda: len(stored_ids(app)) == 1, "the good tap stored")
    expect(queue(page)).to_have_text("Tout est envoyé")

    page.reload()
    expect(box.locator("li")).to_have_count(1)  # kept on the tablet, not a passing message
    box.get_by_role("button").click()
    expect(box).to_be_hidden()
    page.reload()
    expect(page.locator(".tablet-title")).to_be_visible()
    expect(box).to_be_hidden()


def test_a_refused_interview_is_listed_on_the_form_with_its_reason(app, page, live_server, make_user):
    user = make_user("counsellor", pole="emploi", partner="france-travail")
    login(page, live_server.url, user.username, next_path="/entretiens/nouveau")
    expect(page.locator("#submit-interview")).to_be_visible()
    refused = {"id": str(uuid.uuid4()), "started_at": "9999-12-31T23:59:59-01:00", "duration_min": 30,
               "channel": "in_person", "pole": "emploi", "partner": "france-travail",
               "themes": [], "outcomes": [], "note": ""}
    page.evaluate("""body => AffluenceOutbox.storage.put('interviews',
        {id: body.id, body: body, queuedAt: Date.now() - 60000})""", refused)
    page.evaluate("window.dispatchEvent(new Event('online'))")

    box = page.locator('[data-outbox-refused="interviews"]')
    expect(box).to_be_visible()
    expect(box.locator("li")).to_contain_text("started_at")
    expect(box.locator("li")).to_contain_text("futur")
    page.reload()
    expect(box.locator("li")).to_have_count(1)
