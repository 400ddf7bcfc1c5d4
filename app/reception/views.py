"""The reception tablet: one page per reception point."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from app.access import may_act_on
from app.reception.services import point_by_code, points_for, tablet_config
from app.security import role_required

bp = Blueprint("reception", __name__, url_prefix="/accueil")

ROLES = ("agent", "director", "admin")


@bp.route("/")
@role_required(*ROLES)
def index():
    """List the reception points; go straight to the only one."""
    points = points_for(current_user)
    if len(points) == 1:
        return redirect(url_for("reception.tablet", code=points[0].code))
    return render_template("reception/index.html", points=points)


@bp.route("/<code>")
@role_required(*ROLES)
def tablet(code):
    """Show the tablet page of one reception point."""
    point = point_by_code(code)
    if point is None:
        abort(404)
    if not may_act_on(current_user, point.site_id):
        abort(403)
    return render_template("reception/tablet.html", point=point, config=tablet_config(point))
