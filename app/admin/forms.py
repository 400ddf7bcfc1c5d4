"""Forms of the administration pages: accounts, filters and the reference lists."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app import vocabulary
from app.admin import services
from app.models import PROFILE_CATEGORIES, ROLES, Partner, Pole, Site

ROLE_LABELS = vocabulary.ROLES

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,79}$")
MAX_CONTACTS = 30
MAX_CONTACT_LENGTH = 200


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _check_choice(field, message) -> None:
    if field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(message)


# ---------------------------------------------------------------- accounts

class UserFilterForm(FlaskForm):
    """Filters of the accounts list (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    role = SelectField(_l("Rôle"), validate_choice=False)
    site = SelectField(_l("Site"), validate_choice=False)
    state = SelectField(_l("État"), validate_choice=False, choices=_options([
        ("", _l("Tous")), ("actifs", _l("Actifs")), ("desactives", _l("Désactivés"))]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _options([("", _("Tous"))] + [(r, ROLE_LABELS[r]) for r in ROLES])
        self.site.choices = _options([("", _("Tous"))] + services.choices(Site))


class AccountForm(FlaskForm):
    """What an administrator may change on an account."""

    display_name = StringField(
        _l("Nom affiché"), filters=[_strip], validators=[Length(max=120)],
        description=_l("Visible du personnel seulement ; l'identifiant s'affiche s'il est vide."))
    role = SelectField(_l("Rôle"), validate_choice=False)
    site = SelectField(_l("Site"), validate_choice=False)
    pole = SelectField(_l("Pôle"), validate_choice=False,
                       description=_l("Pour les conseillers et conseillères seulement."))
    partner = SelectField(
        _l("Structure partenaire"), validate_choice=False,
        description=_l("L'institution qui détache le conseiller ou la conseillère."))
    other_sites = SelectMultipleField(
        _l("Autres sites servis"), validate_choice=False,
        description=_l("Les centres où la personne intervient aussi (conseillers qui tournent "
                       "entre les centres) : elle n'enregistre que sur son site et ceux-ci."))

    def __init__(self, *args, account=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.actor = actor
        self.role.choices = _options((role, ROLE_LABELS[role]) for role in ROLES)
        self.site.choices = _options(services.choices(Site, current=account and account.site.code))
        self.other_sites.choices = _options(services.choices(Site))
        none = [("", _("— Aucun —"))]
        self.pole.choices = _options(none + services.choices(
            Pole, current=account and account.pole and account.pole.code))
        self.partner.choices = _options(none + services.choices(
            Partner, current=account and account.partner and account.partner.code,
            keep=lambda row: row.seconds_counsellors))

    def validate_role(self, field):
        _check_choice(field, _("Choisissez un rôle dans la liste."))
        editing_self = self.account is not None and self.actor is not None \
            and self.account.id == self.actor.id
        if editing_self and self.account.role == "admin" and field.data != "admin":
            raise ValidationError(
                _("Vous ne pouvez pas retirer votre propre rôle d'administration."))

    def validate_site(self, field):
        _check_choice(field, _("Site inconnu ou désactivé : choisissez-en un dans la liste."))

    def validate_other_sites(self, field):
        known = {choice.value if hasattr(choice, "value") else choice[0]
                 for choice in field.choices}
        unknown = [code for code in field.data or () if code not in known]
        if unknown:
            raise ValidationError(_("Site inconnu ou désactivé : %(codes)s",
                                    codes=", ".join(unknown)))

    def validate_pole(self, field):
        if self.role.data != "counsellor":
            return
        if not field.data:
            raise ValidationError(_("Indiquez le pôle du conseiller ou de la conseillère."))
        _check_choice(field, _("Pôle inconnu ou désactivé : choisissez-en un dans la liste."))

    def validate_partner(self, field):
        if self.role.data != "counsellor":
            return
        if not field.data:
            raise ValidationError(_("Indiquez la structure partenaire qui le ou la détache."))
        _check_choice(field, _("Partenaire inconnu ou désactivé : choisissez-en un dans la liste."))

    def account_values(self) -> dict:
        """Return the account fields as the services expect them."""
        return {name: self[name].data for name in services.USER_FIELDS}


class AccountCreateForm(AccountForm):
    """A new account: its username and, optionally, its first password."""

    username = StringField(
        _l("Identifiant"), filters=[_strip],
        validators=[DataRequired(message=_l("Indiquez un identifiant.")),
                    Regexp(USERNAME, message=_l(
                        "De 2 à 80 caractères : lettres sans accents, chiffres, point, "
                        "tiret ou tiret bas."))],
        description=_l("Sert à se connecter ; il ne pourra plus être modifié."))
    password = PasswordField(
        _l("Mot de passe initial"), validators=[Length(max=200)],
        description=_l("10 caractères au moins. Laissez vide : un mot de passe sera généré "
                       "et affiché une seule fois."))

    def validate_username(self, field):
        if not field.errors and services.username_taken(field.data):
            raise ValidationError(_("Cet identifiant est déjà utilisé."))

    def validate_password(self, field):
        if not field.data:
            return
        if not field.data.strip():
            raise ValidationError(_("Le mot de passe ne peut pas être fait que d'espaces."))
        if len(field.data) < services.MIN_PASSWORD_LENGTH:
            raise ValidationError(_("Le mot de passe doit compter au moins %(n)d caractères.",
                                    n=services.MIN_PASSWORD_LENGTH))


# ---------------------------------------------------------------- audit journal

class JournalFilterForm(FlaskForm):
    """Who, what, when and where, for the journal (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    who = SelectField(_l("Qui"), validate_choice=False)
    what = SelectField(_l("Quoi"), validate_choice=False)
    start = DateField(_l("Du"), validators=[Optional()])
    end = DateField(_l("Au"), validators=[Optional()])
    site = SelectField(_l("Site"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("Tous"))]
        self.who.choices = _options(everyone + [(str(id_), name)
                                                for id_, name in services.journal_people()])
        self.what.choices = _options(everyone + [(code, label) for code, (label, _prefixes)
                                                 in vocabulary.AUDIT_FAMILIES.items()])
        self.site.choices = _options(everyone + services.choices(Site))

    def filters(self) -> services.JournalFilters:
        """Return the valid filters; an unknown or malformed value is ignored."""
        who = self.who.data if self.who.data and self.who.data.isdigit() else None
        known_what = {choice.value for choice in self.what.choices}
        known_site = {choice.value for choice in self.site.choices}
        start = self.start.data if not self.start.errors else None
        end = self.end.data if not self.end.errors else None
        if start and end and end < start:
            start, end = end, start
        return services.JournalFilters(
            who=int(who) if who else None,
            what=self.what.data if self.what.data in known_what and self.what.data else None,
            start=start, end=end,
            site=self.site.data if self.site.data in known_site and self.site.data else None)

    def active(self) -> bool:
        """Tell whether any filter is set."""
        return any(getattr(self.filters(), name) for name in ("who", "what", "start", "end",
                                                               "site"))


# ---------------------------------------------------------------- reference lists

class LinesField(TextAreaField):
    """A text area holding one entry per line; its data is the list of non-blank lines."""

    def process_formdata(self, valuelist):
        if valuelist:
            lines: list[str] = []
            for line in (valuelist[0] or "").splitlines():
                line = " ".join(line.split())
                if line and line not in lines:
                    lines.append(line)
            self.data = lines

    def _value(self):
        return "\n".join(self.data or [])


class ReferenceForm(FlaskForm):
    """Code, label, order and state: what every reference list has."""

    code = StringField(
        _l("Code"), filters=[_strip],
        validators=[DataRequired(message=_l("Indiquez un code.")),
                    Length(max=64, message=_l("64 caractères au plus.")),
                    Regexp(SLUG, message=_l("Lettres minuscules sans accents, chiffres et tirets "
                                            "seulement (par exemple « mission-locale »)."))],
        description=_l("Repère stable des exports et de l'API : il ne pourra plus être modifié."))
    label = StringField(_l("Libellé français"), filters=[_strip], validators=[
        DataRequired(message=_l("Indiquez un libellé.")),
        Length(max=160, message=_l("160 caractères au plus."))])
    label_en = StringField(
        _l("Libellé anglais"), filters=[_strip],
        validators=[Length(max=160, message=_l("160 caractères au plus."))],
        description=_l("Affiché sur les pages en anglais. Vide : le libellé français."))
    position = IntegerField(
        _l("Ordre d'affichage"),
        validators=[Optional(), NumberRange(min=0, max=9999,
                                            message=_l("Un nombre entre 0 et 9999."))],
        description=_l("Les plus petits d'abord. Vide : à la fin de la liste."))
    active = BooleanField(_l("Actif : proposé dans les saisies"))

    def __init__(self, *args, kind, row=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.row = row
        if row is None:
            del self["active"]
        else:
            self.position.description = _("Les plus petits d'abord.")
            for name in ("code",) + kind.fixed:
                del self[name]
        self.setup_choices()

    def setup_choices(self) -> None:
        """Fill the choices of the list's select fields."""

    def validate_code(self, field):
        if field.errors:
            return
        scope = self[self.kind.scope].data if self.kind.scope else None
        if services.code_taken(self.kind, field.data, scope):
            raise ValidationError(_("Ce code existe déjà dans la liste."))

    def field_names(self) -> list[str]:
        """Return the names of the fields to show, in display order."""
        order = ("code", "label", "label_en") + self.kind.fields + ("position", "active")
        return [name for name in order if name in self]

    def reference_values(self) -> dict:
        """Return the submitted fields as the services expect them."""
        return {name: self[name].data for name in self.field_names()}


def _current(form, name):
    return services.reference_values(form.kind, form.row).get(name) if form.row else None


class SiteForm(ReferenceForm):
    """A site: the main Cité or an associated centre."""

    city = StringField(_l("Ville"), filters=[_strip], validators=[Length(max=120)])
    parent = SelectField(_l("Site principal"), validate_choice=False,
                         description=_l("Pour un centre associé : le site dont il dépend."))

    def setup_choices(self):
        own = self.row.code if self.row else None
        main_sites = [(code, label) for code, label in services.choices(
            Site, current=_current(self, "parent"), keep=lambda row: row.parent_id is None) if code != own]
        self.parent.choices = _options([("", _("— Aucun : site principal —"))] + main_sites)

    def validate_parent(self, field):
        if field.data:
            _check_choice(field, _("Site inconnu ou désactivé : choisissez-en un dans la liste."))


class ReceptionPointForm(ReferenceForm):
    """A reception desk, on one site."""

    site = SelectField(_l("Site"), validate_choice=False,
                       description=_l("Fixé à la création : l'historique des arrivées en dépend."))
    floor = StringField(_l("Étage"), filters=[_strip], validators=[Length(max=60)])

    def setup_choices(self):
        if "site" in self:
            self.site.choices = _options(services.choices(Site))

    def validate_site(self, field):
        _check_choice(field, _("Site inconnu ou désactivé : choisissez-en un dans la liste."))


class PoleForm(ReferenceForm):
    """A counselling pole."""

    short_label = StringField(_l("Libellé court"), filters=[_strip], validators=[Length(max=60)],
                              description=_l("Affiché sur les boutons de la tablette."))
    short_label_en = StringField(_l("Libellé court anglais"), filters=[_strip],
                                 validators=[Length(max=60)],
                                 description=_l("Vide : le libellé court français."))


class PartnerForm(ReferenceForm):
    """A partner institution and its own public contacts."""

    description = TextAreaField(_l("Description"), filters=[_strip], validators=[
        Length(max=300, message=_l("300 caractères au plus."))])
    seconds_counsellors = BooleanField(_l("Détache des conseillers à la Cité"))
    public_contacts = LinesField(
        _l("Coordonnées publiques du partenaire"), default=list,
        description=_l("Une par ligne : téléphone, adresse ou e-mail de l'institution. Les notes "
                       "d'entretien peuvent les citer sans être refusées."))

    def validate_public_contacts(self, field):
        if len(field.data or []) > MAX_CONTACTS:
            raise ValidationError(_("%(n)d lignes au plus.", n=MAX_CONTACTS))
        for number, line in enumerate(field.data or [], start=1):
            if len(line) > MAX_CONTACT_LENGTH:
                raise ValidationError(_("Ligne %(line)d trop longue : %(n)d caractères au plus.",
                                        line=number, n=MAX_CONTACT_LENGTH))


class ThemeForm(ReferenceForm):
    """A theme of the visitors' questions, under a pole."""

    pole = SelectField(_l("Pôle"), validate_choice=False)

    def setup_choices(self):
        self.pole.choices = _options(services.choices(Pole, current=_current(self, "pole")))

    def validate_pole(self, field):
        _check_choice(field, _("Pôle inconnu ou désactivé : choisissez-en un dans la liste."))


class OutcomeForm(ReferenceForm):
    """What followed an interview."""

    target_kind = SelectField(
        _l("Cible à préciser"), validate_choice=False,
        choices=_options(vocabulary.OUTCOME_TARGETS.items()),
        description=_l("Fixée à la création : ce que le conseiller doit préciser."))

    def validate_target_kind(self, field):
        _check_choice(field, _("Choisissez une cible dans la liste."))


class ProfileOptionForm(ReferenceForm):
    """One value of a coarse profile category."""

    category = SelectField(_l("Catégorie"), validate_choice=False,
                           choices=_options((c, vocabulary.PROFILE_CATEGORIES[c])
                                            for c in PROFILE_CATEGORIES))

    def validate_category(self, field):
        _check_choice(field, _("Choisissez une catégorie dans la liste."))


class EventTypeForm(ReferenceForm):
    """A kind of event."""


class SpaceForm(ReferenceForm):
    """A space of a site counted by the occupancy rounds (issue 11)."""

    site = SelectField(_l("Site"), validate_choice=False,
                       description=_l("Fixé à la création : l'historique des tournées en dépend."))
    capacity = IntegerField(
        _l("Places"), validators=[Optional(), NumberRange(min=0, max=2000,
                                                          message=_l("Un nombre entre 0 et 2000."))],
        description=_l("Sièges ou places (26 postes en cyber info). Vide : sans capacité fixe."))
    pole = SelectField(_l("Pôle (zone d'attente)"), validate_choice=False,
                       description=_l("Pour la zone d'attente d'un pôle."))

    def setup_choices(self):
        if "site" in self:
            self.site.choices = _options(services.choices(Site))
        self.pole.choices = _options([("", _("— Aucun —"))] + services.choices(
            Pole, current=_current(self, "pole")))

    def validate_site(self, field):
        _check_choice(field, _("Site inconnu ou désactivé : choisissez-en un dans la liste."))

    def validate_pole(self, field):
        if field.data:
            _check_choice(field, _("Pôle inconnu ou désactivé : choisissez-en un dans la liste."))


REFERENCE_FORMS = {
    "sites": SiteForm,
    "points": ReceptionPointForm,
    "poles": PoleForm,
    "partners": PartnerForm,
    "themes": ThemeForm,
    "outcomes": OutcomeForm,
    "profile-options": ProfileOptionForm,
    "event-types": EventTypeForm,
    "spaces": SpaceForm,  # issue 11
}
