"""The exit kiosk's page, and the lock that keeps a kiosk account on it."""

from __future__ import annotations

from flask import (Blueprint, abort, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from app.floor import services
from app.floor.forms import RoundScheduleForm
from app.security import role_required, wants_json

bp = Blueprint("floor", __name__)

# All a kiosk account may reach: its page, its API, signing in and out, and what is public
# anyway (no link of the kiosk page leads there).
KIOSK_ENDPOINTS = frozenset({
    "floor.kiosk", "floor_api.post_satisfaction", "api.csrf_token", "main.home",
    "main.service_worker", "auth.login", "auth.logout_view", "auth.change_password",
    "auth.set_language", "static", "main.health", "api.openapi", "help.index",
    "help.role_page",
})


def keep_kiosk_on_its_page():
    """Refuse a kiosk account everything but the kiosk: a visitor at the exit can do nothing else."""
    if not (current_user and current_user.is_authenticated and current_user.role == "kiosk"):
        return None
    if request.endpoint in KIOSK_ENDPOINTS or request.endpoint is None:
        return None
    if wants_json():
        return jsonify(error="forbidden", message="kiosk"), 403
    abort(403)


@bp.record_once
def _lock_first(state):
    # First of the app's before_request hooks: a kiosk is turned away before the CSRF check
    # could answer anything else.
    state.app.before_request_funcs.setdefault(None, []).insert(0, keep_kiosk_on_its_page)


@bp.app_context_processor
def floor_helpers():
    """Let the tablet's floor partial read its round config without the reception feature's help."""
    return {"floor_round_config": services.round_config_for,
            "floor_board_data": services.floor_board_data,
            "floor_dashboard_data": services.dashboard_floor_data}


@bp.route("/borne")
@role_required("kiosk")
def kiosk():
    """Show the satisfaction question, one tap on a four-point scale."""
    return render_template("floor/kiosk.html", config=services.kiosk_config(current_user))


@bp.route("/admin/tournees", methods=["GET", "POST"])
@role_required("admin")
def round_schedules():
    """Show and set each site's round schedule (the tablet's reminders)."""
    sites = services.sites_with_schedules()
    forms = {}
    for site, schedule in sites:
        form = RoundScheduleForm(prefix=site.code, formdata=None, data={
            "site": site.code, "every": schedule["every"] or 60,
            "first_hour": schedule["first_hour"], "last_hour": max(schedule["last_hour"], 0),
            "active": schedule["every"] > 0})
        forms[site.code] = form
    if request.method == "POST":
        code = request.form.get("site_code", "")
        if code not in forms:
            abort(400)
        form = RoundScheduleForm(prefix=code)
        forms[code] = form
        if form.validate_on_submit():
            site = next(site for site, _schedule in sites if site.code == code)
            services.save_schedule(current_user, site, form.every.data, form.first_hour.data,
                                   form.last_hour.data, form.active.data)
            flash(_("Horaires des tournées enregistrés : %(site)s.", site=site.label), "success")
            return redirect(url_for("floor.round_schedules"))
        return render_template("floor/round_schedules.html", sites=sites, forms=forms), 422
    return render_template("floor/round_schedules.html", sites=sites, forms=forms)
