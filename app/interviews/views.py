"""Counsellors' interview records: the form, my day, corrections; the director's list."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api.openapi import register_paths
from app.interviews import services
from app.interviews.api import OPENAPI_PATHS, OPENAPI_SCHEMAS
from app.interviews.forms import CHANNEL_LABELS, PROFILE_LABELS, build_filter_form, build_form
from app.reception.services import Rejected
from app.security import role_required
from app.timeutil import local_today

bp = Blueprint("interviews", __name__, url_prefix="/entretiens")

register_paths(OPENAPI_PATHS, OPENAPI_SCHEMAS)

PER_PAGE = 50


def page_config(ref, form) -> dict:
    """Return what the form script needs: themes per pole, targets, the allowlist."""
    return {
        "themesByPole": {pole.code: [t.code for t in ref.themes_of(pole)] for pole in ref.poles.values()},
        "targets": dict(form.targets),
        "allow": list(ref.allow),
        "noteMax": services.NOTE_MAX,
        "maxDuration": services.MAX_DURATION,
    }


def render_form(template: str, form, ref, status: int = 200, **context):
    """Render the record form with its reference data."""
    return render_template(template, form=form, ref=ref, config=page_config(ref, form),
                           channel_labels=CHANNEL_LABELS, profile_labels=PROFILE_LABELS,
                           outcomes=list(ref.outcomes.values()),
                           **context), status


@bp.route("/nouveau", methods=["GET", "POST"])
@role_required("counsellor")
def new():
    """Show the interview form; without JavaScript, record the posted interview."""
    ref = services.InterviewReference.load()
    form = build_form(ref, current_user, defaults=services.form_defaults(current_user))
    if request.method == "GET":
        form.id.data = str(uuid.uuid4())
    elif form.validate_on_submit():
        result = services.record_interviews([form.payload()], current_user)[0]
        if result["status"] == "rejected":
            form.refuse(result["field"], result["error"])
        else:
            flash(_("Entretien enregistré.") if result["status"] == "created"
                  else _("Cet entretien était déjà enregistré."), "success")
            return redirect(url_for("interviews.new"))
    status = 422 if request.method == "POST" else 200
    return render_form("interviews/new.html", form, ref, status)


@bp.route("/ma-journee")
@role_required("counsellor")
def my_day():
    """Show today's interviews of the counsellor, with count and minutes per pole."""
    today = local_today()
    return render_template("interviews/my_day.html", day=today,
                           summary=services.day_summary(current_user, today),
                           interviews=services.counsellor_interviews(current_user, today, today),
                           channel_labels=CHANNEL_LABELS)


@bp.route("/corrections")
@role_required("counsellor")
def recent():
    """List the counsellor's interviews of the last 7 days, to correct or delete them."""
    first, today = services.correction_start(), local_today()
    return render_template("interviews/recent.html", first=first, today=today,
                           interviews=services.counsellor_interviews(current_user, first, today),
                           channel_labels=CHANNEL_LABELS)


@bp.route("/<uuid:interview_id>/modifier", methods=["GET", "POST"])
@role_required("counsellor")
def edit(interview_id):
    """Correct one of the counsellor's own interviews of the last 7 days."""
    interview = services.interview_for_correction(interview_id, current_user)
    ref = services.InterviewReference.load(keep=interview)
    form = build_form(ref, current_user, interview=interview)
    if request.method == "GET":
        return render_form("interviews/edit.html", form, ref, interview=interview)
    if form.validate_on_submit():
        try:
            changes = services.update_interview(
                interview, form.payload(keep_started_at=interview.started_at), current_user)
        except Rejected as rejected:
            form.refuse(rejected.field, str(rejected))
        else:
            flash(_("Entretien corrigé.") if changes else _("Aucune modification."), "success")
            return redirect(url_for("interviews.recent"))
    return render_form("interviews/edit.html", form, ref, 422, interview=interview)


@bp.route("/<uuid:interview_id>/supprimer", methods=["GET", "POST"])
@role_required("counsellor")
def delete(interview_id):
    """Ask, then delete one of the counsellor's own interviews of the last 7 days."""
    interview = services.interview_for_correction(interview_id, current_user)
    if request.method == "POST":
        services.delete_interview(interview, current_user)
        flash(_("Entretien supprimé."), "success")
        return redirect(url_for("interviews.recent"))
    return render_template("interviews/delete.html", interview=interview,
                           channel_labels=CHANNEL_LABELS)


@bp.route("/")
@role_required("director")
def index():
    """List every interview, read-only, with filters (director)."""
    ref = services.InterviewReference.load()
    # A site director lists their own sites' interviews only (app.access).
    form = build_filter_form(ref.sites_for(current_user), ref.poles.values(),
                             ref.partners.values(), request.args)
    if request.args and not form.validate():
        return render_template("interviews/index.html", form=form, interviews=[], total=0,
                               minutes=0, page=1, pages=1, channel_labels=CHANNEL_LABELS), 400
    last = form.au.data or local_today()
    first = form.du.data or last - timedelta(days=29)
    filters = services.InterviewFilters(
        first=first, last=last,
        site_id=ref.sites[form.site.data].id if form.site.data else None,
        pole_id=ref.poles[form.pole.data].id if form.pole.data else None,
        partner_id=ref.partners[form.partner.data].id if form.partner.data else None,
        channel=form.channel.data or None,
        site_ids=current_user.site_ids,
    )
    page = form.page.data or 1
    interviews, total, minutes = services.search_interviews(filters, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        abort(404)
    return render_template("interviews/index.html", form=form, interviews=interviews, total=total,
                           minutes=minutes, page=page, pages=pages, first=first, last=last,
                           channel_labels=CHANNEL_LABELS)
