"""The past years, for the administrator: template, upload, preview, confirm."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from io import BytesIO

from app.history import services
from app.history.forms import HistoryUploadForm
from app.history.importer import ImportRefused, read_workbook
from app.history.spec import SHEET_BY_KIND
from app.history.template import build_template
from app.security import role_required

bp = Blueprint("history", __name__, url_prefix="/admin/historique")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _index(form, faults=None, status: int = 200):
    return render_template("history/index.html", form=form, faults=faults or [],
                           batches=services.recent_batches()), status


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def history_index():
    """Offer the template, take a filled workbook and send it to its preview."""
    form = HistoryUploadForm()
    if request.method == "GET":
        return _index(form)
    if not form.validate_on_submit():
        return _index(form, status=400)
    upload = form.workbook.data
    try:
        parsed = read_workbook(upload.read())
    except ImportRefused as refused:
        return _index(form, refused.faults, 400)
    batch = services.stage(parsed, upload.filename or "", current_user)
    return redirect(url_for(".history_preview", token=batch.token))


@bp.route("/modele.xlsx")
@role_required("admin")
def history_template():
    """Download the empty history template."""
    return send_file(BytesIO(build_template()), mimetype=XLSX, as_attachment=True,
                     download_name="affluence_historique_modele.xlsx")


def _pending(token: str):
    try:
        return services.pending(token)
    except services.BatchRefused:
        abort(404)


@bp.route("/apercu/<token>")
@role_required("admin")
def history_preview(token: str):
    """Show what a pending upload would add or replace, before anything is stored."""
    batch = _pending(token)
    return render_template("history/preview.html", batch=batch,
                           preview=services.preview(batch.rows), sheets=SHEET_BY_KIND,
                           sites=services.site_labels(), listed=services.LISTED)


@bp.route("/apercu/<token>/confirmer", methods=["POST"])
@role_required("admin")
def history_confirm(token: str):
    """Store a previewed upload, all rows at once."""
    batch = _pending(token)
    try:
        result = services.apply(batch, current_user)
    except services.BatchRefused:
        abort(409)
    flash(_("Historique importé : %(added)d chiffres ajoutés, %(replaced)d remplacés, "
            "%(unchanged)d inchangés.", added=result.added, replaced=result.replaced,
            unchanged=result.unchanged), "success")
    if result.captured:
        flash(_("%(count)d mois ont déjà des données saisies dans l'application : ce sont "
                "elles qui comptent, leurs chiffres importés sont gardés mais ne comptent pas.",
                count=len(result.captured)), "info")
    return redirect(url_for(".history_index"))


@bp.route("/apercu/<token>/abandonner", methods=["POST"])
@role_required("admin")
def history_discard(token: str):
    """Drop a pending upload: nothing is stored."""
    services.discard(_pending(token))
    flash(_("Import abandonné : rien n'a été enregistré."), "info")
    return redirect(url_for(".history_index"))
