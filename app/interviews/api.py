"""POST /api/v1/interviews: the counsellors' form and its offline queue send here."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from app.api.openapi import PROFILE, _batch_operation
from app.api.views import batch_from_request
from app.interviews.services import MAX_DURATION, NOTE_MAX, record_interviews
from app.models import CHANNELS
from app.security import role_required

bp = Blueprint("interviews_api", __name__, url_prefix="/api/v1")


@bp.post("/interviews")
@role_required("counsellor")
def post_interviews():
    """Store a batch of interviews (idempotent per interview id)."""
    batch, error = batch_from_request("interviews")
    if error:
        return error
    return jsonify(results=record_interviews(batch, current_user))


INTERVIEW = {
    "type": "object",
    "required": ["id", "started_at", "duration_min", "channel"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the browser; idempotency key"},
        "started_at": {"type": "string", "format": "date-time",
                       "description": "start of the interview, with offset; at most 31 days old"},
        "duration_min": {"type": "integer", "minimum": 1, "maximum": MAX_DURATION},
        "channel": {"enum": list(CHANNELS)},
        "site": {"type": "string", "description": "site code; default the counsellor's site"},
        "pole": {"type": "string", "description": "pole code; default the counsellor's pole"},
        "partner": {"type": "string",
                    "description": "partner code of the counsellor's institution; default theirs"},
        "profile": {"$ref": "#/components/schemas/Profile"},
        "themes": {"type": "array", "items": {"type": "string"},
                   "description": "theme codes, all of the interview's pole"},
        "outcomes": {"type": "array", "items": {"$ref": "#/components/schemas/InterviewOutcome"}},
        "note": {"type": "string", "maxLength": NOTE_MAX,
                 "description": "optional; refused (field note) when it holds personal data: "
                                "e-mail, phone, social-security number, IBAN, street address, "
                                "birth date, a person's name. Partners' public contacts are allowed."},
    },
}

INTERVIEW_OUTCOME = {
    "description": "an outcome code, or an object naming its target where the outcome has one",
    "oneOf": [
        {"type": "string", "description": "outcome code without target (information, atelier...)"},
        {"type": "object", "required": ["code"], "additionalProperties": False,
         "properties": {
             "code": {"type": "string"},
             "partner": {"type": "string", "description": "partner code; outcomes targeting a partner"},
             "pole": {"type": "string",
                      "description": "pole code; a reorientation, also counted in the visitor flow"},
         }},
    ],
}

OPENAPI_PATHS = {
    "/api/v1/interviews": {"post": _batch_operation(
        "Record counsellors' interviews (no personal data; each id stored once)",
        "interviews", "#/components/schemas/Interview")},
}
OPENAPI_SCHEMAS = {"Interview": INTERVIEW, "InterviewOutcome": INTERVIEW_OUTCOME, "Profile": PROFILE}
