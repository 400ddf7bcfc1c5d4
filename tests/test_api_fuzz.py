"""The whole JSON API fuzzed from its own OpenAPI document (schemathesis, issue 7).

Every operation of /api/v1/openapi.json is called with data drawn from its schema, valid
and invalid, by an account that may use it: no answer may be a 5xx, and every answer must
match the document (status code, content type, body schema, headers). Bounded so the suite
stays quick: a few dozen examples per operation, no database reset between examples.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Auth, csrf_from

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
# The role each operation is meant for; every other operation is fuzzed as a reception agent.
ROLE_OF = {"/api/v1/interviews": "counsellor",
           "/api/v1/presence": "counsellor", "/api/v1/satisfaction": "kiosk"}  # issue 11
# Examples per operation and mode: enough to meet every rule of the schemas, quick enough
# (about 20 s per engine on the shared 2-core machine).
EXAMPLES = 60


@pytest.fixture
def sessions(app, make_user):
    """One logged-in test client per role: (session cookie, CSRF token)."""
    found = {}
    for role, extra in (("agent", {}), ("counsellor", {"pole": "emploi", "partner": "france-travail"})):
        user = make_user(role, **extra)
        auth = Auth(app.test_client())
        assert auth.login(user.username).status_code == 302
        found[role] = (auth.client.get_cookie("session").value, auth.token)
    # The exit kiosk (issue 11) opens its own page only: its token comes from there.
    auth = Auth(app.test_client())
    assert auth.login(make_user("kiosk").username).status_code == 302
    token = csrf_from(auth.client.get("/borne").get_data(as_text=True))
    found["kiosk"] = (auth.client.get_cookie("session").value, token)
    return found


def operations(app) -> list:
    """Every operation the served document describes."""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in api.get_all_operations()]


def test_the_document_lists_every_api_route(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    documented = {(method.upper(), path) for path, item in paths.items() for method in item}
    routed = {(method, re.sub(r"<[^>]+>", "{id}", str(rule)))
              for rule in app.url_map.iter_rules() if str(rule).startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


# The schemathesis pytest plugin does not run under pytest 9: each operation's strategy is
# driven by Hypothesis directly, which is what the plugin does.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_matches_the_document_and_none_is_a_server_error(app, sessions, mode):
    for operation in operations(app):
        cookie, token = sessions[ROLE_OF.get(operation.path, "agent")]

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))
        def call(case):
            # identity: the WSGI transport reads the body as sent, and answers are compressed.
            response = case.call(headers={"X-CSRFToken": token, "Accept-Encoding": "identity"},
                                 cookies={"session": cookie})
            case.validate_response(response, checks=CHECKS)

        call()
