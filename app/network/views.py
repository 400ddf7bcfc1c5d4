"""The site calendar screens: each centre's hours, counselling days, closures and services."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app import reference, vocabulary
from app.models import Pole
from app.models.network import OFFERED_DESTINATIONS
from app.network import services
from app.network.forms import ClosureForm, ServicesForm, WeekForm
from app.network.services import NetworkRefused
from app.security import role_required
from app.timeutil import local_today

bp = Blueprint("network", __name__, url_prefix="/admin/reseau")


def _site(code: str):
    site = services.site_by_code(code)
    if site is None:
        abort(404)
    return site


def _week_data(site) -> dict:
    return {day["key"]: {"ranges": services.ranges_text(day["ranges"]),
                         "counselling": day["counselling"]}
            for day in services.weekly_hours(site)}


def _service_choices() -> list[tuple[str, str]]:
    poles = [(pole.code, pole.label) for pole in reference.active(Pole)]
    return poles + [(kind, vocabulary.DESTINATIONS[kind]) for kind in OFFERED_DESTINATIONS]


def _services_form(site, formdata=None) -> ServicesForm:
    offer = services.offer_of(site.id)
    form = ServicesForm(formdata=formdata, prefix="services",
                        data={"everything": offer.everything, "offer": list(offer.codes())})
    form.offer.choices = _service_choices()
    return form


def _page(site, week=None, closure=None, offer=None, status: int = 200):
    today = local_today()
    return render_template(
        "network/site.html", site=site,
        week=week or WeekForm(formdata=None, prefix="week", data=_week_data(site)),
        closure=closure or ClosureForm(formdata=None, prefix="closure"),
        services_form=offer or _services_form(site),
        closures=[c for c in site.closures if c.end_date >= today.replace(day=1, month=1)],
        past=sum(1 for c in site.closures if c.end_date < today.replace(day=1, month=1)),
        weekdays=services.WEEKDAYS, today=today), status


@bp.get("/")
@role_required("admin")
def sites():
    """List the network's sites with their week, next closure and services."""
    rows = []
    today = local_today()
    for site in services.sites_overview():
        rows.append({"site": site, "week": services.weekly_hours(site),
                     "next_closure": next((c for c in site.closures if c.end_date >= today), None),
                     "offer": services.offer_of(site.id)})
    return render_template("network/sites.html", rows=rows, day_names=_day_names(),
                           ranges_text=services.ranges_text)


def _day_names() -> list[str]:
    """Return Monday..Sunday in the page's language."""
    monday = date(2024, 1, 1)  # any Monday: only its weekday names are used
    return [format_date(monday + timedelta(days=n), "EEEE") for n in range(7)]


@bp.get("/<code>")
@role_required("admin")
def site(code: str):
    """Show a site's calendar and services, each in its own form."""
    return _page(_site(code))


@bp.post("/<code>/horaires")
@role_required("admin")
def save_hours(code: str):
    """Replace the site's opening ranges and counselling days."""
    site = _site(code)
    form = WeekForm(prefix="week")
    if form.validate_on_submit():
        week, counselling, failed = {}, set(), False
        for index, day in form.days():
            try:
                week[index] = services.parse_ranges([day.ranges.data or ""])
            except NetworkRefused as refused:
                day.ranges.errors = [refused.reason]
                failed = True
            if day.counselling.data:
                counselling.add(index)
        if not failed:
            try:
                services.set_week(current_user, site, week, counselling)
            except NetworkRefused as refused:
                flash(_("Horaires non enregistrés : %(reason)s", reason=refused.reason), "error")
                return _page(site, week=form, status=400)
            flash(_("Horaires de %(site)s enregistrés.", site=site.label), "success")
            return redirect(url_for(".site", code=site.code) + "#hours")
    return _page(site, week=form, status=400)


@bp.post("/<code>/fermetures")
@role_required("admin")
def add_closure(code: str):
    """Close the site over a date range, with the reason."""
    site = _site(code)
    form = ClosureForm(prefix="closure")
    if form.validate_on_submit():
        try:
            services.add_closure(current_user, site, form.start.data, form.end.data,
                                 form.reason.data)
        except NetworkRefused as refused:
            target = {"start": form.start, "end": form.end}.get(refused.field, form.reason)
            target.errors = [refused.reason]
        else:
            flash(_("Fermeture enregistrée."), "success")
            return redirect(url_for(".site", code=site.code) + "#closures")
    return _page(site, closure=form, status=400)


@bp.post("/<code>/fermetures/<int:closure_id>/supprimer")
@role_required("admin")
def remove_closure(code: str, closure_id: int):
    """Remove a closure: its days count as opening days again."""
    site = _site(code)
    if services.remove_closure(current_user, site, closure_id) is None:
        abort(404)
    flash(_("Fermeture supprimée."), "success")
    return redirect(url_for(".site", code=site.code) + "#closures")


@bp.post("/<code>/services")
@role_required("admin")
def save_services(code: str):
    """Set what the site offers; its tablets follow within a minute."""
    site = _site(code)
    form = _services_form(site, request.form)
    if form.validate_on_submit():
        try:
            services.set_services(current_user, site,
                                  None if form.everything.data else form.offer.data)
        except NetworkRefused as refused:
            form.offer.errors = [refused.reason]
        else:
            flash(_("Services de %(site)s enregistrés : les tablettes du site les affichent "
                    "dans la minute.", site=site.label), "success")
            return redirect(url_for(".site", code=site.code) + "#services")
    return _page(site, offer=form, status=400)
