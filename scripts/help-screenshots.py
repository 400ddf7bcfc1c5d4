#!/usr/bin/env python
"""Make the help pages' screenshots from the app itself, so they never show a stale screen.

    .venv/bin/python scripts/help-screenshots.py            # writes app/static/help/*.png
    .venv/bin/python scripts/help-screenshots.py --review DIR  # whole pages, 2 sizes, 2 languages

It builds a throw-away SQLite database (migrations, seed, this year's demo data up to now, a few
journal entries), serves the app on loopback and drives Debian's headless Chromium. The help
shots are 1024×640 viewports in French and English, written as PNG; with --review it also
saves every page of the help and the admin screens at 1024×768 and at phone size, for a
person to look at.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "aide-captures-2025"
SHOT_SIZE = {"width": 1024, "height": 640}
REVIEW_SIZES = {"desktop": {"width": 1024, "height": 768}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# name: (account, path, what to wait for)
SHOTS = {
    "tablet": ("aide-accueil", "/accueil/marseille-rdc", ".dest"),
    "interview": ("aide-conseil", "/entretiens/nouveau", "form"),
    "floor": ("aide-direction", "/statistiques/jour", "main"),
    "dashboard": ("aide-direction", "/statistiques/tableau-de-bord", "main"),
    "lists": ("aide-admin", "/admin/listes/poles", "table"),
    "journal": ("aide-admin", "/admin/journal", ".journal"),
}
REVIEW_PAGES = [
    ("aide-accueil", "/aide/accueil"), ("aide-conseil", "/aide/conseil"),
    ("aide-direction", "/aide/direction"), ("aide-admin", "/aide/administration"),
    ("aide-admin", "/admin/journal"), ("aide-admin", "/admin/listes/poles"),
    ("aide-admin", "/admin/listes/poles/nouveau"), ("aide-admin", "/admin/listes/themes"),
]


def build_app(workdir: Path):
    """Create the app on a fresh database holding this year's demo data and some history."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app("development", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'help.db'}",
        "REPORTS_DIR": str(workdir / "reports"), "SECRET_KEY": os.urandom(32).hex(),
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1,
    })
    with app.app_context():
        upgrade()
        populate()
    return app


def populate() -> None:
    """Seed, make one account per role, write demo data and a few journal entries."""
    import sqlalchemy as sa

    from app.admin import services as admin
    from app.demo import generate_year
    from app.extensions import db
    from app.models import AuditEvent, FlowEntry, Interview, Partner, Pole, Site, User
    from app.security import hash_password
    from app.seed import seed_reference
    from app.timeutil import local_today, utcnow

    seed_reference()
    site = db.session.scalar(sa.select(Site).where(Site.code == "marseille"))
    accounts = {}
    for username, role, name in (("aide-accueil", "agent", "Camille Martin"),
                                 ("aide-conseil", "counsellor", "Sami Benali"),
                                 ("aide-direction", "director", "Claire Durand"),
                                 ("aide-admin", "admin", "Alex Roussel")):
        user = User(username=username, display_name=name, role=role, site=site,
                    password_hash=hash_password(PASSWORD))
        if role == "counsellor":
            user.pole = db.session.scalar(sa.select(Pole).where(Pole.code == "emploi"))
            user.partner = db.session.scalar(sa.select(Partner).where(Partner.code == "france-travail"))
        db.session.add(user)
        accounts[role] = user
    db.session.commit()
    generate_year(local_today().year, "marseille", seed=1)
    if local_today().timetuple().tm_yday < 60:  # early in the year: last year gives the charts a shape
        generate_year(local_today().year - 1, "marseille", seed=2)

    actor = accounts["admin"]
    admin.create_user(actor, "accueil-2", {"display_name": "Noa Petit", "role": "agent",
                                           "site": "marseille"}, password="un-mot-de-passe-long")
    pole_kind = admin.REFERENCE_KINDS["poles"]
    pole = db.session.scalar(sa.select(Pole).where(Pole.code == "creation"))
    admin.update_reference(actor, pole_kind, pole, {"label_en": "Starting a business or activity"})
    # A correction and an undo, in the shapes the interview and reception services write.
    interview = db.session.scalar(sa.select(Interview).order_by(Interview.started_at.desc()))
    entry = db.session.scalar(sa.select(FlowEntry).where(FlowEntry.kind == "arrival")
                              .order_by(FlowEntry.occurred_at.desc()))
    now = utcnow()
    if interview is not None:
        db.session.add(AuditEvent(
            user_id=interview.counsellor_id, at=now - timedelta(minutes=20), action="update",
            target_type="interview", target_id=str(interview.id),
            changes={"duration_min": [30, 45], "channel": ["phone", "in_person"]}))
    if entry is not None:
        db.session.add(AuditEvent(
            user_id=accounts["agent"].id, at=now - timedelta(minutes=5), action="undo",
            target_type="flow_entry", target_id=str(entry.id),
            changes={"deleted_at": [None, now.isoformat()]}))
    db.session.commit()


class Server:
    """The app served by werkzeug in a thread, on a free loopback port."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise SystemExit("Chromium is missing: run scripts/ensure-chromium.sh")
    return path


BROWSER_LOCALE = {"fr": "fr-FR", "en": "en-GB"}


def session(browsers, base: str, username: str, lang: str, viewport: dict):
    """Return a page logged in as username, speaking lang."""
    # Date and time inputs follow the browser's own language, not the page's: one browser
    # per language, so an English shot reads 02/12/2026 and 14:05 like the pages around it.
    context = browsers[lang].new_context(viewport=viewport, locale=BROWSER_LOCALE[lang],
                                         timezone_id="Europe/Paris", service_workers="block")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    # Some landing pages poll (the outbox, the floor board): "load" is enough here.
    page.wait_for_load_state("load")
    if lang == "en":
        page.click("form.lang button")
        page.wait_for_load_state("load")
    return context, page


def help_shots(browsers, base: str, out: Path) -> list[Path]:
    """Write one viewport-sized PNG per screen and language."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in ("fr", "en"):
        for name, (username, path, ready) in SHOTS.items():
            context, page = session(browsers, base, username, lang, SHOT_SIZE)
            page.goto(base + path)
            page.wait_for_selector(ready)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(400)  # charts finish their first paint
            target = out / f"{name}-{lang}.png"
            page.screenshot(path=str(target), animations="disabled", caret="hide")
            written.append(target)
            context.close()
    return written


def review_shots(browsers, base: str, out: Path) -> list[Path]:
    """Write whole-page PNGs of the help and admin pages at desktop and phone sizes."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in ("fr", "en"):
        for size, viewport in REVIEW_SIZES.items():
            for username, path in REVIEW_PAGES:
                context, page = session(browsers, base, username, lang, viewport)
                page.goto(base + path)
                page.wait_for_load_state("load")
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth")
                name = path.strip("/").replace("/", "_")
                target = out / f"{name}-{size}-{lang}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                if overflow > 0:
                    print(f"  ! {path} ({size}, {lang}) overflows by {overflow}px")
                context.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "app/static/help")
    parser.add_argument("--review", type=Path, help="also save whole pages here, for review")
    args = parser.parse_args()

    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        with Server(app) as server, sync_playwright() as playwright:
            browsers = {lang: playwright.chromium.launch(
                executable_path=chromium_path(), headless=True,
                args=CHROMIUM_ARGS + [f"--lang={locale}"],
                env={**os.environ, "LANG": locale.replace("-", "_") + ".UTF-8",
                     "LANGUAGE": locale.replace("-", "_")})
                for lang, locale in BROWSER_LOCALE.items()}
            try:
                files = help_shots(browsers, server.url, args.out)
                if args.review:
                    files += review_shots(browsers, server.url, args.review)
            finally:
                for browser in browsers.values():
                    browser.close()
    for path in files:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f"  {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
