"""Administration: accounts and reference lists."""

import sqlalchemy as sa
from flask import Blueprint, render_template

from app.extensions import db
from app.models import User
from app.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/comptes")
@role_required("admin")
def users():
    """List the staff accounts."""
    accounts = db.session.scalars(sa.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=accounts)
