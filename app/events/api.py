"""The events' JSON endpoints: plan a batch, enter an attendance, list a day's events."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app import reference
from app.access import may_act_on
from app.api.openapi import ERROR_RESPONSES, batch_operation, json_error, register_paths
from app.capture import bad_request, batch_from_request, opens_its_own_write
from app.events.services import (
    ATTENDANCE,
    ATTENDANCE_ROLES,
    EVENT,
    PLANNER_ROLES,
    SPLIT,
    AttendanceRefused,
    EventFilter,
    enter_attendance,
    event_by_id,
    event_json,
    events_between,
    record_events,
)
from app.figures import events as event_figures
from app.figures.scope import Scope
from app.models import Site
from app.security import role_required
from app.timeutil import local_today

bp = Blueprint("events_api", __name__, url_prefix="/api/v1")


@bp.post("/events")
@role_required(*PLANNER_ROLES)
@opens_its_own_write
def post_events():
    """Store a batch of planned events (idempotent per event id)."""
    batch, error = batch_from_request("events")
    if error:
        return error
    return jsonify(results=record_events(batch, current_user))


@bp.put("/events/<event_id>/attendance")
@role_required(*ATTENDANCE_ROLES)
def put_attendance(event_id):
    """Store an event's attendance (the same body twice leaves the same state)."""
    event = event_by_id(event_id)
    if event is None:
        return bad_request("id", _("événement inconnu"), 404)
    try:
        enter_attendance(event, request.get_json(silent=True), current_user)
    except AttendanceRefused as refused:
        return jsonify(error="invalid", field=refused.field, message=str(refused)), refused.status
    arrivals = {row["event"]: row["persons"] for row in event_figures.arrivals_by_event(
        Scope(event.start_date, event.end_date, (event.site_id,)))}
    return jsonify(event_json(event, arrivals))


@bp.get("/events")
@role_required(*ATTENDANCE_ROLES)
def list_events():
    """List one day's events of a site, with the arrivals logged for each so far."""
    if "date" in request.args:
        try:
            day = date.fromisoformat(request.args["date"])
        except ValueError:
            return bad_request("date", _("format AAAA-MM-JJ attendu"))
    else:
        day = local_today()
    site = (reference.by_code(Site, request.args["site"]) if request.args.get("site")
            else reference.by_id(Site, current_user.site_id))
    if site is None:
        return bad_request("site", _("site inconnu"), 404)
    if not may_act_on(current_user, site.id):
        return jsonify(error="forbidden", field="site", message=_("Site hors de votre périmètre.")), 403
    events = events_between(current_user, EventFilter(day, day, site_id=site.id))
    arrivals = {row["event"]: row["persons"]
                for row in event_figures.arrivals_by_event(Scope(day, day, (site.id,)))}
    return jsonify(date=day.isoformat(), site=site.code,
                   events=[event_json(event, arrivals) for event in events])


EVENT_READ = {
    "type": "object",
    "required": ["id", "type", "title", "site", "starts_at", "ends_at", "status"],
    "properties": {
        **{name: EVENT["properties"][name] for name in
           ("id", "type", "title", "site", "poles", "partners", "starts_at", "ends_at", "place",
            "outside", "capacity", "registered")},
        "type_label": {"type": "string"},
        "status": {"enum": ["planned", "held", "cancelled"]},
        "attendance": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Attendance"}],
                       "description": "null until someone entered it"},
        "arrivals": {"type": "integer", "description": "persons logged at reception for it that day"},
    },
}

register_paths({
    "/api/v1/events": {
        "post": batch_operation("Plan events (each id stored once)", "events",
                                "#/components/schemas/Event"),
        "get": {
            "summary": "One day's events of a site (those running that Paris day)",
            "security": [{"session": []}],
            "parameters": [
                {"name": "date", "in": "query", "description": "Paris day, default today",
                 "schema": {"type": "string", "format": "date"}},
                {"name": "site", "in": "query", "description": "site code, default the user's",
                 "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "the day's events", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["date", "site", "events"],
                    "properties": {"date": {"type": "string", "format": "date"},
                                   "site": {"type": "string"},
                                   "events": {"type": "array",
                                              "items": {"$ref": "#/components/schemas/EventRead"}}}}}}},
                "400": json_error("date malformed (field date)"),
                "404": json_error("unknown site (field site)"),
                **ERROR_RESPONSES,
            },
        },
    },
    "/api/v1/events/{id}/attendance": {"put": {
        "summary": "Enter or correct an event's attendance (idempotent)",
        "security": [{"session": [], "csrf": []}],
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string", "format": "uuid"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Attendance"}}}},
        "responses": {
            "200": {"description": "the event with its attendance", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/EventRead"}}}},
            "400": json_error("body malformed: the field is named"),
            "404": json_error("no such event (field id)"),
            "409": json_error("event cancelled (field status) or not started yet (field starts_at)"),
            "422": json_error("a split above the total, an unknown option code, or a total above "
                              "ten times the capacity not confirmed: the field is named"),
            **ERROR_RESPONSES,
        },
    }},
}, {"Event": EVENT, "EventRead": EVENT_READ, "Attendance": ATTENDANCE, "AttendanceSplit": SPLIT})
