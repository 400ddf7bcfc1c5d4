"""Home: send each role to the page it works on; the service worker script."""

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "agent": "reception.index",
    "counsellor": "main.dashboard",
    "director": "main.dashboard",
    "admin": "admin.users",
}


@bp.route("/")
@login_required
def home():
    """Open the page the user's role works on."""
    endpoint = HOME_BY_ROLE.get(current_user.role, "main.dashboard")
    if endpoint not in current_app.view_functions:
        endpoint = "main.dashboard"
    return redirect(url_for(endpoint))


@bp.route("/accueil-du-jour")
@login_required
def dashboard():
    """A simple landing page listing what the user can open."""
    return render_template("main/dashboard.html")


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
