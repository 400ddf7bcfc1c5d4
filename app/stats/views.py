"""The live floor board and the director's dashboard."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import may_act_on, spans_network
from app.figures.scope import FIRST_YEAR
from app.security import role_required
from app.stats import services
from app.stats.forms import DashboardFilterForm
from app.timeutil import local_today

bp = Blueprint("stats", __name__, url_prefix="/statistiques")

FLOOR_ROLES = ("agent", "counsellor", "director", "admin")
DASHBOARD_ROLES = ("director", "admin")
FLOOR_REFRESH_SECONDS = 60


class BadFilter(Exception):
    """A query-string filter is invalid: field and message say which and why."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _floor_arguments():
    """Return the site and day the floor board shows; raise BadFilter."""
    code = request.args.get("site") or current_user.site.code
    site = services.site_by_code(code)
    if site is None:
        raise BadFilter("site", _("site : site inconnu « %(code)s »", code=code))
    if not may_act_on(current_user, site.id):
        raise BadFilter("site", _("site : hors de votre périmètre"), 403)
    raw_day = request.args.get("date")
    if not raw_day:
        return site, None
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise BadFilter("date", _("date : format AAAA-MM-JJ attendu")) from None
    if day.year < FIRST_YEAR:
        # A week before 1 January of year 1 does not exist: refuse before counting.
        raise BadFilter("date", _("date : année %(first)d au plus tôt", first=FIRST_YEAR))
    if day > local_today():
        raise BadFilter("date", _("date : jour à venir"))
    return site, day


@bp.route("/jour")
@role_required(*FLOOR_ROLES)
def floor():
    """Show today so far at the user's site, beside the same weekday last week."""
    try:
        site, day = _floor_arguments()
    except BadFilter as error:
        if error.status == 403:
            abort(403)
        return render_template("error.html", code=400, message=error.message), 400
    sites = services.sites_seen_by(current_user)
    return render_template("stats/floor.html", data=services.floor_data(site, day),
                           sites=sites if len(sites) > 1 else [],
                           picked_day=day, refresh=FLOOR_REFRESH_SECONDS)


@bp.route("/jour.json")
@role_required(*FLOOR_ROLES)
def floor_json():
    """Return the floor board's figures (polled by the page every minute)."""
    try:
        site, day = _floor_arguments()
    except BadFilter as error:
        return jsonify(error="invalid", field=error.field, message=error.message), error.status
    response = jsonify(services.floor_data(site, day))
    response.headers["Cache-Control"] = "no-store"
    return response


def _dashboard_form() -> DashboardFilterForm:
    # A site director picks among their own sites only; "every site" is the network's.
    sites = services.all_sites() if spans_network(current_user) else \
        services.sites_seen_by(current_user, active_only=False)
    return DashboardFilterForm(request.args, sites, services.all_poles(),
                               every_site=spans_network(current_user))


def _checked(form: DashboardFilterForm):
    """Return the dashboard's data, or raise BadFilter naming the first invalid field."""
    asked = request.args.get("site")
    if asked and not spans_network(current_user):
        site = services.site_by_code(asked)
        if site is not None and not may_act_on(current_user, site.id):
            raise BadFilter("site", _("site : hors de votre périmètre"), 403)
    if not form.validate():
        field, message = form.first_error()
        raise BadFilter(field, f"{form[field].label.text} : {message}")
    try:
        return services.dashboard_data(form.filters())
    except services.InvalidFilter as invalid:
        form[invalid.field].errors = [invalid.reason]
        raise BadFilter(invalid.field, f"{form[invalid.field].label.text} : {invalid.reason}") \
            from None


@bp.route("/tableau-de-bord")
@role_required(*DASHBOARD_ROLES)
def dashboard():
    """Show the director's dashboard for the filtered period, site and pole."""
    form = _dashboard_form()
    try:
        data = _checked(form)
    except BadFilter as error:
        if error.status == 403:
            abort(403)
        return render_template("stats/dashboard.html", form=form, data=None,
                               error=error.message), 400
    return render_template("stats/dashboard.html", form=form, data=data, error=None,
                           network=services.network_panel(form.filters(), current_user))


@bp.route("/tableau-de-bord.json")
@role_required(*DASHBOARD_ROLES)
def dashboard_json():
    """Return the dashboard's figures as JSON, with the same filters as the page."""
    form = _dashboard_form()
    try:
        data = _checked(form)
    except BadFilter as error:
        return jsonify(error="invalid", field=error.field, message=error.message), error.status
    data["network"] = services.network_panel(form.filters(), current_user)
    return jsonify(data)
