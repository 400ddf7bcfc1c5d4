"""Home: send each role to the page it works on; the service worker script."""

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "agent": "reception.index",
    "counsellor": "interviews.new",
    "director": "stats.dashboard",
    "network-director": "stats.dashboard",
    "admin": "admin.users",
    "kiosk": "floor.kiosk",  # issue 11
}


@bp.route("/")
@login_required
def home():
    """Open the page the user's role works on."""
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/accueil-du-jour")
@login_required
def start():
    """List the pages the user's role can open."""
    return render_template("main/start.html")


@bp.route("/sw.js")
def service_worker():
    """Serve the service worker from the root so its scope covers the whole site."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/healthz")
def health():
    """Tell a load balancer the app is up."""
    return {"status": "ok"}
