"""The reception tablet: one page per reception point."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.models import EventType, Partner, Pole, ProfileOption, ReceptionPoint
from app.reception.services import FIXED_DESTINATIONS
from app.security import role_required

bp = Blueprint("reception", __name__, url_prefix="/accueil")

ROLES = ("agent", "director", "admin")


def points_for(user) -> list[ReceptionPoint]:
    """Return the active reception points the user may log at."""
    query = sa.select(ReceptionPoint).where(ReceptionPoint.active).order_by(ReceptionPoint.position)
    if user.role != "admin":
        query = query.where(ReceptionPoint.site_id == user.site_id)
    return list(db.session.scalars(query))


@bp.route("/")
@role_required(*ROLES)
def index():
    """List the reception points; go straight to the only one."""
    points = points_for(current_user)
    if len(points) == 1:
        return redirect(url_for("reception.tablet", code=points[0].code))
    return render_template("reception/index.html", points=points)


def tablet_config(point: ReceptionPoint) -> dict:
    """Return what the tablet script needs: destinations, profile chips, options."""
    def active(model, *order):
        return list(db.session.scalars(sa.select(model).where(model.active).order_by(*order)))

    poles = active(Pole, Pole.position)
    profile: dict[str, list] = {}
    for option in active(ProfileOption, ProfileOption.category, ProfileOption.position):
        profile.setdefault(option.category, []).append({"code": option.code, "label": option.label})
    return {
        "receptionPoint": point.code,
        "site": point.site.code,
        "undoMinutes": current_app.config["UNDO_WINDOW_MINUTES"],
        "poles": [{"code": p.code, "label": p.label, "short": p.short_label or p.label} for p in poles],
        "fixed": list(FIXED_DESTINATIONS),
        "partners": [{"code": p.code, "label": p.label}
                     for p in active(Partner, Partner.position)],
        "eventTypes": [{"code": e.code, "label": e.label}
                       for e in active(EventType, EventType.position)],
        "profile": profile,
    }


@bp.route("/<code>")
@role_required(*ROLES)
def tablet(code):
    """Show the tablet page of one reception point."""
    point = db.session.scalar(sa.select(ReceptionPoint).where(ReceptionPoint.code == code))
    if point is None or not point.active:
        abort(404)
    if current_user.role != "admin" and point.site_id != current_user.site_id:
        abort(403)
    return render_template("reception/tablet.html", point=point, config=tablet_config(point))
