"""The period and scope every figure is counted over: dates, sites, pole, partner."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Partner, Pole, Site
from app.timeutil import one_year_earlier

FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_SPAN_DAYS = 10 * 366 + 1  # ten calendar years, leap days included


class InvalidFilter(ValueError):
    """A filter is invalid; field names it and reason says why, in the user's language."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} : {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Scope:
    """What a figure counts: Paris days start..end, some sites (None: all), a pole, a partner.

    With a pole, the flow counts arrivals sent to it and reorientations into or out of it,
    and the interviews held there; with a partner, only the interviews its counsellors
    held and the reorientations those produced, and no reception figures.
    """

    start: date
    end: date
    site_ids: tuple[int, ...] | None = None
    pole_id: int | None = None
    partner_id: int | None = None

    def previous(self) -> Scope:
        """Return the same scope over the same dates a year earlier."""
        return replace(self, start=one_year_earlier(self.start), end=one_year_earlier(self.end))

    def with_dates(self, start: date, end: date) -> Scope:
        """Return the same scope over other dates."""
        return replace(self, start=start, end=end)


def _check_date(field: str, value) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidFilter(field, _("date attendue (AAAA-MM-JJ)"))
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidFilter(field, _("année entre %(first)d et %(last)d attendue",
                                     first=FIRST_YEAR, last=LAST_YEAR))


def check_dates(start, end) -> None:
    """Check a period's bounds; raise InvalidFilter naming the field."""
    _check_date("start", start)
    _check_date("end", end)
    if end < start:
        raise InvalidFilter("end", _("la date de fin précède la date de début"))
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidFilter("end", _("période de 10 ans au plus"))


def _by_code(model, code: str, field: str, message: str):
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        raise InvalidFilter(field, message)
    return row


@dataclass(frozen=True)
class ResolvedScope:
    """A scope with the rows its codes named, for the labels the pages and reports show."""

    scope: Scope
    site: Site | None
    pole: Pole | None
    partner: Partner | None


def resolve(start, end, site_code: str | None = None, pole_code: str | None = None,
            partner_code: str | None = None) -> ResolvedScope:
    """Check dates and codes; return the scope they name or raise InvalidFilter."""
    check_dates(start, end)
    site = pole = partner = None
    if site_code:
        site = _by_code(Site, site_code, "site",
                        _("site inconnu « %(code)s »", code=site_code))
    if pole_code:
        pole = _by_code(Pole, pole_code, "pole",
                        _("pôle inconnu « %(code)s »", code=pole_code))
    if partner_code:
        partner = _by_code(Partner, partner_code, "partner",
                           _("partenaire inconnu « %(code)s »", code=partner_code))
    scope = Scope(start, end, (site.id,) if site else None,
                  pole.id if pole else None, partner.id if partner else None)
    return ResolvedScope(scope, site, pole, partner)
