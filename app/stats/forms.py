"""The dashboard's filter form (a GET form: no CSRF token, shareable URLs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField

from app.stats.services import DashboardFilters
from app.timeutil import local_today


def _start_of_year():
    return local_today().replace(month=1, day=1)


class DashboardFilterForm(FlaskForm):
    """Date range, site and pole of the dashboard; defaults to the current year to date."""

    class Meta:
        csrf = False

    start = DateField(_l("Du"), default=_start_of_year)
    end = DateField(_l("Au"), default=local_today)
    site = SelectField(_l("Site"), default="")
    pole = SelectField(_l("Pôle"), default="")

    def __init__(self, formdata, sites, poles, *, every_site: bool = True):
        super().__init__(formdata=formdata)
        # Without the network in view, the account's first site stands for "no choice".
        everything = [("", _l("Tous les sites"))] if every_site else []
        self.site.choices = everything + [(s.code, s.label) for s in sites]
        if not every_site and not self.site.data and sites:
            self.site.data = sites[0].code
        self.pole.choices = [("", _l("Tous les pôles"))] + [(p.code, p.label) for p in poles]

    def filters(self) -> DashboardFilters:
        """Return the validated filters."""
        return DashboardFilters(self.start.data, self.end.data, self.site.data or None,
                                self.pole.data or None)

    def first_error(self) -> tuple[str, str]:
        """Return the first invalid field's name and its message."""
        for field in self:
            if field.errors:
                return field.name, str(field.errors[0])
        return "", ""
