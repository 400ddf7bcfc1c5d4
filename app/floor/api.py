"""The floor's JSON endpoints: occupancy rounds, kiosk answers, counsellors' status, poles now."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import may_act_on
from app.api.openapi import ERROR_RESPONSES, batch_operation, json_error, register_paths
from app.capture import bad_request, batch_from_request, opens_its_own_write
from app.figures.poles import WAIT_WINDOW, pole_status
from app.floor import services
from app.floor.services import ANSWER, PRESENCE, ROUND
from app.security import role_required

bp = Blueprint("floor_api", __name__, url_prefix="/api/v1")

ROUND_ROLES = ("agent", "director", "admin")
STATUS_ROLES = ("agent", "counsellor", "director", "admin")


@bp.post("/occupancy")
@role_required(*ROUND_ROLES)
@opens_its_own_write
def post_occupancy():
    """Store a batch of occupancy rounds (idempotent per round id)."""
    batch, error = batch_from_request("rounds")
    if error:
        return error
    return jsonify(results=services.record_rounds(batch, current_user))


@bp.post("/satisfaction")
@role_required("kiosk")
@opens_its_own_write
def post_satisfaction():
    """Store a batch of kiosk answers (idempotent per answer id; bursts throttled, counted)."""
    batch, error = batch_from_request("answers")
    if error:
        return error
    return jsonify(results=services.record_answers(batch, current_user))


@bp.get("/poles/status")
@role_required(*STATUS_ROLES)
def poles_status():
    """Return, per pole of a site, counsellors available and in an interview, and who waits."""
    site = services.site_for_status(request.args.get("site"), current_user)
    if site is None:
        return bad_request("site", _("site inconnu"), 404)
    if not may_act_on(current_user, site.id):
        return jsonify(error="forbidden", field="site",
                       message=_("Site hors de votre périmètre.")), 403
    last = services.last_round_at(site.id)
    response = jsonify(site=site.code, at=services.now_iso(),
                       window_minutes=int(WAIT_WINDOW.total_seconds() // 60),
                       poles=pole_status(site.id), last_round_at=services.utc_iso(last))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/presence")
@role_required("counsellor")
def get_presence():
    """Return the counsellor's own status today."""
    return jsonify(services.status_of(current_user))


@bp.post("/presence")
@role_required("counsellor")
def post_presence():
    """Set the counsellor's status: available, in an interview, away."""
    try:
        return jsonify(services.change_status(current_user, request.get_json(silent=True)))
    except services.PresenceRefused as refused:
        return bad_request(refused.field, str(refused).split(": ", 1)[1])


POLE_STATUS = {
    "type": "object",
    "required": ["site", "at", "poles"],
    "properties": {
        "site": {"type": "string"},
        "at": {"type": "string", "format": "date-time", "description": "server time of the figures"},
        "window_minutes": {"type": "integer", "description": "90: the estimate's window"},
        "last_round_at": {"type": ["string", "null"], "format": "date-time",
                          "description": "the site's last occupancy round today"},
        "poles": {"type": "array", "items": {
            "type": "object",
            "required": ["pole", "available", "in_interview", "waiting"],
            "properties": {
                "pole": {"type": "string", "description": "pole code"},
                "label": {"type": "string"},
                "available": {"type": "integer", "description": "counsellors available now"},
                "in_interview": {"type": "integer", "description": "counsellors in an interview now"},
                "waiting": {"type": "integer",
                            "description": "estimate: persons sent there in the last 90 minutes "
                                           "minus interviews started there since, at least 0"},
                "sent": {"type": "integer", "description": "persons sent there in the window"},
            }}},
    },
}

register_paths({
    "/api/v1/occupancy": {"post": batch_operation(
        "Record occupancy rounds: people counted per space at one moment",
        "rounds", "#/components/schemas/OccupancyRound")},
    "/api/v1/satisfaction": {"post": batch_operation(
        "Record the exit kiosk's answers (a tap too close to the previous one is kept, "
        "refused and counted as a burst's)", "answers", "#/components/schemas/SatisfactionAnswer")},
    "/api/v1/poles/status": {"get": {
        "summary": "How busy each pole of a site is now",
        "security": [{"session": []}],
        "parameters": [{"name": "site", "in": "query", "description": "site code, default the user's",
                        "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "per pole", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/PoleStatus"}}}},
            "404": json_error("unknown site (field site)"),
            **ERROR_RESPONSES,
        },
    }},
    "/api/v1/presence": {
        "get": {"summary": "The counsellor's own status today", "security": [{"session": []}],
                "responses": {"200": {"description": "status, since, pole"}, **ERROR_RESPONSES}},
        "post": {"summary": "Set the counsellor's status", "security": [{"session": [], "csrf": []}],
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": "#/components/schemas/Presence"}}}},
                 "responses": {"200": {"description": "the new status"},
                               "400": json_error("status or pole invalid (field named)"),
                               **ERROR_RESPONSES}},
    },
}, {"OccupancyRound": ROUND, "SatisfactionAnswer": ANSWER, "Presence": PRESENCE,
    "PoleStatus": POLE_STATUS})
