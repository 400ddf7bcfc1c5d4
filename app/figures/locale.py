"""The language figures are labelled in outside a request."""

from __future__ import annotations

import contextlib

from flask import has_request_context
from flask_babel import force_locale


@contextlib.contextmanager
def default_locale():
    """Speak the app's default language when called outside a request (CLI, benchmark)."""
    if has_request_context():
        yield
    else:
        with force_locale("fr"):
            yield
