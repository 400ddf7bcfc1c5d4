"""What the statistics pages look up besides the figures: sites and poles to choose from.

The figures themselves come from app.figures (dashboard, floor board, reports alike).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.access import site_ids_of
from app.extensions import db
from app.figures.dashboard import DashboardFilters, dashboard_data
from app.figures.floor import floor_data
from app.figures.scope import InvalidFilter
from app.models import Pole, Site

__all__ = ["DashboardFilters", "InvalidFilter", "dashboard_data", "floor_data",
           "site_by_code", "active_sites", "all_sites", "all_poles", "sites_seen_by"]


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
