"""The login page renders in Chromium and a wrong password is refused in French."""

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_a_wrong_password_is_refused_with_a_french_message(page, live_server, make_user):
    user = make_user("agent")
    login(page, live_server.url, user.username, password="wrong-password")
    assert page.locator(".flash-error").inner_text() == "Identifiant ou mot de passe incorrect."
    assert page.js_errors == []
