"""Accessibility in headless Chromium: axe-core on every page, as each role, and the reception
tablet at 200 % zoom.

axe-core comes from the npm registry (a devDependency in package.json, installed by
`make setup`) and is never served to users: each browser profile injects it as an init
script, which the pages' strict CSP does not govern, so every page runs under its real CSP.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import expect

from app.admin.services import REFERENCE_KINDS
from app.extensions import db
from app.help.views import ROLE_PAGES
from app.models import Partner, ReceptionPoint
from tests.e2e.conftest import login
from tests.factories import Builder
from tests.test_access import MATRIX, PUBLIC, ROLES

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TABLET = {"width": 1024, "height": 768}
# 200 % zoom on that tablet: half the CSS pixels, each drawn twice as large.
ZOOMED = {"width": 512, "height": 384}
BLOCKING = ("serious", "critical")
# Every rule axe runs by default (WCAG 2.x A/AA and best practices); only violations matter.
AXE_RUN = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    const list = found => found.map(v => ({id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map(n => n.target.join(' ')),
        why: v.nodes.map(n => [...n.any, ...n.all, ...n.none].map(c => c.message).join(' '))}));
    return {violations: list(results.violations), review: list(results.incomplete)};
}"""

# GET endpoints that answer something other than a page (JSON, a script, a file): every
# other GET route is audited, so a page added later is audited too (one with URL parameters
# needs its real values in urls_for, or building its URL fails the test).
NOT_PAGES = {
    "static", "main.service_worker", "main.health", "api.openapi", "api.csrf_token",
    "guard.rules", "reception_api.counts", "stats.floor_json", "stats.dashboard_json",
    "reporting.download", "history.history_template",
    "bilan.pdf", "bilan.chart",
    "floor_api.poles_status", "floor_api.get_presence",  # issue 11: JSON
    "events_api.list_events",
}
# The main pages of each role, audited again in English.
ENGLISH = {
    "anonymous": ["auth.login", "help.index"],
    "agent": ["reception.index", "reception.tablet", "stats.floor"],
    "counsellor": ["interviews.new", "interviews.my_day", "interviews.recent"],
    "director": ["stats.dashboard", "interviews.index", "reporting.index"],
    "kiosk": ["floor.kiosk"],  # issue 11
    "network-director": ["stats.dashboard"],  # the centres side by side (issue 10)
    "admin": ["admin.users", "admin.reference_index", "admin.reference_list", "admin.journal",
              "network.sites", "network.site"],
}


class Audit:
    """Run axe on pages and keep what it finds: serious and critical violations fail."""

    def __init__(self, page, server):
        self.page = page
        self.server = server
        self.base_url = server.url
        self.blocking: list[str] = []
        self.minor: dict[str, int] = {}
        self.review: dict[str, int] = {}
        self.seen: set[str] = set()

    def open(self, url: str) -> str | None:
        """Open a URL; return where it landed, or None when that page was audited already."""
        self.page.goto(self.base_url + url, wait_until="load")
        if self.page.locator("script[src]").count():
            # Scripted pages (tablet, form, charts) fill in what their first fetches bring:
            # let those start and wait for the server to answer them (cheaper than
            # Playwright's networkidle, which always waits half a second more).
            self.page.wait_for_timeout(100)
            self.server.wait_idle()
            self.page.wait_for_timeout(50)
        landed = self.page.url.removeprefix(self.base_url)
        return None if landed in self.seen else landed

    def check(self, where: str) -> None:
        """Audit the page as it is now, under the name where."""
        self.seen.add(where)
        began = time.monotonic()
        results = self.page.evaluate(AXE_RUN)
        if os.environ.get("AFFLUENCE_A11Y_VERBOSE"):
            print(f"axe {where}: {time.monotonic() - began:.2f} s")
        # What axe cannot decide alone (contrast over a gradient...) is counted, for a human.
        for item in results["review"]:
            self.review[item["id"]] = self.review.get(item["id"], 0) + len(item["targets"])
            if os.environ.get("AFFLUENCE_A11Y_VERBOSE"):
                print(f"review {where}: {item['id']} at {item['targets']}: {item['why']}")
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING:
                self.blocking.append(
                    f"{where}: [{violation['impact']}] {violation['id']} ({violation['help']}) "
                    f"at {'; '.join(violation['targets'][:6])}")
            else:
                key = f"{violation['id']} ({violation['impact']})"
                self.minor[key] = self.minor.get(key, 0) + len(violation["targets"])

    def visit(self, url: str) -> bool:
        """Open and audit a page once; return whether it was new."""
        landed = self.open(url)
        if landed is not None:
            self.check(landed)
        return landed is not None


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def reachable(endpoint: str, role: str) -> bool:
    allowed = MATRIX[endpoint]
    return allowed == PUBLIC or (role != "anonymous" and role in allowed)


def real_values(app, make_user) -> dict:
    """Store today's activity and return the values the pages' URL parameters take."""
    counsellor = make_user("counsellor", pole="emploi", partner="france-travail")
    build = Builder(app)
    build.counsellor_id = counsellor.id
    now = datetime.now(ZoneInfo("Europe/Paris")).replace(microsecond=0)

    def at(minutes: int) -> str:
        return (now - timedelta(minutes=minutes)).isoformat()

    for minutes, destination in enumerate(("emploi", "formation", "documentation", "cyber",
                                           "desk", "orientation", "creation", "partner:cidff")):
        build.entry(at(minutes), destination, profile={"gender": "femme", "first_visit": "oui"})
    build.reorientation(at(3), "emploi", "formation")
    build.interview(at(60), "emploi", themes=("cv-candidature",), outcomes=("information",))
    interview = build.interview(at(20), "emploi", duration=45, reoriented_to="creation")
    with app.app_context():
        rows = {slug: db.session.scalar(sa.select(kind.model.id).order_by(kind.model.id).limit(1))
                for slug, kind in REFERENCE_KINDS.items()}
        point = db.session.scalar(sa.select(ReceptionPoint.code).where(ReceptionPoint.active)
                                  .order_by(ReceptionPoint.id).limit(1))
        db.session.remove()
    return {"counsellor": counsellor, "rows": rows, "point": point,
            "interview_id": str(interview), "user_id": counsellor.id,
            "history_token": _history_batch(app),
            "event_id": planned_event(app, make_user)}


def _history_batch(app) -> str:
    """Stage a history upload, so its preview page can be audited."""
    from app.history import services
    from app.history.importer import read_workbook
    from app.history.template import build_template

    with app.app_context():
        rows = {"visitors": [["marseille", "2023-01", 5000]],
                "interviews": [["marseille", "2023-01", "emploi", 400]]}
        token = services.stage(read_workbook(build_template(rows)), "e2e.xlsx", None).token
        db.session.remove()
    return token


def planned_event(app, make_user) -> str:
    """Plan this morning's workshop (its attendance page opens once it has begun)."""
    from tests.conftest import Auth
    from tests.test_events_api import at, event

    session = Auth(app.test_client())
    session.login(make_user("director").username)
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    workshop = event(starts_at=at(today, 0, 5), ends_at=at(today, 0, 50))
    assert session.post_json("/api/v1/events", {"events": [workshop]}).status_code == 200
    return workshop["id"]


@pytest.fixture
def compiled_report(app):
    """Compile today's raw export, so the reports page lists a file and a run; remove it after."""
    folder = Path(app.config["REPORTS_DIR"])
    before = set(folder.rglob("*"))

    def compile_now() -> None:
        from app.reporting.services import run_raw
        from app.timeutil import local_today

        with app.app_context():
            outcome = run_raw(local_today(), local_today(), None)
            db.session.remove()
        assert outcome.status == "success", outcome

    yield compile_now
    for path in sorted(set(folder.rglob("*")) - before, reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()


def urls_for(app, endpoint: str, role: str, values: dict) -> list[str]:
    """Return the URLs of an endpoint to audit: one per real value of its parameters."""
    with app.test_request_context():
        if endpoint == "reception.tablet":
            return [url_for(endpoint, code=values["point"])]
        if endpoint == "help.role_page":
            # A visitor reads every role's help; a user is sent to their own by help.index.
            return [url_for(endpoint, slug=slug) for slug in ROLE_PAGES] if role == "anonymous" else []
        if endpoint in ("admin.reference_list", "admin.reference_create"):
            return [url_for(endpoint, kind=kind) for kind in REFERENCE_KINDS]
        if endpoint == "admin.reference_edit":
            return [url_for(endpoint, kind=kind, row_id=row) for kind, row in values["rows"].items()]
        if endpoint == "network.site":
            return [url_for(endpoint, code="gap")]
        if endpoint == "admin.user_edit":
            return [url_for(endpoint, user_id=values["user_id"])]
        if endpoint == "history.history_preview":
            return [url_for(endpoint, token=values["history_token"])]
        if endpoint in ("interviews.edit", "interviews.delete"):
            return [url_for(endpoint, interview_id=values["interview_id"])]
        if endpoint in ("events.edit", "events.attendance"):
            return [url_for(endpoint, event_id=values["event_id"])]
        return [url_for(endpoint)]


# ------------------------------------------------------------------ states beyond the first view

def login_refused(audit: Audit, url: str) -> None:
    audit.open(url)
    audit.page.fill("input[name=username]", "personne")
    audit.page.fill("input[name=password]", "pas-le-bon")
    audit.page.click("main form button[type=submit]")
    audit.page.wait_for_load_state("load")
    audit.check("/login (refused)")


def tablet_states(audit: Audit, url: str) -> None:
    page = audit.page
    audit.open(url)
    expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")
    page.tap('.chip[data-category="gender"][data-code="femme"]')
    page.tap('.step[data-step="1"]')
    page.tap('#arrival-panel [data-destination="emploi"]')
    expect(page.locator("#toast")).to_be_visible()
    audit.check(f"{url} (after a tap)")
    page.tap("#recent-toggle")
    expect(page.locator("#recent")).to_be_visible()
    audit.check(f"{url} (last entries)")
    page.tap("#recent [data-close]")
    page.tap('#arrival-panel [data-picker="event-picker"]')
    expect(page.locator("#event-picker")).to_be_visible()
    audit.check(f"{url} (event picker)")
    page.keyboard.press("Escape")
    page.tap('[data-mode="reorientation"]')
    page.tap('[data-from="emploi"]')
    audit.check(f"{url} (reorientation)")


def interview_form_states(audit: Audit, url: str) -> None:
    page = audit.page
    audit.open(url)
    page.fill("#note", "Rappeler la visiteuse au 06 12 34 56 78")
    page.locator("#err-note").wait_for(state="visible")
    audit.check(f"{url} (note refused)")
    page.fill("#note", "")
    page.tap("#submit-interview")
    page.locator("#confirm-empty").wait_for(state="visible")
    audit.check(f"{url} (asks to confirm)")


def reports_refused(audit: Audit, url: str) -> None:
    audit.open(url)
    audit.page.fill("#raw-start", "2025-03-31")
    audit.page.fill("#raw-end", "2025-03-01")
    audit.page.click("form:has(#raw-title) button[type=submit]")
    audit.page.wait_for_load_state("load")
    expect(audit.page.locator(".error-summary")).to_be_visible()
    audit.check(f"{url} (refused)")


def user_form_refused(audit: Audit, url: str) -> None:
    audit.open(url)
    audit.page.click("main form button[type=submit]")
    audit.page.wait_for_load_state("load")
    audit.check(f"{url} (refused)")


# Pages audited again in the states their users bring them to: endpoint -> (role, driver).
STATES = {
    "auth.login": ("anonymous", login_refused),
    "reception.tablet": ("agent", tablet_states),
    "interviews.new": ("counsellor", interview_form_states),
    "admin.user_create": ("admin", user_form_refused),
    "reporting.index": ("director", reports_refused),
}


@pytest.fixture
def browser_profile(browser, live_server):
    """Make browser profiles whose every page carries axe-core; close them at the end."""
    made = []
    # Read once, so an `npm ci` run meanwhile (it empties node_modules) cannot fail a page.
    axe_source = AXE.read_text(encoding="utf-8")

    def make(**options):
        settings = {"viewport": TABLET, "has_touch": True, "locale": "fr-FR",
                    "timezone_id": "Europe/Paris", "service_workers": "block"} | options
        profile = browser.new_context(**settings)
        profile.set_default_timeout(10_000)
        profile.add_init_script(script=axe_source)
        made.append(profile)
        return profile

    yield make
    for profile in made:
        profile.close()
    live_server.wait_idle()


def test_every_get_route_is_a_page_the_audit_opens_or_answers_no_page(app):
    assert AXE.exists(), "axe-core is missing: run `make setup` (npm ci)"
    endpoints = get_endpoints(app)
    assert NOT_PAGES <= endpoints
    audited = {endpoint for endpoint in endpoints - NOT_PAGES
               if any(reachable(endpoint, role) for role in ("anonymous",) + ROLES)}
    assert audited == endpoints - NOT_PAGES
    assert {page for pages in ENGLISH.values() for page in pages} <= audited


@pytest.mark.parametrize("role", ("anonymous",) + ROLES)
def test_no_serious_or_critical_violation_on_any_page_of_a_role(
        app, browser_profile, live_server, make_user, compiled_report, role):
    values = real_values(app, make_user)
    if role in ("director", "network-director", "admin"):
        compiled_report()
    user = None if role == "anonymous" else (
        values["counsellor"] if role == "counsellor" else make_user(role))
    page = browser_profile().new_page()
    audit = Audit(page, live_server)
    started = time.monotonic()
    if user:
        login(page, live_server.url, user.username)

    for endpoint in sorted(get_endpoints(app) - NOT_PAGES):
        if not reachable(endpoint, role):
            continue
        for url in urls_for(app, endpoint, role, values):
            if audit.visit(url) and STATES.get(endpoint, ("",))[0] == role:
                STATES[endpoint][1](audit, url)
        if endpoint in ENGLISH[role]:
            for url in urls_for(app, endpoint, role, values):
                landed = audit.open(url + ("&" if "?" in url else "?") + "lang=en")
                assert audit.page.locator("html").get_attribute("lang").startswith("en")
                audit.check(f"{landed or url} (English)")

    # The error pages a role meets: an unknown address, and a page of another role.
    audit.visit("/nulle-part")
    if role != "admin":
        audit.visit("/admin/comptes")
    elapsed = time.monotonic() - started
    print(f"\n{role}: {len(audit.seen)} pages and states audited in {elapsed:.1f} s; "
          f"moderate or minor: {audit.minor or 'none'}; for a human to review: {audit.review or 'none'}")
    assert audit.blocking == [], "\n" + "\n".join(audit.blocking)


# ------------------------------------------------------------------ the tablet at 200 % zoom

# Each control: whether, scrolled into view, it lies inside the window and is what a finger
# at its centre would touch (not covered by another element, not clipped by its container).
WITHIN_REACH = """el => {
    // Scroll as a finger would: the boxes that scroll (auto, scroll) and the window, never a
    // box whose overflow is hidden (scrollIntoView would scroll it, a finger cannot).
    const centre = (box, inside) => [box.left + box.width / 2 - (inside.left + inside.width / 2),
                                     box.top + box.height / 2 - (inside.top + inside.height / 2)];
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (/(auto|scroll)/.test(style.overflowX + style.overflowY)) {
            const [dx, dy] = centre(el.getBoundingClientRect(), p.getBoundingClientRect());
            p.scrollBy(dx, dy);
        }
    }
    const [dx, dy] = centre(el.getBoundingClientRect(), {left: 0, top: 0, width: innerWidth, height: innerHeight});
    window.scrollBy(dx, dy);
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    const problems = [];
    if (r.width < 44 || r.height < 44) problems.push(`too small ${Math.round(r.width)}x${Math.round(r.height)}`);
    if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) problems.push('outside the window');
    if (!top || !(top === el || el.contains(top))) problems.push('covered by ' + (top ? top.id || top.className || top.tagName : 'nothing'));
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (style.overflow !== 'visible') {
            const c = p.getBoundingClientRect();
            if (r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5) {
                problems.push('clipped by ' + (p.id || p.className));
            }
        }
    }
    return problems;
}"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= innerWidth + 1"


def describe(locator) -> str:
    return locator.evaluate("el => el.getAttribute('data-destination') || el.getAttribute('data-partner')"
                            " || el.getAttribute('data-event-type') || el.textContent.trim()")


def unreachable(page, selector: str) -> list[str]:
    """Return every control matching selector that a finger cannot reach, and why."""
    found = []
    controls = page.locator(selector)
    assert controls.count() > 0, f"no control matches {selector}"
    for index in range(controls.count()):
        control = controls.nth(index)
        problems = control.evaluate(WITHIN_REACH)
        if problems:
            found.append(f"{describe(control)}: {', '.join(problems)}")
    return found


@pytest.mark.parametrize("screen", ("landscape", "portrait"))
def test_the_tablet_is_usable_at_200_percent_zoom(app, browser_profile, live_server, make_user, screen):
    agent = make_user("agent")
    with app.app_context():
        partners = db.session.scalar(sa.select(sa.func.count()).select_from(Partner)
                                     .where(Partner.active))
        db.session.remove()
    width, height = ZOOMED["width"], ZOOMED["height"]
    window = {"width": width, "height": height} if screen == "landscape" else {"width": height, "height": width}
    page = browser_profile(viewport=window, device_scale_factor=2).new_page()
    login(page, live_server.url, agent.username, next_path="/accueil/marseille-rdc")
    expect(page.get_by_test_id("queue-status")).to_have_text("Tout est envoyé")

    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the page scrolls sideways at 200 %"
    destinations = "#arrival-panel .dest"
    assert page.locator(destinations).count() == 9
    problems = unreachable(page, destinations)
    problems += unreachable(page, ".profile-strip .chip, .step, .seg, #recent-toggle")

    page.locator('#arrival-panel [data-picker="partner-picker"]').tap()
    expect(page.locator("#partner-picker")).to_be_visible()
    assert page.locator("#partner-picker [data-partner]").count() == partners
    problems += unreachable(page, "#partner-picker [data-partner], #partner-picker [data-close]")
    page.screenshot(path=f"/tmp/a11y-zoom-200-{screen}-picker.png")
    page.locator("#partner-picker [data-close]").tap()
    assert problems == [], "\n" + "\n".join(problems)

    # One tap on a button scrolled into view records one arrival, delivered to the server,
    # and leaves the page where it was: the next visitor's tap needs no scrolling.
    button = page.locator('#arrival-panel [data-destination="desk"]')
    button.scroll_into_view_if_needed()
    before = page.evaluate("scrollY")
    button.tap()
    expect(page.locator('[data-count-for="desk"]')).to_have_text("1")
    expect(page.get_by_test_id("total-today")).to_have_text("1")
    expect(page.get_by_test_id("recent-list").locator(".badge-sent")).to_have_count(1)
    assert page.evaluate("scrollY") == before
    assert button.evaluate(WITHIN_REACH) == []
    page.screenshot(path=f"/tmp/a11y-zoom-200-{screen}-tapped.png", full_page=True)
    counts = page.evaluate("fetch('/api/v1/counts').then(r => r.json())")
    assert counts["total"] == 1, counts


# ------------------------------------------------------------------ focus never hidden

# Where the focused control shows (its label when the input itself is drawn by the label),
# and whether a sticky or fixed element of the page covers that place.
FOCUS_HIDDEN = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    let box = el.getBoundingClientRect();
    if (box.width < 4 || box.height < 4) {
        const label = el.id && document.querySelector(`label[for="${el.id}"]`) || el.closest('label');
        if (label) box = label.getBoundingClientRect();
    }
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = box.top + box.height / 2;
    const name = `${el.tagName.toLowerCase()}#${el.id || el.name || el.textContent.trim().slice(0, 30)}`;
    if (y < 0 || y > innerHeight) return `${name}: outside the window`;
    const top = document.elementFromPoint(x, y);
    const covers = top && !el.contains(top) && !top.contains(el) && top.closest('.submit-bar, .topbar, .toast');
    return covers && !covers.contains(el) ? `${name}: under ${covers.className}` : null;
}"""


def test_keyboard_focus_is_never_hidden_behind_the_interview_forms_save_bar(
        browser_profile, live_server, make_user):
    counsellor = make_user("counsellor", pole="emploi", partner="france-travail")
    page = browser_profile().new_page()
    login(page, live_server.url, counsellor.username, next_path="/entretiens/nouveau")
    page.wait_for_selector("#interview-form")
    hidden, stops = [], 0
    page.locator("main h1").first.click()
    while stops < 200:
        page.keyboard.press("Tab")
        stops += 1
        problem = page.evaluate(FOCUS_HIDDEN)
        if problem:
            hidden.append(problem)
        if page.evaluate("document.activeElement.id") == "submit-interview":
            break
    assert page.evaluate("document.activeElement.id") == "submit-interview", "Tab never reached Enregistrer"
    assert hidden == [], "\n" + "\n".join(hidden)
