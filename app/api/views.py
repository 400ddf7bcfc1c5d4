"""JSON API for the tablets and other clients: /api/v1."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.api.openapi import openapi_document
from app.reception.services import UndoRefused, day_counts, record_entries, undo_entry
from app.security import role_required
from app.stats.services import site_by_code
from app.timeutil import local_today

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CAPTURE_ROLES = ("agent", "director", "admin")
STAFF = ("agent", "counsellor", "director", "admin")


def bad_request(field: str, message: str, status: int = 400):
    """Answer a request-level error naming the field."""
    return jsonify(error="invalid", field=field, message=f"{field}: {message}"), status


def batch_from_request(key: str):
    """Return (list, None) from a JSON body {key: [...]}, or (None, error response)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return None, bad_request("body", _("objet JSON attendu"))
    batch = payload.get(key)
    if not isinstance(batch, list):
        return None, bad_request(key, _("liste attendue"))
    limit = current_app.config["MAX_BATCH"]
    if len(batch) > limit:
        return None, bad_request(key, _("au plus %(n)d éléments par envoi", n=limit), 413)
    return batch, None


@bp.post("/entries")
@role_required(*CAPTURE_ROLES)
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
    raw_date = request.args.get("date")
    try:
        day = date.fromisoformat(raw_date) if raw_date else local_today()
    except ValueError:
        return bad_request("date", _("format AAAA-MM-JJ attendu"))
    code = request.args.get("site") or current_user.site.code
    site = site_by_code(code)
    if site is None:
        return bad_request("site", _("site inconnu"), 404)
    if current_user.role in ("agent", "counsellor") and site.id != current_user.site_id:
        return jsonify(error="forbidden", message=_("Site hors de votre périmètre.")), 403
    return jsonify(day_counts(day, site))


@bp.get("/csrf")
@role_required(*STAFF)
def csrf_token():
    """Hand a fresh CSRF token to a page whose token no longer matches the session."""
    return jsonify(csrf_token=generate_csrf())


@bp.get("/openapi.json")
def openapi():
    """Describe the API (OpenAPI 3.1)."""
    return jsonify(openapi_document())
