"""JSON API of the app itself: /api/v1/csrf and the OpenAPI document.

The features' endpoints live beside them (app/reception/api.py, app/interviews/api.py).
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_wtf.csrf import generate_csrf

from app.api.openapi import openapi_document
from app.security import role_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")

STAFF = ("agent", "counsellor", "director", "admin")


@bp.get("/csrf")
@role_required(*STAFF, "kiosk")  # the kiosk's outbox renews its token too (issue 11)
def csrf_token():
    """Hand a fresh CSRF token to a page whose token no longer matches the session."""
    return jsonify(csrf_token=generate_csrf())


@bp.get("/openapi.json")
def openapi():
    """Describe the API (OpenAPI 3.1)."""
    return jsonify(openapi_document())
