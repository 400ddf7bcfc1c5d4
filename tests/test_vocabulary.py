"""One vocabulary: every code has one label, templates and the browser read it from one place,
and reference rows speak the page's language."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from flask_babel import force_locale

from app import vocabulary
from app.extensions import db
from app.models import CHANNELS, DESTINATION_KINDS, ENTRY_KINDS, PROFILE_CATEGORIES, ROLES, Pole
from app.privacy.guard import KINDS as GUARD_KINDS
from app.timeutil import offset_table

ROOT = Path(__file__).resolve().parent.parent
PAGE_CONFIG = re.compile(r'<script type="application/json" id="page-config">(.*?)</script>', re.S)

# Files that still spell a vocabulary label themselves; each belongs to another feature and is
# listed so it can only shrink (a new file retyping a label fails the test).
KNOWN_RETYPES = {
    "app/exports/figures.py",
    "app/interviews/forms.py",
    "app/static/js/guard.js",
    "app/templates/reception/tablet.html",
}


def test_every_code_of_the_models_has_a_label():
    assert set(vocabulary.ROLES) == set(ROLES)
    assert set(vocabulary.CHANNELS) == set(CHANNELS)
    assert set(vocabulary.DESTINATIONS) == set(DESTINATION_KINDS)
    assert set(vocabulary.ENTRY_KINDS) == set(ENTRY_KINDS)
    assert set(vocabulary.PROFILE_CATEGORIES) == set(PROFILE_CATEGORIES)
    # A new kind of personal data needs its words in app/vocabulary.py (GUARD_KINDS).
    assert set(GUARD_KINDS) <= set(vocabulary.GUARD_KINDS)
    assert set(vocabulary.FIXED_DESTINATIONS) < set(DESTINATION_KINDS)


def test_one_word_per_concept(app):
    """The channel on site is "Sur place" everywhere; the age category is "Tranche d'âge"."""
    with app.test_request_context(), force_locale("fr"):
        assert str(vocabulary.CHANNELS["in_person"]) == "Sur place"
        assert str(vocabulary.PROFILE_CATEGORIES["age_band"]) == "Tranche d'âge"
        from app.stats.labels import fixed_labels
        assert fixed_labels()["in_person"] == "Sur place"


def test_no_file_outside_the_vocabulary_retypes_its_labels():
    tables = (vocabulary.DESTINATIONS, vocabulary.CHANNELS, vocabulary.PROFILE_CATEGORIES,
              vocabulary.GUARD_KINDS, vocabulary.JOBS)
    # "Pôle" is also the ordinary name of a form field, not only a destination.
    labels = {str(label._args[0]) for table in tables for code, label in table.items()
              if code != "pole"}
    retyping = set()
    for path in [*ROOT.glob("app/**/*.py"), *ROOT.glob("app/templates/**/*.html"),
                 *ROOT.glob("app/static/js/*.js")]:
        relative = str(path.relative_to(ROOT))
        if relative in ("app/vocabulary.py",) or relative.startswith("app/templates/help/"):
            continue
        source = path.read_text(encoding="utf-8")
        for label in labels:
            if re.search(r"""_l?\(\s*["']""" + re.escape(label) + r"""["']\s*\)""", source) \
                    or (path.suffix == ".js" and f"'{label}'" in source):
                retyping.add(relative)
    assert retyping <= KNOWN_RETYPES, sorted(retyping - KNOWN_RETYPES)


def _page_config(response) -> dict:
    return json.loads(PAGE_CONFIG.search(response.get_data(as_text=True)).group(1))


def test_the_browser_reads_the_labels_from_the_page_config(client, logged_in):
    logged_in("agent")
    french = _page_config(client.get("/aide/accueil"))
    client.get("/aide/accueil?lang=en")
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = _page_config(client.get("/aide/accueil"))

    assert french["locale"] == "fr" and english["locale"] == "en_GB"
    assert french["labels"]["destinations"]["desk"] == "Réponse à l'accueil"
    assert english["labels"]["destinations"]["desk"] == "Answered at reception"
    assert english["labels"]["channels"]["in_person"] == "In person"
    assert english["labels"]["roles"]["counsellor"] == "Counsellor"
    assert set(english["labels"]["guardKinds"]) >= set(GUARD_KINDS)


def test_a_reference_row_reads_in_the_page_language_and_falls_back_to_french(app):
    with app.test_request_context():
        pole = db.session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
        with force_locale("fr"):
            assert (pole.label, pole.short_label) == ("Trouver son emploi", "Emploi")
        with force_locale("en_GB"):
            assert (pole.label, pole.short_label) == ("Finding a job", "Jobs")
            pole.label_en = None
            assert pole.label == "Trouver son emploi"
        # In SQL the label is the French column: the reports print French on purpose.
        with force_locale("en_GB"):
            assert db.session.scalar(sa.select(Pole.label).where(Pole.code == "emploi")) \
                == "Trouver son emploi"
        db.session.rollback()


def test_the_page_config_carries_the_sites_utc_offsets_to_the_minute(client, logged_in):
    logged_in("agent")
    clock = _page_config(client.get("/aide/accueil"))["clock"]
    assert clock["zone"] == "Europe/Paris"
    table = offset_table(date(2026, 12, 2))
    as_utc = [(datetime.fromtimestamp(ms / 1000, timezone.utc), minutes) for ms, minutes in table["offsets"]]
    assert as_utc == [(datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc), 60),
                      (datetime(2027, 3, 28, 1, 0, tzinfo=timezone.utc), 120),
                      (datetime(2027, 10, 31, 1, 0, tzinfo=timezone.utc), 60)]
    assert datetime.fromtimestamp(table["until"] / 1000, timezone.utc) == datetime(2028, 1, 5, 23, 0, tzinfo=timezone.utc)


def test_the_tablet_loads_one_bundled_script_and_stylesheet_or_the_files_one_by_one(app, client, logged_in):
    logged_in("agent")
    bundled = client.get("/accueil/marseille-rdc").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', bundled)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"(?! media)', bundled)
    assert scripts == ["/static/dist/tablet.js"]
    assert styles == ["/static/dist/tablet.css"]
    app.config["ASSETS_BUNDLED"] = False
    try:
        files = client.get("/accueil/marseille-rdc").get_data(as_text=True)
    finally:
        app.config["ASSETS_BUNDLED"] = True
    assert re.findall(r'<script src="/static/([^"]+)"', files) == [
        "js/clock.js", "vendor/idb/umd.js", "js/outbox.js", "js/reception.js", "js/events-picker.js",
        "js/floor-tablet.js"]
    # Each file the bundle takes in, in that order (app/assets/tablet.js).
    entry = (ROOT / "app" / "assets" / "tablet.js").read_text(encoding="utf-8")
    assert re.findall(r"import '\.\./static/(js/[\w-]+\.js)'", entry) == [
        "js/clock.js", "js/outbox.js", "js/reception.js", "js/events-picker.js", "js/floor-tablet.js"]
