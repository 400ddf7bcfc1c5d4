"""The OpenAPI document of /api/v1, assembled from the schemas the endpoints validate with.

Each feature registers its paths and schemas beside its endpoints (app/reception/api.py,
app/interviews/api.py); the item schemas are the very ones app.capture validates every item
against, so the document cannot drift from what the API accepts.
"""

from __future__ import annotations

from flask import current_app

RESULT = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": ["string", "null"],
               "description": "the item's id as sent, or null when it was not a string"},
        "status": {"enum": ["created", "duplicate", "rejected"]},
        "field": {"type": "string", "description": "the field a rejection is about"},
        "error": {"type": "string", "description": "field: reason (in the user's language)"},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "field": {"type": "string"},
                   "message": {"type": "string"}},
}


def json_error(description: str) -> dict:
    """Describe an answer carrying an Error object."""
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# Answers any endpoint may give, whatever its input.
ERROR_RESPONSES = {
    "401": json_error("not logged in (JSON, never a login page)"),
    "403": json_error("role or site not allowed"),
}


def batch_operation(summary: str, key: str, item_ref: str) -> dict:
    """Describe a POST of a batch {key: [items]} answered with one Result per item."""
    return {
        "summary": summary,
        "security": [{"session": [], "csrf": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": [key],
            "properties": {key: {"type": "array", "maxItems": "MAX_BATCH",
                                 "items": {"$ref": item_ref}}}}}}},
        "responses": {
            "200": {"description": "one result per item, in order; a rejected item never blocks the others",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["results"],
                        "properties": {"results": {"type": "array",
                                                   "items": {"$ref": "#/components/schemas/Result"}}}}}}},
            "400": json_error("body is not a JSON object with a list under its key, JSON nested "
                              "too deep, or CSRF token missing (field X-CSRFToken)"),
            "413": json_error(f"more than MAX_BATCH items (field {key}), or a body over the size limit"),
            **ERROR_RESPONSES,
        },
    }


# Kept for imports written before the rename.
_batch_operation = batch_operation

_EXTRA_PATHS: dict = {}
_EXTRA_SCHEMAS: dict = {}


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    """Let a feature document its own endpoints and the schemas they validate with."""
    _EXTRA_PATHS.update(paths)
    _EXTRA_SCHEMAS.update(schemas or {})


def _with_limits(value, limit: int):
    """Put the configured batch limit where the description says MAX_BATCH."""
    if isinstance(value, dict):
        return {key: _with_limits(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_limits(item, limit) for item in value]
    if value == "MAX_BATCH":
        return limit
    if isinstance(value, str) and "MAX_BATCH" in value:
        return value.replace("MAX_BATCH", str(limit))
    return value


def openapi_document() -> dict:
    """Return the OpenAPI 3.1 document."""
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Affluence API", "version": "1.0.0",
                 "description": "Anonymous visitor flow and counselling activity of a Cité des Métiers."},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                         "description": "the token of the page's <meta name=csrf-token>, or GET /api/v1/csrf"},
            },
            "schemas": {"Result": RESULT, "Error": ERROR, **_EXTRA_SCHEMAS},
        },
        "paths": {
            "/api/v1/csrf": {"get": {
                "summary": "A fresh CSRF token for this session",
                "security": [{"session": []}],
                "responses": {"200": {"description": "token", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["csrf_token"],
                               "properties": {"csrf_token": {"type": "string"}}}}}},
                              **ERROR_RESPONSES}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            **_EXTRA_PATHS,
        },
    }
    return _with_limits(document, current_app.config["MAX_BATCH"])
