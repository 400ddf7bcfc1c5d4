"""Event forms: planning (one event or a weekly series), attendance, calendar filters.

The planning form only turns its fields into the API's payload; app.events.services
validates it, so the page and the API refuse the same things in the same words.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app import reference
from app.events.services import MAX_CAPACITY, PLACE_MAX, SPLIT_FIELDS, TITLE_MAX
from app.models import EventType, Partner, Pole
from app.timeutil import PARIS
from app.vocabulary import EVENT_LOCATIONS, EVENT_REPEATS

MAX_SERIES = 60  # a weekly workshop over a year is 52 sessions
# The service's field names, when the form calls them otherwise.
FIELD_FOR = {"type": "event_type", "starts_at": "start_time", "ends_at": "end_time",
             "outside": "location"}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes, for touch screens."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(model) -> list[SelectChoice]:
    return _options((row.code, row.label) for row in reference.active(model))


class EventForm(FlaskForm):
    """One event, or the first of a weekly series, as a planner enters it."""

    event_type = SelectField(_l("Type"), validators=[InputRequired(_l("Type obligatoire."))])
    title = StringField(_l("Titre"), validators=[InputRequired(_l("Titre obligatoire."))],
                        description=_l("Sans donnée personnelle (ni nom ni coordonnées)."),
                        render_kw={"maxlength": TITLE_MAX})
    site = SelectField(_l("Site"), validators=[InputRequired()])
    poles = MultiCheckboxField(_l("Pôles"))
    partners = MultiCheckboxField(_l("Partenaires organisateurs"))
    start_date = DateField(_l("Date de début"), validators=[InputRequired(_l("Date obligatoire."))])
    start_time = TimeField(_l("Heure de début"), validators=[InputRequired(_l("Heure obligatoire."))])
    end_date = DateField(_l("Date de fin"), validators=[Optional()],
                         description=_l("Si plusieurs jours."))
    end_time = TimeField(_l("Heure de fin"), validators=[InputRequired(_l("Heure obligatoire."))])
    location = RadioField(_l("Lieu"), choices=_options(EVENT_LOCATIONS.items()),
                          default="centre")
    place = StringField(_l("Salle ou lieu"), render_kw={"maxlength": PLACE_MAX},
                        description=_l("Salle du centre, ou lieu hors les murs."))
    capacity = IntegerField(_l("Capacité (places)"), validators=[
        Optional(), NumberRange(1, MAX_CAPACITY, _l("Entre 1 et %(max)d.", max=MAX_CAPACITY))])
    registered = IntegerField(_l("Inscrits"), validators=[
        Optional(), NumberRange(0, MAX_CAPACITY, _l("Entre 0 et %(max)d.", max=MAX_CAPACITY))])
    repeat = RadioField(_l("Répétition"), choices=_options(EVENT_REPEATS.items()),
                        default="none")
    repeat_until = DateField(_l("Jusqu'au"), validators=[Optional()],
                             description=_l("Dernière séance, incluse."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_type.choices = _choices(EventType)
        self.poles.choices = _choices(Pole)
        self.partners.choices = _choices(Partner)

    def validate_repeat_until(self, field):
        if self.repeat.data == "weekly":
            if field.data is None:
                raise ValidationError(_l("Date de fin de série obligatoire."))
            if self.start_date.data and field.data < self.start_date.data:
                raise ValidationError(_l("La série finit avant de commencer."))
            if self.start_date.data and len(self.days()) > MAX_SERIES:
                raise ValidationError(_l("%(max)d séances au plus par série.", max=MAX_SERIES))

    def days(self) -> list[date]:
        """Return the first day of every event the form plans (one, or one a week)."""
        first = self.start_date.data
        repeat = getattr(self, "repeat", None)  # an edit changes one event: no repeat field
        if repeat is None or repeat.data != "weekly" or self.repeat_until.data is None:
            return [first]
        count = (self.repeat_until.data - first).days // 7 + 1
        return [first + timedelta(weeks=n) for n in range(max(count, 1))]

    def payloads(self) -> list[dict]:
        """Return one API payload per event planned, sharing a series id when repeated."""
        span = (self.end_date.data or self.start_date.data) - self.start_date.data
        series = str(uuid.uuid4()) if len(self.days()) > 1 else None
        items = []
        for day in self.days():
            start = datetime.combine(day, self.start_time.data, tzinfo=PARIS)
            end = datetime.combine(day + span, self.end_time.data, tzinfo=PARIS)
            items.append({
                "id": str(uuid.uuid4()), "type": self.event_type.data, "title": self.title.data or "",
                "site": self.site.data, "poles": self.poles.data or [],
                "partners": self.partners.data or [],
                "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                "place": self.place.data or "", "outside": self.location.data == "outside",
                "capacity": self.capacity.data, "registered": self.registered.data,
                **({"series": series} if series else {}),
            })
        return items

    def fill_from(self, payload: dict) -> None:
        """Fill the form from an event's payload (a duplicate, an edit)."""
        start = datetime.fromisoformat(payload["starts_at"]).astimezone(PARIS)
        end = datetime.fromisoformat(payload["ends_at"]).astimezone(PARIS)
        self.event_type.data = payload["type"]
        self.title.data = payload["title"]
        self.site.data = payload["site"]
        self.poles.data = payload["poles"]
        self.partners.data = payload["partners"]
        self.start_date.data, self.start_time.data = start.date(), start.time().replace(second=0)
        self.end_date.data, self.end_time.data = end.date(), end.time().replace(second=0)
        self.location.data = "outside" if payload["outside"] else "centre"
        self.place.data = payload["place"]
        self.capacity.data = payload["capacity"]
        self.registered.data = payload["registered"]

    def show_refusal(self, field: str, message: str) -> None:
        """Put the service's refusal under the field it names."""
        name = FIELD_FOR.get(field, field)
        target = getattr(self, name, None) if name in self._fields else None
        reason = message.split(": ", 1)[-1]
        if target is None:
            self.form_errors.append(message)
        else:
            target.errors = [*target.errors, reason]


def site_choices(sites) -> list[SelectChoice]:
    """Return the sites as choices."""
    return _options((site.code, site.label) for site in sites)


class AttendanceForm(FlaskForm):
    """An event's attendance: the total, and optional splits that may cover part of it."""

    total = IntegerField(_l("Participants"), validators=[
        InputRequired(_l("Nombre de participants obligatoire.")),
        NumberRange(0, None, _l("Un nombre positif ou nul."))],
        render_kw={"inputmode": "numeric", "min": 0, "autocomplete": "off"})
    confirmed = BooleanField(_l("Je confirme ce nombre, plus de dix fois la capacité"))

    def split_fields(self):
        """Yield (category, option code, label, input name, value) for every split input."""
        for name, category in SPLIT_FIELDS.items():
            for option in reference.active_by_code("profile_options", category).values():
                yield category, option.code, option.label, f"{name}.{option.code}"

    def body(self, form_data) -> dict:
        """Return the API body from the posted form (empty split inputs are left out)."""
        body = {"total": self.total.data, "confirmed": bool(self.confirmed.data)}
        for name in SPLIT_FIELDS:
            body[name] = {}
        for _category, code, _label, input_name in self.split_fields():
            raw = (form_data.get(input_name) or "").strip()
            if raw:
                name = input_name.split(".")[0]
                body[name][code] = int(raw) if raw.lstrip("-").isdigit() else raw
        return body


class CalendarFilterForm(FlaskForm):
    """What the calendar and the list show: a view, a day in it, site, type, pole, partner."""

    class Meta:
        csrf = False

    view = SelectField(_l("Vue"), choices=_options([("month", _l("Mois")), ("week", _l("Semaine")),
                                                    ("list", _l("Liste"))]), default="month")
    day = DateField(_l("Autour du"), validators=[Optional()])
    site = SelectField(_l("Site"), validators=[Optional()])
    type = SelectField(_l("Type"), validators=[Optional()])
    pole = SelectField(_l("Pôle"), validators=[Optional()])
    partner = SelectField(_l("Partenaire"), validators=[Optional()])

    def __init__(self, sites, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = _options([("", _l("Tous"))])
        self.site.choices = every + site_choices(sites)
        self.type.choices = every + _choices(EventType)
        self.pole.choices = every + _choices(Pole)
        self.partner.choices = every + _choices(Partner)
