"""POST /api/v1/interviews: the counsellors' form and its offline queue send here."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from app.api.openapi import batch_operation, register_paths
from app.capture import batch_from_request, opens_its_own_write
from app.interviews.services import INTERVIEW, INTERVIEW_OUTCOME, PROFILE, record_interviews
from app.security import role_required

bp = Blueprint("interviews_api", __name__, url_prefix="/api/v1")


@bp.post("/interviews")
@role_required("counsellor")
@opens_its_own_write
def post_interviews():
    """Store a batch of interviews (idempotent per interview id)."""
    batch, error = batch_from_request("interviews")
    if error:
        return error
    return jsonify(results=record_interviews(batch, current_user))


OPENAPI_PATHS = {
    "/api/v1/interviews": {"post": batch_operation(
        "Record counsellors' interviews (no personal data; each id stored once)",
        "interviews", "#/components/schemas/Interview")},
}
OPENAPI_SCHEMAS = {"Interview": INTERVIEW, "InterviewOutcome": INTERVIEW_OUTCOME, "Profile": PROFILE}
register_paths(OPENAPI_PATHS, OPENAPI_SCHEMAS)
