"""What the statistics pages look up besides the figures: sites and poles to choose from.

The figures themselves come from app.figures (dashboard, floor board, reports alike).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date

from app.access import scope_site_ids, site_ids_of
from app.extensions import db
from app.figures import network
from app.figures.dashboard import DashboardFilters, dashboard_data
from app.figures.floor import floor_data
from app.figures.locale import default_locale
from app.figures.scope import InvalidFilter, resolve
from app.models import Pole, Site
from app.timeutil import local_today

__all__ = ["DashboardFilters", "InvalidFilter", "dashboard_data", "floor_data",
           "site_by_code", "active_sites", "all_sites", "all_poles", "sites_seen_by",
           "network_panel"]


def site_by_code(code: str) -> Site | None:
    """Return the site with that code, or None."""
    return db.session.scalar(sa.select(Site).where(Site.code == code))


def active_sites() -> list[Site]:
    """Return the active sites in their usual order."""
    return list(db.session.scalars(sa.select(Site).where(Site.active).order_by(Site.position)))


def all_sites() -> list[Site]:
    """Return every site, active ones first, in their usual order (history keeps the rest)."""
    return list(db.session.scalars(
        sa.select(Site).order_by(Site.active.desc(), Site.position, Site.id)))


def all_poles() -> list[Pole]:
    """Return every pole, active ones first, in their usual order."""
    return list(db.session.scalars(
        sa.select(Pole).order_by(Pole.active.desc(), Pole.position, Pole.id)))


def sites_seen_by(user, *, active_only: bool = True) -> list[Site]:
    """Return the sites the account sees, its home site first, then in their usual order."""
    query = sa.select(Site).order_by(Site.position, Site.id)
    if active_only:
        query = query.where(Site.active)
    ids = site_ids_of(user)
    if ids is not None:
        query = query.where(Site.id.in_(ids))
    return sorted(db.session.scalars(query), key=lambda site: site.id != user.site_id)


def network_panel(filters: DashboardFilters, user) -> dict:
    """Return the centres side by side, their monthly visitors and the data-quality panel,
    over the sites the account sees (every pole: centres are compared as wholes)."""
    with default_locale():
        scope = resolve(filters.start, filters.end, filters.site_code).scope
        scope = replace(scope, site_ids=scope_site_ids(user, scope.site_ids))
        compared = network.side_by_side(scope)
        several = len(compared["sites"]) > 1
        return {
            "side_by_side": compared if several else None,
            "monthly": network.daily_visitors(scope) if several else {},
            "quality": _labelled_days(network.data_quality(scope, today=local_today())),
        }


def _labelled_days(quality: dict) -> dict:
    """Give each day of the data-quality panel its ISO date and its label in the page."""
    def day(value: date) -> dict:
        return {"date": value.isoformat(), "label": format_date(value, "EEE d MMM yyyy")}

    for site in quality["sites"]:
        site["silent_days"] = [day(d) for d in site["silent_days"]]
        site["counselling_without_interview"] = [
            day(d) for d in site["counselling_without_interview"]]
        site["closed_day_arrivals"] = [{**day(row["date"]), "visitors": row["visitors"]}
                                       for row in site["closed_day_arrivals"]]
        for point in site["stopped_points"]:
            seen = point["last_seen"]
            point["last_seen"] = day(seen) if seen else None
    return quality
