"""Login, logout and language choice."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import LoginForm
from app.auth.services import LoginRefused, authenticate, logout

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    # Only a path on this site: never follow an external or scheme-relative next.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            authenticate(form.username.data, form.password.data)
        except LoginRefused as refused:
            flash(str(refused), "error")
            status = 401
        else:
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout_view():
    """Log out, revoking this session everywhere."""
    logout(current_user._get_current_object())
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code):
    """Remember the chosen interface language."""
    if code in ("fr", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))
