"""Event pages: the calendar and list, planning, and the attendance entry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.access import may_act_on
from app.capture import Rejected
from app.events import services
from app.events.forms import AttendanceForm, CalendarFilterForm, EventForm, site_choices
from app.security import role_required
from app.timeutil import local_today, to_local, utcnow

bp = Blueprint("events", __name__, url_prefix="/evenements")

PLANNERS = services.PLANNER_ROLES
STAFF = services.ATTENDANCE_ROLES


@bp.app_template_filter("event_time")
def event_time(instant) -> str:
    """Format an instant as its Paris wall-clock time, 14:00."""
    return to_local(instant).strftime("%H:%M")


def _event_or_404(event_id):
    event = services.event_by_id(event_id)
    if event is None:
        abort(404)
    if not may_act_on(current_user, event.site_id):
        abort(403)
    return event


@bp.get("/")
@role_required(*STAFF)
def calendar():
    """Show the events by month, week or as a list, filtered by site, type, pole, partner."""
    sites = services.sites_of(current_user)
    form = CalendarFilterForm(sites, request.args)
    form.validate()
    wanted, start, end, anchor = services.calendar_filter(form, current_user)
    events = services.events_between(current_user, wanted)
    return render_template(
        "events/calendar.html", form=form, events=events, start=start, end=end, anchor=anchor,
        weeks=services.calendar_weeks(form.view.data or "month", anchor, events),
        steps=services.calendar_steps(form.view.data or "month", anchor),
        waiting=services.awaiting_attendance(current_user),
        may_plan=current_user.role in PLANNERS, today=local_today(), now=utcnow())


@bp.route("/nouveau", methods=["GET", "POST"])
@role_required(*PLANNERS)
def new():
    """Plan an event, or a weekly series in one go; ?from=<id> starts from a copy."""
    form = EventForm()
    form.site.choices = site_choices(services.sites_of(current_user))
    source = services.event_by_id(request.args["from"]) if request.args.get("from") else None
    if request.method == "GET":
        if source is not None and may_act_on(current_user, source.site_id):
            form.fill_from(services.event_payload(source))
        elif current_user.site is not None:
            form.site.data = current_user.site.code
    if form.validate_on_submit():
        payloads = form.payloads()
        # A series is planned whole or not at all: every session is checked before any is kept.
        refused = services.first_refusal(payloads, current_user)
        if refused is None:
            results = services.record_events(payloads, current_user)
            flash(ngettext("%(num)d événement planifié.", "%(num)d événements planifiés.", len(results)), "success")
            return redirect(url_for("events.calendar", view="list" if len(results) > 1 else "month",
                                    day=form.start_date.data.isoformat()))
        form.show_refusal(refused.field, str(refused))
    return render_template("events/form.html", form=form, editing=None, source=source), \
        422 if form.errors or form.form_errors else 200


@bp.route("/<event_id>/modifier", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit(event_id):
    """Change a planned event."""
    event = _event_or_404(event_id)
    form = EventForm()
    form.site.choices = site_choices(services.sites_of(current_user))
    del form.repeat, form.repeat_until
    if request.method == "GET":
        form.fill_from(services.event_payload(event))
    if form.validate_on_submit():
        payload = form.payloads()[0]
        payload.pop("id")
        try:
            services.update_event(event, payload, current_user)
        except Rejected as rejected:
            form.show_refusal(rejected.field, str(rejected))
        else:
            flash(_("Événement modifié."), "success")
            return redirect(url_for("events.calendar", view="list",
                                    day=event.start_date.isoformat()))
    return render_template("events/form.html", form=form, editing=event, source=None), \
        422 if form.errors or form.form_errors else 200


@bp.post("/<event_id>/annuler")
@role_required(*PLANNERS)
def cancel(event_id):
    """Cancel an event (kept, marked cancelled)."""
    event = _event_or_404(event_id)
    services.cancel_event(event, current_user)
    flash(_("Événement annulé : %(title)s.", title=event.title), "success")
    return redirect(url_for("events.calendar", view="list", day=event.start_date.isoformat()))


@bp.route("/<event_id>/frequentation", methods=["GET", "POST"])
@role_required(*STAFF)
def attendance(event_id):
    """Enter or correct an event's attendance: the total, then optional splits."""
    event = _event_or_404(event_id)
    form = AttendanceForm()
    if request.method == "GET" and event.attendance is not None:
        form.total.data = event.attendance
    values = services.split_values(event) if request.method == "GET" else dict(request.form)
    needs_confirmation = False
    if form.validate_on_submit():
        try:
            services.enter_attendance(event, form.body(request.form), current_user)
        except services.AttendanceRefused as refused:
            if refused.field == "total":
                form.total.errors = [*form.total.errors, str(refused).split(": ", 1)[1]]
                needs_confirmation = refused.confirmable
            else:
                form.form_errors.append(str(refused))
        else:
            flash(ngettext("Fréquentation enregistrée : %(num)d participant à « %(title)s ».",
                           "Fréquentation enregistrée : %(num)d participants à « %(title)s ».",
                           event.attendance, title=event.title), "success")
            return redirect(url_for("events.waiting"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("events/attendance.html", form=form, event=event, values=values,
                           needs_confirmation=needs_confirmation,
                           factor=services.CAPACITY_FACTOR), status


@bp.get("/a-saisir")
@role_required(*STAFF)
def waiting():
    """List the held events of the user's sites whose attendance nobody entered yet."""
    return render_template("events/waiting.html",
                           groups=services.waiting_by_site(current_user))
