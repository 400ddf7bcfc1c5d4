"""Reports: scheduled and on-demand files, their runs, downloads."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import format_decimal
from flask_login import current_user
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import jobs, vocabulary
from app.access import spans_network
from app.reporting import services
from app.reporting import subscriptions
from app.reporting.forms import (AnnualReportForm, PartnerReportForm, RawExportForm,
                                 SubscriptionForm)
from app.security import role_required
from app.timeutil import local_today

bp = Blueprint("reporting", __name__, url_prefix="/rapports")

ROLES = ("director", "admin")

JOB_LABELS = vocabulary.JOBS
FORMAT_LABELS = {"xlsx": "Excel", "json": "JSON", "csv": "CSV", "zip": "ZIP", "pdf": "PDF"}
STATUS_LABELS = {
    "running": _l("En cours"),
    "success": _l("Réussi"),
    "failed": _l("Échec"),
    "skipped": _l("Non exécuté"),
    "empty": vocabulary.JOB_STATUSES["empty"],
    "stale": vocabulary.JOB_STATUSES["stale"],
}


def _forms(submitted: str | None = None) -> dict:
    """Build the three forms; only the submitted one reads the posted data."""
    years, sites = services.year_choices(), services.site_choices(current_user)
    network = spans_network(current_user)
    last_month = jobs.shift_month(jobs.month_period(local_today().year, local_today().month), -1)

    def data(name):
        return {} if name == submitted else {"formdata": None}

    return {
        "annual": AnnualReportForm(years, sites, network, year=local_today().year - 1,
                                   **data("annual")),
        "raw": RawExportForm(sites, network, start=last_month.start, end=last_month.end,
                             **data("raw")),
        "partner": PartnerReportForm(services.partner_choices(), years,
                                     year=local_today().year - 1, **data("partner")),
        "subscription": SubscriptionForm(sites, network, **data("subscription")),
    }


def human_size(size: int) -> str:
    """Return a byte count as the page shows it (ko, Mo)."""
    if size < 1024:
        return _("%(n)s o", n=size)
    if size < 1024 * 1024:
        return _("%(n)s ko", n=format_decimal(round(size / 1024, 1)))
    return _("%(n)s Mo", n=format_decimal(round(size / 1024 / 1024, 1)))


def _page(forms: dict, status: int = 200):
    reports, older = services.list_reports(user=current_user)
    return render_template(
        "reporting/index.html", forms=forms, reports=reports, older=older,
        runs=services.recent_runs(), backups=services.backups_summary(),
        retention=services.retention_runs(),
        subscriptions=subscriptions.list_subscriptions(current_user),
        delivery_labels=vocabulary.DELIVERY_STATUSES,
        job_labels=JOB_LABELS, status_labels=STATUS_LABELS, format_labels=FORMAT_LABELS,
        human_size=human_size, format_decimal=format_decimal,
        spans_network=spans_network(current_user),
    ), status


def _launch(task) -> None:
    """Run a manual compile off the request; flash what came of it."""
    wait = float(current_app.config.get("REPORTS_WAIT_SECONDS", 25))
    outcome = services.run_detached(task, wait)
    if outcome is None:
        flash(_("Compilation en cours : le fichier apparaîtra dans la liste une fois prêt. "
                "Rechargez la page dans un moment."), "info")
    elif outcome.status == "success":
        flash(_("Compilation terminée : %(files)s.", files=", ".join(outcome.files)), "success")
    elif outcome.status == "skipped":
        flash(_("Rien n'a été écrit : %(reason)s", reason=outcome.error), "info")
    else:
        flash(_("La compilation a échoué : %(error)s", error=outcome.error), "error")


@bp.get("/")
@role_required(*ROLES)
def index():
    """List the report files, the recent runs, and the forms to compile now."""
    return _page(_forms())


@bp.post("/annuel")
@role_required(*ROLES)
def compile_annual():
    """Compile the annual activity report for the chosen year, site and edition."""
    forms = _forms("annual")
    form = forms["annual"]
    if not form.validate_on_submit():
        return _page(forms, 400)
    year, site, edition = form.year.data, form.site.data or None, form.edition.data
    formats = (form.fmt.data,)
    _launch(lambda: services.run_annual(year, site, [edition], formats=formats))
    return redirect(url_for(".index"))


@bp.post("/export-brut")
@role_required(*ROLES)
def compile_raw():
    """Write the raw export of the chosen date range."""
    forms = _forms("raw")
    form = forms["raw"]
    if not form.validate_on_submit():
        return _page(forms, 400)
    start, end, site, fmt = form.start.data, form.end.data, form.site.data or None, form.fmt.data
    _launch(lambda: services.run_raw(start, end, site, fmt))
    return redirect(url_for(".index"))


@bp.post("/partenaire")
@role_required(*ROLES)
def compile_partner():
    """Write a partner's activity report for the chosen year."""
    if not spans_network(current_user):
        abort(403)  # a partner's counsellors serve the whole network
    forms = _forms("partner")
    form = forms["partner"]
    if not form.validate_on_submit():
        return _page(forms, 400)
    partner, year = form.partner.data, form.year.data
    _launch(lambda: services.run_partner(partner, year))
    return redirect(url_for(".index"))


@bp.get("/fichiers/<name>")
@role_required(*ROLES)
def download(name: str):
    """Send one listed report file; anything not listed is a 404."""
    if services.find_report_file(name) is None:
        abort(404)
    if not services.file_visible_to(current_user, name):
        abort(403)
    return send_from_directory(services.reports_dir(), name, as_attachment=True)


@bp.post("/abonnements")
@role_required(*ROLES)
def subscribe():
    """Subscribe an address to a report; a refusal names the field and why."""
    forms = _forms("subscription")
    form = forms["subscription"]
    if form.validate_on_submit():
        try:
            subscriptions.subscribe(form.email.data, form.report.data, form.edition.data,
                                    form.site.data or None, form.fmt.data, current_user.id)
        except subscriptions.SubscriptionRefused as refused:
            getattr(form, refused.field).errors = [refused.message]
        else:
            flash(_("Abonnement enregistré : %(email)s recevra le rapport à chaque période.",
                    email=form.email.data), "success")
            return redirect(url_for(".index") + "#subscriptions-title")
    return _page(forms, 400)


@bp.post("/abonnements/<int:subscription_id>/arreter")
@role_required(*ROLES)
def unsubscribe(subscription_id: int):
    """Stop a subscription."""
    if not subscriptions.unsubscribe(subscription_id, current_user):
        abort(404)
    flash(_("Abonnement arrêté."), "success")
    return redirect(url_for(".index") + "#subscriptions-title")
