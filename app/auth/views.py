"""Login, logout, password change and language choice."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.services import LoginRefused, PasswordRefused, authenticate, change_password, logout
from app.models import ROLES
from app.security import role_required, wants_json

bp = Blueprint("auth", __name__)

# What an account that must first choose its password may still reach.
BEFORE_PASSWORD_CHANGE = frozenset({
    "auth.change_password", "auth.logout_view", "auth.set_language", "auth.login",
    "static", "main.service_worker", "main.health",
})


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    # Only a path on this site: never follow an external or scheme-relative next.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.before_app_request
def password_change_first():
    """Send an account whose password someone else chose to choose its own first."""
    if request.endpoint in BEFORE_PASSWORD_CHANGE or not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    if wants_json():
        return jsonify(error="password_change_required",
                       message=_("Choisissez d'abord votre mot de passe.")), 403
    return redirect(url_for("auth.change_password", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr)
        except LoginRefused as refused:
            flash(str(refused), "error")
            status = 401
        else:
            session.permanent = True
            target = _safe_next(request.args.get("next"))
            if user.must_change_password:
                return redirect(url_for(".change_password", next=target))
            return redirect(target or url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/mot-de-passe", methods=["GET", "POST"], endpoint="change_password")
@role_required(*ROLES)  # not login_required: an expired session goes to login, not a CSRF 400
def change_password_page():
    """Let the account choose its own password (required when someone else chose it)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user._get_current_object(), form.current_password.data,
                            form.new_password.data, form.confirm.data)
        except PasswordRefused as refused:
            form[refused.field].errors = list(form[refused.field].errors) + [str(refused)]
        else:
            session.permanent = True
            flash(_("Mot de passe enregistré."), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form,
                           required=current_user.must_change_password), status


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
