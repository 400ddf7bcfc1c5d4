"""The OpenAPI document of /api/v1, kept beside the views it describes."""

from __future__ import annotations

PROFILE = {
    "type": "object",
    "description": "Coarse, optional visitor profile; each part may be null (not stated).",
    "properties": {
        "status": {"type": ["string", "null"], "description": "status option code"},
        "age_band": {"type": ["string", "null"], "description": "age band option code"},
        "gender": {"type": ["string", "null"], "description": "gender option code"},
        "first_visit": {"type": ["string", "boolean", "null"], "description": "oui / non"},
    },
    "additionalProperties": False,
}

RESULT = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": ["string", "null"]},
        "status": {"enum": ["created", "duplicate", "rejected"]},
        "field": {"type": "string", "description": "the field a rejection is about"},
        "error": {"type": "string", "description": "field: reason (French)"},
    },
}

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "field": {"type": "string"},
                   "message": {"type": "string"}},
}

ENTRY = {
    "type": "object",
    "required": ["id", "kind", "occurred_at", "reception_point", "destination"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "made by the client; idempotency key"},
        "kind": {"enum": ["arrival", "reorientation"]},
        "occurred_at": {"type": "string", "format": "date-time", "description": "tap time, with offset"},
        "reception_point": {"type": "string", "description": "reception point code"},
        "destination": {
            "type": "string",
            "description": "pole code, documentation, cyber, event, desk, or partner:<code>",
        },
        "from_pole": {"type": "string", "description": "pole code; reorientations only"},
        "party_size": {"type": "integer", "minimum": 1, "maximum": 500, "default": 1},
        "event_type": {"type": "string", "description": "event type code; destination event only"},
        "profile": PROFILE,
    },
}


def _auth_errors() -> dict:
    return {
        "401": {"description": "not logged in (JSON, never a login page)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "role not allowed",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }


def _batch_operation(summary: str, key: str, item_ref: str) -> dict:
    return {
        "summary": summary,
        "security": [{"session": [], "csrf": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": [key],
            "properties": {key: {"type": "array", "maxItems": 500,
                                 "items": {"$ref": item_ref}}}}}}},
        "responses": {
            "200": {"description": "one result per item, in order; a rejected item never blocks the others",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"results": {"type": "array",
                                                   "items": {"$ref": "#/components/schemas/Result"}}}}}}},
            "400": {"description": "body malformed or CSRF token missing",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            **_auth_errors(),
        },
    }


_EXTRA_PATHS: dict = {}
_EXTRA_SCHEMAS: dict = {}


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    """Let another feature (interviews, stats) document its own endpoints."""
    _EXTRA_PATHS.update(paths)
    _EXTRA_SCHEMAS.update(schemas or {})


def openapi_document() -> dict:
    """Return the OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Affluence API", "version": "1.0.0",
                 "description": "Anonymous visitor flow and counselling activity of a Cité des Métiers."},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                         "description": "the token of the page's <meta name=csrf-token>, or GET /api/v1/csrf"},
            },
            "schemas": {"Entry": ENTRY, "Profile": PROFILE, "Result": RESULT, "Error": ERROR,
                        **_EXTRA_SCHEMAS},
        },
        "paths": {
            "/api/v1/entries": {"post": _batch_operation(
                "Record arrivals and reorientations tapped at a reception point",
                "entries", "#/components/schemas/Entry")},
            "/api/v1/entries/{id}/undo": {"post": {
                "summary": "Cancel a recent entry (soft delete, audited)",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string", "format": "uuid"}}],
                "responses": {"200": {"description": "undone or already_undone"},
                              "404": {"description": "no such entry"},
                              "409": {"description": "undo window passed"}, **_auth_errors()},
            }},
            "/api/v1/counts": {"get": {
                "summary": "One day's counts for a site",
                "parameters": [
                    {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "site", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "counts", "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"date": {"type": "string", "format": "date"},
                                   "site": {"type": "string"},
                                   "total": {"type": "integer", "description": "persons (party sizes summed)"},
                                   "by_destination": {"type": "object",
                                                      "additionalProperties": {"type": "integer"}},
                                   "reorientations": {"type": "integer"}}}}}},
                              "400": {"description": "bad date"}, **_auth_errors()},
            }},
            "/api/v1/csrf": {"get": {"summary": "A fresh CSRF token for this session",
                                     "responses": {"200": {"description": "token"}, **_auth_errors()}}},
            **_EXTRA_PATHS,
        },
    }
