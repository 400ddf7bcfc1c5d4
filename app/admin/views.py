"""Administration: accounts, reference lists and the audit journal."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.admin import services
from app.admin.forms import REFERENCE_FORMS, AccountCreateForm, AccountForm, UserFilterForm
from app.admin.forms import JournalFilterForm
from app.extensions import db
from app.models import User
from app.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

STATE_FILTERS = {"actifs": True, "desactives": False}


def _reject(form, refused: services.AdminRefused) -> None:
    """Show a refusal from the services next to its field, or at the top of the page."""
    if refused.field and refused.field in form:
        form[refused.field].errors = list(form[refused.field].errors) + [str(refused)]
    else:
        flash(str(refused), "error")


def _no_store(response):
    # The page shows a password once: no cache, no back-button copy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


# ---------------------------------------------------------------- accounts

@bp.route("/comptes")
@role_required("admin")
def users():
    """List the staff accounts, filtered by role, site and state."""
    filters = UserFilterForm(formdata=request.args)
    accounts = services.list_users(role=filters.role.data or None,
                                   site=filters.site.data or None,
                                   active=STATE_FILTERS.get(filters.state.data or ""))
    filtered = any(request.args.get(name) for name in ("role", "site", "state"))
    return render_template("admin/users.html", users=accounts, filters=filters, filtered=filtered,
                           throttled=services.throttled_usernames([u.username for u in accounts]))


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
@role_required("admin")
def user_create():
    """Create an account, with a given or a generated password."""
    form = AccountCreateForm(data={"role": "agent", "site": current_user.site.code})
    if form.validate_on_submit():
        try:
            user, generated = services.create_user(current_user, form.username.data,
                                                   form.account_values(), form.password.data)
        except services.AdminRefused as refused:
            _reject(form, refused)
        else:
            if generated:
                return _no_store(make_response(render_template(
                    "admin/password.html", account=user, password=generated, created=True)))
            flash(_("Compte « %(username)s » créé.", username=user.username), "success")
            return redirect(url_for(".users"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, account=None), status


def _edit_page(account: User, form=None, status: int = 200):
    form = form or AccountForm(formdata=None, data=services.user_values(account), account=account,
                               actor=current_user)
    return render_template("admin/user_form.html", form=form, account=account), status


@bp.route("/comptes/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user_edit(user_id: int):
    """Change an account's name, role, site, pole and partner."""
    account = db.get_or_404(User, user_id)
    form = AccountForm(data=services.user_values(account), account=account, actor=current_user)
    if form.validate_on_submit():
        try:
            changes = services.update_user(current_user, account, form.account_values())
        except services.AdminRefused as refused:
            _reject(form, refused)
        else:
            flash(_("Compte « %(username)s » mis à jour.", username=account.username) if changes
                  else _("Aucune modification."), "success" if changes else "info")
            return redirect(url_for(".user_edit", user_id=account.id))
    return _edit_page(account, form, 400 if request.method == "POST" else 200)


def _set_user_active(user_id: int, active: bool):
    account = db.get_or_404(User, user_id)
    try:
        services.set_user_active(current_user, account, active)
    except services.AdminRefused as refused:
        flash(str(refused), "error")
        return _edit_page(account, status=409)
    if active:
        flash(_("Compte « %(username)s » réactivé.", username=account.username), "success")
    else:
        flash(_("Compte « %(username)s » désactivé : ses sessions sont fermées.",
                username=account.username), "success")
    return redirect(url_for(".user_edit", user_id=account.id))


@bp.route("/comptes/<int:user_id>/desactiver", methods=["POST"])
@role_required("admin")
def user_deactivate(user_id: int):
    """Deactivate an account: it can no longer log in and its sessions stop at once."""
    return _set_user_active(user_id, False)


@bp.route("/comptes/<int:user_id>/reactiver", methods=["POST"])
@role_required("admin")
def user_reactivate(user_id: int):
    """Let a deactivated account log in again."""
    return _set_user_active(user_id, True)


@bp.route("/comptes/<int:user_id>/mot-de-passe", methods=["POST"])
@role_required("admin")
def user_reset_password(user_id: int):
    """Give the account a generated password, shown once; close its sessions, unlock it."""
    account = db.get_or_404(User, user_id)
    password = services.reset_password(current_user, account)
    if account.id == current_user.id:
        # Keep the administrator's own session: only the other copies are revoked.
        login_user(account)
    return _no_store(make_response(render_template(
        "admin/password.html", account=account, password=password, created=False)))


@bp.route("/comptes/<int:user_id>/debloquer", methods=["POST"])
@role_required("admin")
def user_unlock(user_id: int):
    """Let every source try the account's password again at once (after a guesser, say)."""
    account = db.get_or_404(User, user_id)
    services.unlock_user(current_user, account)
    flash(_("Compte « %(username)s » débloqué : les connexions reprennent sans attente.",
            username=account.username), "success")
    return redirect(url_for(".users"))


# ---------------------------------------------------------------- reference lists

def _kind(slug: str) -> services.ReferenceKind:
    kind = services.REFERENCE_KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


@bp.route("/listes")
@role_required("admin")
def reference_index():
    """List the reference lists."""
    return render_template("admin/reference_index.html", kinds=services.REFERENCE_KINDS,
                           counts=services.reference_counts())


@bp.route("/listes/<kind>")
@role_required("admin")
def reference_list(kind: str):
    """Show every row of one reference list, active or not."""
    spec = _kind(kind)
    return render_template("admin/reference_list.html", kind=spec,
                           rows=services.reference_rows(spec), **_labels())


@bp.route("/listes/<kind>/nouveau", methods=["GET", "POST"])
@role_required("admin")
def reference_create(kind: str):
    """Add a row to a reference list."""
    spec = _kind(kind)
    form = REFERENCE_FORMS[spec.slug](kind=spec)
    if form.validate_on_submit():
        try:
            row = services.create_reference(current_user, spec, form.reference_values())
        except services.AdminRefused as refused:
            _reject(form, refused)
        else:
            flash(_("« %(label)s » ajouté.", label=row.label), "success")
            return redirect(url_for(".reference_list", kind=spec.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/reference_form.html", kind=spec, form=form, row=None,
                           **_labels()), status


def _reference_page(spec, row, form=None, status: int = 200):
    form = form or REFERENCE_FORMS[spec.slug](formdata=None, kind=spec, row=row,
                                              data=services.reference_values(spec, row))
    return render_template("admin/reference_form.html", kind=spec, form=form, row=row,
                           **_labels()), status


@bp.route("/listes/<kind>/<int:row_id>", methods=["GET", "POST"])
@role_required("admin")
def reference_edit(kind: str, row_id: int):
    """Change a row's label, order, state and details; never its code."""
    spec = _kind(kind)
    row = db.get_or_404(spec.model, row_id)
    form = REFERENCE_FORMS[spec.slug](kind=spec, row=row, data=services.reference_values(spec, row))
    if form.validate_on_submit():
        changes = services.update_reference(current_user, spec, row, form.reference_values())
        flash(_("« %(label)s » mis à jour.", label=row.label) if changes
              else _("Aucune modification."), "success" if changes else "info")
        return redirect(url_for(".reference_list", kind=spec.slug))
    return _reference_page(spec, row, form, 400 if request.method == "POST" else 200)


def _set_reference_active(kind: str, row_id: int, active: bool):
    spec = _kind(kind)
    row = db.get_or_404(spec.model, row_id)
    services.set_reference_active(current_user, spec, row, active)
    if active:
        flash(_("« %(label)s » réactivé.", label=row.label), "success")
    else:
        flash(_("« %(label)s » désactivé : il n'est plus proposé, l'historique le garde.",
                label=row.label), "success")
    return redirect(url_for(".reference_list", kind=spec.slug))


@bp.route("/listes/<kind>/<int:row_id>/desactiver", methods=["POST"])
@role_required("admin")
def reference_deactivate(kind: str, row_id: int):
    """Stop offering a row; what was recorded with it keeps pointing at it."""
    return _set_reference_active(kind, row_id, False)


@bp.route("/listes/<kind>/<int:row_id>/reactiver", methods=["POST"])
@role_required("admin")
def reference_reactivate(kind: str, row_id: int):
    """Offer a deactivated row again."""
    return _set_reference_active(kind, row_id, True)


def _labels() -> dict:
    return {"category_labels": services.PROFILE_CATEGORY_LABELS,
            "target_kind_labels": services.TARGET_KIND_LABELS,
            "field_labels": services.FIELD_LABELS, "kinds_registry": services.REFERENCE_KINDS}


# ---------------------------------------------------------------- audit journal

@bp.route("/journal")
@role_required("admin")
def journal():
    """Show the audit events in words, by page, filtered by who, what, when and site."""
    filters = JournalFilterForm(formdata=request.args)
    events = services.journal_page(filters.filters(), page=request.args.get("page", 1, type=int))
    return render_template("admin/journal.html", events=events, filters=filters,
                           entries=services.journal_entries(events.items))
