"""Help: one short page per role, in the user's language, reachable from every page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("help", __name__, url_prefix="/aide")

# URL slug of each role's page; the roles keep their code names in the templates.
ROLE_PAGES = {"accueil": "agent", "conseil": "counsellor", "direction": "director",
              "administration": "admin"}
SLUG_OF_ROLE = {role: slug for slug, role in ROLE_PAGES.items()}
SLUG_OF_ROLE["network-director"] = "direction"  # the director's help, over every site


def screenshot(name: str, language: str) -> str | None:
    """Return the static path of a help screenshot in the page's language, if it was made."""
    for lang in (language, "fr"):
        relative = f"help/{name}-{lang}.png"
        if (Path(current_app.static_folder) / relative).exists():
            return relative
    return None


@bp.route("/")
def index():
    """Open the help of the user's role; list every role's help for anyone else."""
    if current_user.is_authenticated and current_user.role in SLUG_OF_ROLE:  # a kiosk has none
        return redirect(url_for(".role_page", slug=SLUG_OF_ROLE[current_user.role]))
    return render_template("help/index.html", pages=ROLE_PAGES)


@bp.route("/<slug>")
def role_page(slug: str):
    """Show the help of one role: what each button records, offline work, who sees what."""
    role = ROLE_PAGES.get(slug)
    if role is None:
        abort(404)
    return render_template(f"help/{role}.html", role=role, pages=ROLE_PAGES,
                           slug_of_role=SLUG_OF_ROLE, screenshot=screenshot)
