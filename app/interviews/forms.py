"""Interview forms: the record (new and correction) and the director's filters.

The record form only turns the fields into the API's payload; app.interviews.services
validates it, so the page, the offline queue and the API refuse the same things in the
same words.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectChoice,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from app.models import CHANNELS, PROFILE_CATEGORIES
from app.offers import offered_codes
from app.timeutil import local_today, to_local, utcnow

CHANNEL_LABELS = {"in_person": _l("Sur place"), "phone": _l("Téléphone"), "video": _l("Visio")}
# A new form opens on this channel unless the counsellor pinned another (in the browser).
OPENING_CHANNEL = "in_person"
PROFILE_LABELS = {"status": _l("Situation"), "age_band": _l("Âge"), "gender": _l("Genre"),
                  "first_visit": _l("Visite")}
NOT_STATED = _l("Non précisé")
# Field names the service uses in its refusals, when they differ from the form's.
_FIELD_FOR = {"started_at": "started_time", "interview": "id",
              **{f"profile.{c}": c for c in PROFILE_CATEGORIES}}


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def target_field(outcome_code: str) -> str:
    """Name the form field holding an outcome's target."""
    return "target_" + outcome_code.replace("-", "_")


class InterviewForm(FlaskForm):
    """One interview, as a counsellor records or corrects it."""

    id = HiddenField()
    started_date = DateField(_l("Date"), validators=[InputRequired(_l("Date obligatoire."))],
                             invalid_value_message=_l("Date invalide : format JJ/MM/AAAA."))
    started_time = TimeField(_l("Heure de début"), validators=[InputRequired(_l("Heure obligatoire."))],
                             invalid_value_message=_l("Heure invalide : format HH:MM."))
    duration_min = IntegerField(_l("Durée (minutes)"),
                                validators=[InputRequired(_l("Durée obligatoire."))],
                                invalid_value_message=_l("Durée : un nombre entier de minutes."))
    channel = RadioField(_l("Canal"), choices=options((c, CHANNEL_LABELS[c]) for c in CHANNELS),
                         validate_choice=False)
    pole = RadioField(_l("Pôle"), validate_choice=False)
    partner = SelectField(_l("Organisme du conseiller"), validate_choice=False)
    site = SelectField(_l("Site"), validate_choice=False)
    status = RadioField(PROFILE_LABELS["status"], validate_choice=False, default="")
    age_band = RadioField(PROFILE_LABELS["age_band"], validate_choice=False, default="")
    gender = RadioField(PROFILE_LABELS["gender"], validate_choice=False, default="")
    first_visit = RadioField(PROFILE_LABELS["first_visit"], validate_choice=False, default="")
    themes = SelectMultipleField(_l("Thèmes de la question"), validate_choice=False)
    outcomes = SelectMultipleField(_l("Suites données"), validate_choice=False)
    note = TextAreaField(_l("Note (facultative)"))

    targets: dict[str, str] = {}  # outcome code -> target kind, set by build_form
    remembered: dict = {}  # what a new form carries over from the last interview

    def validate_started_date(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("Date dans le futur."))

    def target(self, code: str):
        """Return the field holding an outcome's target."""
        return self[target_field(code)]

    def payload(self, keep_started_at=None) -> dict:
        """Return the interview as the API spells it.

        keep_started_at: the instant being corrected; kept as is when the minute shown was
        not changed, so a correction of the duration does not rewrite the start's seconds.
        """
        from app.interviews.services import paris_instant

        started_at = paris_instant(self.started_date.data, self.started_time.data)
        if keep_started_at is not None:
            shown = to_local(keep_started_at)
            if (shown.date(), shown.strftime("%H:%M")) == (
                    self.started_date.data, self.started_time.data.strftime("%H:%M")):
                started_at = keep_started_at
        outcomes = []
        for code in self.outcomes.data or []:
            kind = self.targets.get(code)
            item = {"code": code}
            if kind:
                item[kind] = self.target(code).data or None
            outcomes.append(item)
        return {
            "id": self.id.data,
            "started_at": started_at.isoformat(),
            "duration_min": self.duration_min.data,
            "channel": self.channel.data,
            "site": self.site.data or None,
            "pole": self.pole.data or None,
            "partner": self.partner.data or None,
            "profile": {c: self[c].data or None for c in PROFILE_CATEGORIES},
            "themes": list(self.themes.data or []),
            "outcomes": outcomes,
            "note": self.note.data or "",
        }

    def refuse(self, field_name: str, message: str) -> None:
        """Show a service refusal ("field: reason") next to the field it names."""
        reason = message.split(": ", 1)[1] if message.startswith(f"{field_name}: ") else message
        name = _FIELD_FOR.get(field_name, field_name)
        if name.startswith("outcomes."):
            name = target_field(name.removeprefix("outcomes."))
        if name in self:
            self[name].errors = [*self[name].errors, reason]
        else:
            self.form_errors.append(message)


def build_form(ref, user, interview=None, defaults=None, **kwargs) -> InterviewForm:
    """Build the form with the reference data's choices, prefilled for the user.

    A new form opens at now, with the counsellor's pole, partner and site and their
    remembered duration (the channel opens on "Sur place"); a correction opens with its values.
    """
    targeted = {o.code: o.target_kind for o in ref.outcomes.values() if o.target_kind}

    class Form(InterviewForm):
        targets = targeted

    for code, kind in targeted.items():
        setattr(Form, target_field(code), RadioField(validate_choice=False, default=""))

    data = {}
    if interview is not None:
        local = to_local(interview.started_at)
        data = {
            "id": str(interview.id), "started_date": local.date(),
            "started_time": local.time().replace(second=0, microsecond=0),
            "duration_min": interview.duration_min, "channel": interview.channel,
            "site": interview.site.code, "pole": interview.pole.code,
            "partner": interview.partner.code, "note": interview.note,
            "themes": [t.code for t in interview.themes],
            "outcomes": [item.outcome.code for item in interview.outcomes],
            **{c: getattr(interview, c).code if getattr(interview, c) else "" for c in PROFILE_CATEGORIES},
        }
        for item in interview.outcomes:
            target = item.target_partner or item.target_pole
            if target is not None:
                data[target_field(item.outcome.code)] = target.code
    else:
        now = to_local(utcnow())
        # The duration carries over (and says so); the channel goes back to "Sur place": a
        # phone interview must not silently make the next one a phone interview too.
        remembered = {k: v for k, v in (defaults or {}).items() if k != "channel"}
        data = {
            "started_date": now.date(), "started_time": now.time().replace(second=0, microsecond=0),
            "site": user.site.code, "pole": user.pole.code if user.pole else "",
            "partner": user.partner.code if user.partner else "", **remembered,
            "channel": OPENING_CHANNEL,
        }
    form = Form(data=data, **kwargs)
    if interview is None:
        last = (getattr(user, "preferences", None) or {}).get("interview") or {}
        form.remembered = {k: v for k, v in remembered.items() if last.get(k) == v}
    # Only the poles the counsellor's sites offer (issue 10), and the one already recorded.
    offered = offered_codes(user.site_ids)
    form.pole.choices = options((p.code, p.label) for p in ref.poles.values()
                                if p.code in offered or p.code == data.get("pole"))
    partners = list(ref.partners.values())
    seconding = [p for p in partners if p.seconds_counsellors or p.code == data.get("partner")]
    form.partner.choices = options([("", _l("— choisir —"))] + [(p.code, p.label) for p in seconding])
    sites = ref.sites_for(user)
    if interview is not None and interview.site not in sites:
        sites.append(interview.site)
    form.site.choices = options((s.code, s.label) for s in sites)
    for category in PROFILE_CATEGORIES:
        form[category].choices = options([("", NOT_STATED)] + [
            (o.code, o.label) for o in ref.profile[category].values()])
    form.themes.choices = options((t.code, t.label) for t in ref.themes.values())
    form.outcomes.choices = options((o.code, o.label) for o in ref.outcomes.values())
    for code, kind in targeted.items():
        rows = partners if kind == "partner" else list(ref.poles.values())
        form.target(code).choices = options((row.code, row.label) for row in rows)
    return form


class FilterForm(FlaskForm):
    """The director's filters on the interview list (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    du = DateField(_l("Du"), validators=[Optional()],
                   invalid_value_message=_l("Date invalide : format AAAA-MM-JJ."))
    au = DateField(_l("Au"), validators=[Optional()],
                   invalid_value_message=_l("Date invalide : format AAAA-MM-JJ."))
    site = SelectField(_l("Site"), default="")
    pole = SelectField(_l("Pôle"), default="")
    partner = SelectField(_l("Organisme"), default="")
    channel = SelectField(_l("Canal"), default="",
                          choices=options([("", _l("Tous"))] + [(c, CHANNEL_LABELS[c]) for c in CHANNELS]))
    page = IntegerField(default=1, validators=[Optional()],
                        invalid_value_message=_l("Page : un nombre entier."))

    def validate_au(self, field):
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError(_l("La date de fin précède la date de début."))
        first = self.du.data or (field.data or local_today()) - timedelta(days=29)
        if field.data and (field.data - first).days > 366:
            raise ValidationError(_l("Période limitée à un an."))

    def validate_page(self, field):
        if field.data is not None and field.data < 1:
            raise ValidationError(_l("Page : à partir de 1."))


def build_filter_form(sites, poles, partners, formdata) -> FilterForm:
    """Build the filter form with the reference lists as choices."""
    form = FilterForm(formdata=formdata)
    everything = [("", _l("Tous"))]
    form.site.choices = options(everything + [(s.code, s.label) for s in sites])
    form.pole.choices = options(everything + [(p.code, p.label) for p in poles])
    form.partner.choices = options(everything + [(p.code, p.label) for p in partners])
    return form
