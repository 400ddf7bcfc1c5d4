"""The tablets' JSON endpoints: /api/v1/entries, their undo, and a day's counts."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import may_act_on
from app.api.openapi import ERROR_RESPONSES, batch_operation, json_error, register_paths
from app.capture import bad_request, batch_from_request, opens_its_own_write
from app.reception.services import (
    ENTRY,
    PROFILE,
    FIXED_DESTINATIONS,
    UndoRefused,
    day_counts,
    record_entries,
    own_site,
    site_by_code,
    undo_entry,
)
from app.security import role_required
from app.timeutil import local_today

bp = Blueprint("reception_api", __name__, url_prefix="/api/v1")

CAPTURE_ROLES = ("agent", "director", "admin")
STAFF = ("agent", "counsellor", "director", "admin")


@bp.post("/entries")
@role_required(*CAPTURE_ROLES)
@opens_its_own_write
def post_entries():
    """Store a batch of arrivals and reorientations (idempotent per entry id)."""
    batch, error = batch_from_request("entries")
    if error:
        return error
    return jsonify(results=record_entries(batch, current_user))


@bp.post("/entries/<entry_id>/undo")
@role_required(*CAPTURE_ROLES)
def undo(entry_id):
    """Cancel a recent entry (soft delete, audited)."""
    try:
        status = undo_entry(entry_id, current_user)
    except UndoRefused as refused:
        return jsonify(error="undo_refused", message=str(refused)), refused.status
    return jsonify(id=entry_id, status=status)


@bp.get("/counts")
@role_required(*STAFF)
def counts():
    """Return one day's counts for a site."""
    if "date" in request.args:
        try:
            day = date.fromisoformat(request.args["date"])
        except ValueError:
            # An empty ?date= is a mistake too, not "today".
            return bad_request("date", _("format AAAA-MM-JJ attendu"))
    else:
        day = local_today()
    site = site_by_code(request.args["site"]) if request.args.get("site") else own_site(current_user)
    if site is None:
        return bad_request("site", _("site inconnu"), 404)
    if not may_act_on(current_user, site.id):
        return jsonify(error="forbidden", message=_("Site hors de votre périmètre.")), 403
    return jsonify(day_counts(day, site))


COUNTS = {
    "type": "object",
    "required": ["date", "site", "total", "by_destination", "reorientations"],
    "properties": {
        "date": {"type": "string", "format": "date"},
        "site": {"type": "string"},
        "total": {"type": "integer", "description": "persons (party sizes summed)"},
        "by_destination": {"type": "object", "additionalProperties": {"type": "integer"},
                           "description": f"pole codes, {', '.join(FIXED_DESTINATIONS)} "
                                          "and partner:<code>"},
        "by_point": {"type": "object", "additionalProperties": {"type": "integer"},
                     "description": "visitors (persons) per reception point code of the site"},
        "reorientations": {"type": "integer"},
        "config_version": {"type": "string", "description": "digest of the site's tablet "
                           "settings (services offered, lists): an open tablet reloads when "
                           "it changes"},
    },
}

register_paths({
    "/api/v1/entries": {"post": batch_operation(
        "Record arrivals and reorientations tapped at a reception point",
        "entries", "#/components/schemas/Entry")},
    "/api/v1/entries/{id}/undo": {"post": {
        "summary": "Cancel a recent entry (soft delete, audited)",
        "security": [{"session": [], "csrf": []}],
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string", "format": "uuid"}}],
        "responses": {
            "200": {"description": "undone or already_undone",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["id", "status"],
                        "properties": {"id": {"type": "string"},
                                       "status": {"enum": ["undone", "already_undone"]}}}}}},
            "400": json_error("id is not a UUID, or the CSRF token is missing"),
            "404": json_error("no such entry"),
            "409": json_error("undo window passed"),
            **ERROR_RESPONSES,
        },
    }},
    "/api/v1/counts": {"get": {
        "summary": "One day's counts for a site",
        "security": [{"session": []}],
        "parameters": [
            {"name": "date", "in": "query", "description": "Paris day, default today",
             "schema": {"type": "string", "format": "date"}},
            {"name": "site", "in": "query", "description": "site code, default the user's",
             "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {"description": "counts",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Counts"}}}},
            "400": json_error("date malformed or empty (field date)"),
            "404": json_error("unknown site (field site)"),
            **ERROR_RESPONSES,
        },
    }},
}, {"Entry": ENTRY, "Profile": PROFILE, "Counts": COUNTS})
