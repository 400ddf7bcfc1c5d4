"""The round schedule of a site, as the administrator sets it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, ValidationError

EVERY_CHOICES = (15, 20, 30, 60, 90, 120)


class RoundScheduleForm(FlaskForm):
    """Every how many minutes, from which hour to which hour, a site's rounds are due."""

    site = HiddenField()
    every = SelectField(_l("Toutes les"), coerce=int,
                        choices=[SelectChoice(n, _l("%(n)d minutes", n=n)) for n in EVERY_CHOICES])
    first_hour = IntegerField(_l("Première tournée à (heure)"), validators=[
        InputRequired(message=_l("Indiquez une heure.")),
        NumberRange(min=0, max=23, message=_l("Une heure entre 0 et 23."))])
    last_hour = IntegerField(_l("Dernière tournée à (heure)"), validators=[
        InputRequired(message=_l("Indiquez une heure.")),
        NumberRange(min=0, max=23, message=_l("Une heure entre 0 et 23."))])
    active = BooleanField(_l("Rappeler les tournées sur la tablette"))

    def validate_last_hour(self, field):
        if self.first_hour.data is not None and field.data is not None \
                and field.data < self.first_hour.data:
            raise ValidationError(_l("La dernière tournée ne peut précéder la première."))
