"""A counsellor records interviews by touch in Chromium; a note with a phone number is refused."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.interviews.services import snapshot
from app.models import Interview
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


class Taps:
    """Tap elements like a finger does, and count the taps."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def __call__(self, selector: str) -> None:
        self.page.tap(selector)
        self.count += 1


def interviews(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Interview)).all()
        found = [{**snapshot(row), "note": row.note} for row in rows]
        db.session.remove()
        return found


def open_form(page, live_server, make_user):
    user = make_user("counsellor", pole="emploi", partner="france-travail")
    login(page, live_server.url, user.username, next_path="/entretiens/nouveau")
    page.wait_for_selector("#interview-form")
    page.wait_for_load_state("load")
    assert page.evaluate("() => Boolean(window.AffluenceInterviews && window.AffluenceGuard)")
    return user


def test_a_counsellor_records_an_interview_by_touch_and_a_phone_number_is_refused(
        app, page, live_server, make_user):
    open_form(page, live_server, make_user)
    screenshot(page, "interview-form-empty")
    tap = Taps(page)

    started = time.perf_counter()
    tap('[data-duration="45"]')
    tap("label[for=theme-cv-candidature]")
    tap("label[for=outcome-information]")
    tap("label[for=gender-femme]")
    tap("label[for=age_band-26-44]")
    tap("label[for=status-demandeur-emploi]")
    screenshot(page, "interview-form-filled")
    tap("#submit-interview")
    page.wait_for_selector("#confirmation:not([hidden])")
    elapsed = time.perf_counter() - started

    assert page.inner_text("#confirmation") == "Entretien enregistré."
    print(f"\ninterview recorded in {tap.count} taps ({tap.count - 1} + submit), "
          f"{elapsed:.2f} s of browser time")
    assert tap.count <= 7
    screenshot(page, "interview-form-confirmed")
    # The form is ready for the next visitor: choices cleared, the remembered ones kept.
    assert not page.is_checked("#theme-cv-candidature")
    assert page.is_checked("#gender-none")
    assert page.input_value("#duration_min") == "45"
    assert page.is_checked("#pole-emploi")

    tap("label[for=theme-recherche-emploi]")
    page.fill("#note", "Rappeler la visiteuse au 06 12 34 56 78 pour le suivi")
    error = page.locator("#err-note")
    error.wait_for(state="visible")
    assert "un numéro de téléphone" in error.inner_text()
    assert "caractères 26 à 39" in error.inner_text()
    screenshot(page, "interview-form-refused-note")
    tap("#submit-interview")
    assert "un numéro de téléphone" in error.inner_text()
    assert page.get_attribute("#note", "aria-invalid") == "true"

    stored = interviews(app)
    assert len(stored) == 1
    [good] = stored
    assert (good["duration_min"], good["themes"], good["outcomes"]) == (45, ["cv-candidature"], ["information"])
    assert (good["profile.gender"], good["profile.age_band"], good["profile.status"]) == (
        "femme", "26-44", "demandeur-emploi")
    assert (good["pole"], good["partner"], good["channel"], good["note"]) == (
        "emploi", "france-travail", "in_person", "")
    assert page.js_errors == []


def test_a_referral_with_its_partner_and_a_form_filled_offline_is_sent_later(
        app, page, context, live_server, make_user):
    open_form(page, live_server, make_user)
    tap = Taps(page)

    tap("label[for=outcome-orientation-organisme]")
    page.wait_for_selector("[data-target-for=orientation-organisme]:not([hidden])")
    tap("label[for=target_orientation_organisme-cidff]")
    tap("label[for=outcome-rdv-organisme]")
    # The appointment is offered at the partner the visitor was referred to.
    assert page.is_checked("#target_rdv_organisme-cidff")
    tap("label[for=outcome-reorientation]")
    assert page.is_disabled("#target_reorientation-emploi")
    tap("label[for=target_reorientation-creation]")
    screenshot(page, "interview-form-targets")

    context.set_offline(True)
    tap("#submit-interview")
    page.wait_for_selector("#confirmation.is-queued")
    assert "gardé sur cet appareil" in page.inner_text("#confirmation")
    assert page.inner_text("[data-testid=queue-status]") == "1 en attente d'envoi"
    screenshot(page, "interview-form-offline")
    assert interviews(app) == []

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#confirmation")).to_have_text("Entretien en attente envoyé.")
    expect(page.locator("[data-testid=queue-status]")).to_have_text("Tout est envoyé")

    [stored] = interviews(app)
    assert stored["outcomes"] == ["orientation-organisme:cidff", "rdv-organisme:cidff",
                                  "reorientation:creation"]
    counts = page.evaluate("fetch('/api/v1/counts').then(r => r.json())")
    assert counts["reorientations"] == 1
    assert page.js_errors == []


def test_a_save_with_neither_theme_nor_outcome_is_asked_once_then_kept(app, page, live_server, make_user):
    open_form(page, live_server, make_user)
    question = page.locator("#confirm-empty")

    page.tap("#submit-interview")
    expect(question).to_be_visible()
    expect(question).to_contain_text("Ni thème ni suite choisis")
    page.wait_for_timeout(300)
    assert interviews(app) == []
    screenshot(page, "interview-form-asks-before-saving-nothing")

    # Choosing a theme answers the question: the next tap saves at once.
    page.tap("label[for=theme-cv-candidature]")
    expect(question).to_be_hidden()
    page.tap("label[for=theme-cv-candidature]")  # and untick it again: nothing chosen
    page.tap("#submit-interview")
    expect(question).to_be_visible()
    page.tap("#submit-interview")  # the second tap confirms

    expect(page.locator("#confirmation")).to_have_text("Entretien enregistré.")
    expect(question).to_be_hidden()
    [kept] = interviews(app)
    assert (kept["themes"], kept["outcomes"]) == ([], [])

    # The next empty interview is asked about again; "Enregistrer quand même" keeps it.
    page.tap("#submit-interview")
    expect(question).to_be_visible()
    expect(page.locator("#confirmation")).to_be_hidden()
    page.tap("#confirm-empty-save")
    expect(page.locator("#confirmation")).to_be_visible()
    expect(page.locator("#confirmation")).to_have_text("Entretien enregistré.")
    assert len(interviews(app)) == 2
    assert page.js_errors == []


def test_the_channel_comes_back_to_sur_place_unless_the_counsellor_pins_it(
        app, page, live_server, make_user):
    open_form(page, live_server, make_user)
    pin = page.locator("#pin-channel")
    expect(pin).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#duration-remembered")).to_have_count(0)  # nothing remembered yet

    page.tap("label[for=channel-phone]")
    page.tap('[data-duration="45"]')
    page.tap("label[for=outcome-information]")
    page.tap("#submit-interview")
    expect(page.locator("#confirmation")).to_have_text("Entretien enregistré.")
    # The next interview opens "Sur place"; the duration carries over and says so.
    assert page.is_checked("#channel-in_person")
    assert page.input_value("#duration_min") == "45"
    page.reload()
    page.wait_for_selector("#interview-form")
    assert page.is_checked("#channel-in_person")
    expect(page.locator("#duration-remembered")).to_be_visible()
    page.tap('[data-duration="20"]')
    expect(page.locator("#duration-remembered")).to_be_hidden()

    # Pinned, the channel stays for the next interviews, across a reload too.
    page.tap("label[for=channel-video]")
    pin.tap()
    expect(pin).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#pin-hint")).to_have_text("Canal gardé pour les prochains entretiens.")
    screenshot(page, "interview-form-channel-pinned")
    page.tap("label[for=outcome-information]")
    page.tap("#submit-interview")
    expect(page.locator("#confirmation")).to_have_text("Entretien enregistré.")
    assert page.is_checked("#channel-video")
    page.reload()
    page.wait_for_selector("#interview-form")
    assert page.is_checked("#channel-video")
    expect(pin).to_have_attribute("aria-pressed", "true")

    pin.tap()
    expect(pin).to_have_attribute("aria-pressed", "false")
    page.reload()
    page.wait_for_selector("#interview-form")
    assert page.is_checked("#channel-in_person")
    assert sorted(row["channel"] for row in interviews(app)) == ["phone", "video"]
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, {"width": 768, "height": 1024},
                                      {"width": 390, "height": 844}], ids=["landscape", "portrait", "phone"])
def test_the_new_controls_are_large_enough_to_tap(page, live_server, make_user, viewport):
    page.set_viewport_size(viewport)
    open_form(page, live_server, make_user)
    page.tap("#submit-interview")
    expect(page.locator("#confirm-empty")).to_be_visible()
    for selector in ("#pin-channel", "#confirm-empty-save", "#confirm-empty-back", "label[for=channel-phone]"):
        box = page.locator(selector).bounding_box()
        assert box["width"] >= 48 and box["height"] >= 48, selector
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert page.js_errors == []
