"""Affluence: visitor flow and counselling activity for a Cité des Métiers."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, has_request_context, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.config import CONFIGS, MIN_SECRET_LENGTH, _database_url, instance_secret, is_known_secret
from app.extensions import babel, compress, csrf, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, errors, commands."""
    app = Flask(__name__, instance_relative_config=True)
    from app.security import BoundedRequest

    app.request_class = BoundedRequest  # deep JSON answers 400, never 500
    configure(app, config_name or os.environ.get("AFFLUENCE_ENV", "development"), overrides)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx: the client's address (login throttling) and https come from it.
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_context(app)
    register_commands(app)
    return app


def configure(app: Flask, config_name: str, overrides: dict | None) -> None:
    """Load the config class, then instance/config.py, then explicit overrides."""
    if config_name not in CONFIGS:
        raise RuntimeError(f"Unknown AFFLUENCE_ENV {config_name!r}: use one of {sorted(CONFIGS)}")
    app.config.from_object(CONFIGS[config_name])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.instance_path)
    # Several app servers and schedulers of a network share one reports folder (issue 10).
    app.config["REPORTS_DIR"] = os.environ.get("AFFLUENCE_REPORTS_DIR") or str(PROJECT_ROOT / "reports")
    app.config.update(overrides or {})
    app.config["ENV_NAME"] = config_name
    check_secret_and_debug(app, config_name)


def check_secret_and_debug(app: Flask, config_name: str) -> None:
    """Never sign sessions with a known key; never serve the debugger in production."""
    key = app.config.get("SECRET_KEY")
    if config_name == "production":
        if is_known_secret(key) or len(str(key)) < MIN_SECRET_LENGTH:
            raise RuntimeError("Refusing to start in production without a real SECRET_KEY "
                               f"(at least {MIN_SECRET_LENGTH} characters).")
        # `flask run --debug` or FLASK_DEBUG=1: a 500 would hand anyone a Python console.
        if app.debug or app.config.get("DEBUG"):
            raise RuntimeError("Refusing to start in production with debug on "
                               "(FLASK_DEBUG, --debug or DEBUG = True).")
    elif is_known_secret(key) and not app.testing:
        # A plain `gunicorn wsgi:app` without configuration: one key made once, kept.
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)


def register_extensions(app: Flask) -> None:
    """Bind the extensions to the app."""
    from app.auth.services import load_user
    from app.database import init_engine
    from app.extensions import db

    from app.security import check_login_before_csrf

    init_engine(app)
    # Registered first, so its after_request runs last and compresses the final body.
    compress.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    check_login_before_csrf(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Paris")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)


def _unauthorized():
    from app.security import wants_json

    if wants_json():
        # An expired session must never look like a 200 HTML login page to fetch().
        return jsonify(error="unauthenticated", message=_("Session expirée : reconnectez-vous.")), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def select_locale() -> str:
    """Pick the UI language: the user's explicit choice, else French.

    Shared tablets often ship set to English; the floor speaks French unless someone asks.
    """
    if not has_request_context():
        return "fr"  # CLI commands and scheduled reports write French
    chosen = request.args.get("lang") or session.get("lang")
    if chosen not in current_app.config["LANGUAGES"]:
        return "fr"
    # English dates read day-month-year (en-GB); the catalogue is the "en" one.
    return "en_GB" if chosen == "en" else chosen


def register_blueprints(app: Flask) -> None:
    """Attach each feature's blueprint."""
    from app.admin.views import bp as admin_bp
    from app.api.views import bp as api_bp
    from app.auth.views import bp as auth_bp
    from app.help.views import bp as help_bp
    from app.history.views import bp as history_bp
    from app.interviews.api import bp as interviews_api_bp
    from app.reception.api import bp as reception_api_bp
    from app.events.api import bp as events_api_bp
    from app.events.views import bp as events_bp
    from app.interviews.views import bp as interviews_bp
    from app.main.views import bp as main_bp
    from app.privacy.views import bp as guard_bp
    from app.reception.views import bp as reception_bp
    from app.reporting.views import bp as reporting_bp
    from app.bilan.views import bp as bilan_bp
    from app.stats.views import bp as stats_bp
    from app.floor.api import bp as floor_api_bp  # issue 11
    from app.floor.views import bp as floor_bp  # issue 11

    for blueprint in (main_bp, auth_bp, reception_bp, interviews_bp, stats_bp, reporting_bp,
                      api_bp, reception_api_bp, interviews_api_bp, admin_bp, help_bp,
                      events_api_bp, events_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(guard_bp)  # the guard's word lists for guard.js
    app.register_blueprint(history_bp)
    app.register_blueprint(bilan_bp)  # the bilan d'activité (issue 12)
    app.register_blueprint(floor_bp)  # issue 11: the exit kiosk (and its lock)
    app.register_blueprint(floor_api_bp)  # issue 11
    from app.network.views import bp as network_bp
    app.register_blueprint(network_bp)  # site calendars and services (issue 10)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors as JSON on the API and as a French page elsewhere."""
    from app.security import JSONTooDeep, wants_json

    messages = {
        400: _l("Requête invalide."),
        401: _l("Connexion requise."),
        403: _l("Vous n'avez pas accès à cette page."),
        404: _l("Page introuvable."),
        405: _l("Méthode non autorisée."),
        413: _l("Envoi trop volumineux."),
        500: _l("Erreur interne : l'équipe technique a été prévenue."),
    }

    def handle(error):
        code = getattr(error, "code", 500) or 500
        message = str(messages.get(code, getattr(error, "description", "")))
        if wants_json():
            response = jsonify(error=getattr(error, "name", "error").lower().replace(" ", "_"),
                               message=message)
        else:
            response = app.make_response(render_template("error.html", code=code,
                                                         message=message))
        response.status_code = code
        if getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110 for 405
        return response

    for code in messages:
        app.register_error_handler(code, handle)

    @app.errorhandler(JSONTooDeep)
    def handle_deep_json(_error):
        message = _("JSON trop imbriqué : au plus %(n)d niveaux.",
                    n=app.config["MAX_JSON_DEPTH"])
        return jsonify(error="json_too_deep", field="body", message=message), 400

    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        message = _("Jeton de sécurité expiré ou absent : rechargez la page.")
        if wants_json():
            return jsonify(error="csrf", field="X-CSRFToken", message=message), 400
        return render_template("error.html", code=400, message=message), 400


def register_security_headers(app: Flask) -> None:
    """Set headers that keep pages from being framed, sniffed or leaking referrers."""

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # no-referrer would break Flask-WTF's CSRF referrer check over HTTPS (PITFALLS).
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        # Pages for a logged-in person and JSON answers hold data a shared tablet's cache,
        # or the back button after logout, must not give away.
        if request.endpoint != "static" and "Cache-Control" not in response.headers and (
                response.is_json or _is_logged_in()):
            response.headers["Cache-Control"] = "no-store"
        return response


def _is_logged_in() -> bool:
    from flask_login import current_user

    return bool(current_user) and current_user.is_authenticated


def register_template_context(app: Flask) -> None:
    """Give every template the navigation, the vocabulary and the browser's page config."""
    from app import typography, vocabulary

    typography.register(app)

    @app.template_filter("capfirst")
    def capfirst(text) -> str:
        """Upper-case the first letter only (Jinja's capitalize lowers the rest: "14 November")."""
        text = str(text)
        return text[:1].upper() + text[1:]

    @app.context_processor
    def navigation():
        return {"nav_items": vocabulary.NAV_ITEMS, "role_labels": vocabulary.ROLES,
                "vocabulary": vocabulary.template_vocabulary(),
                "page_config": vocabulary.page_config,
                "view_endpoints": app.view_functions, "get_locale": get_locale,
                # A setting, for pages whose own `config` variable hides Flask's.
                "config_value": lambda key, default=None: app.config.get(key, default)}


def register_commands(app: Flask) -> None:
    """Add the project's flask commands."""
    from app.cli import register

    register(app)
