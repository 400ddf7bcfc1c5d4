"""A centre's tablet shows only what the centre offers, and follows the administrator's
change on its own (issue 10): no reinstall, no one reloading it by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import FlowEntry, Site
from app.network.services import set_services
from tests.e2e.conftest import TABLET_LANDSCAPE, login, screenshot

pytestmark = pytest.mark.e2e

POINT = "gap-accueil"


def offer(app, codes):
    with app.app_context():
        gap = db.session.scalar(sa.select(Site).where(Site.code == "gap"))
        set_services(None, gap, codes)
        db.session.remove()


def test_the_tablet_takes_the_new_service_list_without_losing_a_tap(app, page, live_server,
                                                                    make_user, monkeypatch):
    monkeypatch.setitem(app.config, "TABLET_RELOAD_IDLE_SECONDS", 1)
    offer(app, ["emploi", "orientation", "formation", "creation", "documentation", "cyber"])
    agent = make_user("agent", site="gap")
    page.set_viewport_size(TABLET_LANDSCAPE)
    login(page, live_server.url, agent.username, next_path=f"/accueil/{POINT}")
    buttons = page.locator("#arrival-panel [data-destination]")
    expect(page.locator('#arrival-panel [data-destination="cyber"]')).to_be_visible()
    expect(page.locator('#arrival-panel [data-destination="desk"]')).to_have_count(0)
    page.locator('#arrival-panel [data-destination="cyber"]').tap()
    expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")

    # The administrator drops the cyber space and the business pole, adds the desk.
    offer(app, ["emploi", "orientation", "formation", "documentation", "desk"])
    page.evaluate("window.AffluenceTablet.refreshCounts()")  # the minute's poll, sooner
    expect(page.locator('#arrival-panel [data-destination="desk"]')).to_be_visible(timeout=15_000)
    expect(page.locator('#arrival-panel [data-destination="cyber"]')).to_have_count(0)
    expect(page.locator('#arrival-panel [data-destination="creation"]')).to_have_count(0)
    assert sorted(buttons.evaluate_all("bs => bs.map(b => b.dataset.destination)")) == [
        "desk", "documentation", "emploi", "formation", "orientation"]
    # The tap made before the change is still counted, on the server and on the tablet.
    expect(page.get_by_test_id("total-today")).to_have_text("1")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry)) == 1
        db.session.remove()
    assert page.js_errors == []
    screenshot(page, "tablet-gap-reduced")
