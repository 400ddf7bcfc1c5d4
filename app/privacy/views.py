"""The guard's word lists for the browser twin: guard.js builds its patterns from them."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api.openapi import register_paths
from app.privacy.guard import KINDS
from app.privacy.rules import browser_rules
from app.security import role_required

bp = Blueprint("guard", __name__, url_prefix="/api/v1/guard")

STAFF = ("agent", "counsellor", "director", "admin")

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
register_paths({"/api/v1/guard/rules": {"get": {
    "summary": "Word lists of the personal-data guard, for its browser twin (the server decides)",
    "security": [{"session": []}],
    "responses": {
        "200": {"description": "the kinds of personal data, then one list of words or patterns per name",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["kinds", *browser_rules()],
                    "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}},
        "401": {"description": "not logged in (JSON, never a login page)", **_ERROR},
        "403": {"description": "role not allowed", **_ERROR},
    },
}}})


@bp.get("/rules")
@role_required(*STAFF)
def rules():
    """Send the lists guard.js needs, so it never carries a second hand-typed copy."""
    return jsonify(kinds=list(KINDS), **browser_rules())
