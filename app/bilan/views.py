"""The bilan's page: the annual report in the app, its PDF, and the foreword."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import spans_network
from app.bilan import render, services
from app.bilan.forms import BilanChoiceForm, ForewordForm
from app.reporting import services as reporting
from app.security import role_required
from app.timeutil import local_today

bp = Blueprint("bilan", __name__, url_prefix="/rapports/bilan")

ROLES = ("director", "admin")


def _choice() -> BilanChoiceForm:
    """Read the year, site and edition asked for (form.errors says what is wrong)."""
    sites, network = reporting.site_choices(current_user), spans_network(current_user)
    defaults = {"year": local_today().year - 1}
    if not network:
        defaults["site"] = sites[0][0]
    form = BilanChoiceForm(reporting.year_choices(), sites, network,
                           formdata=request.args if request.args else None, **defaults)
    if request.args:
        form.validate()
    return form


def _bad_choice(form: BilanChoiceForm):
    message = " ; ".join(f"{form[name].label.text} ({name}) : {' '.join(errors)}"
                         for name, errors in form.errors.items())
    return render_template("error.html", code=400, message=message), 400


@bp.get("/")
@role_required(*ROLES)
def page():
    """Show the year's bilan as a page, with its foreword form and its PDF."""
    form = _choice()
    if form.errors:
        return _bad_choice(form)
    year, site, edition = form.year.data, form.site.data or None, form.edition.data
    data = services.recent(year, site, edition)
    foreword = ForewordForm(text=data["foreword"])
    return render.html(data, "page", form=form, foreword_form=foreword,
                       query={"year": year, "site": site or "", "edition": edition})


@bp.get("/graphique/<key>.svg")
@role_required(*ROLES)
def chart(key: str):
    """Send one chart of the page, drawn on the server as SVG."""
    form = _choice()
    if form.errors:
        return _bad_choice(form)
    data = services.recent(form.year.data, form.site.data or None, form.edition.data)
    svg = render.draw_chart(data, key)
    if svg is None:
        abort(404)
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=60"})


@bp.get("/pdf")
@role_required(*ROLES)
def pdf():
    """Send the year's bilan as a PDF, compiled now."""
    form = _choice()
    if form.errors:
        return _bad_choice(form)
    year, site, edition = form.year.data, form.site.data or None, form.edition.data
    content = render.pdf(services.gather(year, site, edition))
    name = services.file_stem(year, site, edition) + ".pdf"
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/avant-propos")
@role_required(*ROLES)
def save_foreword():
    """Save the foreword of the year's bilan, once the guard has found no personal data."""
    form = _choice()
    if form.errors:
        return _bad_choice(form)
    year, site, edition = form.year.data, form.site.data or None, form.edition.data
    foreword = ForewordForm()
    if foreword.validate_on_submit():
        try:
            services.save_foreword(year, site, foreword.text.data, current_user.id)
        except services.ForewordRefused as refused:
            foreword.text.errors = [refused.message]
        else:
            flash(_("Avant-propos enregistré."), "success")
            return redirect(url_for(".page", year=year, site=site or "", edition=edition))
    data = services.gather(year, site, edition)
    return render.html(data, "page", form=form, foreword_form=foreword,
                       query={"year": year, "site": site or "", "edition": edition}), 400
