"""The site calendar screens' forms: the week, a closure, the services offered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FormField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length

from app.network.services import WEEKDAYS


class DayForm(FlaskForm):
    """One weekday: its opening ranges, and whether interviews are held."""

    class Meta:
        csrf = False  # the week form carries the token

    ranges = StringField(_l("Plages d'ouverture"))
    counselling = BooleanField(_l("Entretiens"))


class WeekForm(FlaskForm):
    """The site's week, Monday to Sunday."""

    mon = FormField(DayForm, label=_l("Lundi"))
    tue = FormField(DayForm, label=_l("Mardi"))
    wed = FormField(DayForm, label=_l("Mercredi"))
    thu = FormField(DayForm, label=_l("Jeudi"))
    fri = FormField(DayForm, label=_l("Vendredi"))
    sat = FormField(DayForm, label=_l("Samedi"))
    sun = FormField(DayForm, label=_l("Dimanche"))

    def days(self):
        """Yield (weekday index, day subform) from Monday."""
        for index, key in enumerate(WEEKDAYS):
            yield index, self[key]


class ClosureForm(FlaskForm):
    """A closure: from, to, and why."""

    start = DateField(_l("Du"), validators=[InputRequired(_l("Date de début obligatoire."))])
    end = DateField(_l("Au (inclus)"), validators=[InputRequired(_l("Date de fin obligatoire."))])
    reason = StringField(_l("Motif"), validators=[
        InputRequired(_l("Indiquez le motif.")), Length(max=160)],
        description=_l("Par exemple : vacances de Noël, travaux, inventaire."))


class ServicesForm(FlaskForm):
    """What the site offers: everything, or a list of poles and destinations."""

    everything = BooleanField(_l("Tous les services (pôles et destinations actifs)"))
    offer = SelectMultipleField(_l("Services proposés"), validate_choice=False)
