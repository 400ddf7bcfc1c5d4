"""Forms of the Reports page: compile the annual report, a raw export, a partner report."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from app import vocabulary

from app.reporting.services import MAX_RAW_DAYS

EDITIONS = [
    SelectChoice("internal", _l("Interne : tous les chiffres")),
    SelectChoice("public", _l("Publication : petits effectifs masqués")),
]


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _all_sites(sites: list[tuple[str, str]], every_site: bool = True) -> list[SelectChoice]:
    # A site director compiles for their own sites only: no "every site" choice (issue 10).
    return _options(([("", _l("Tous les sites"))] if every_site else []) + sites)


class AnnualReportForm(FlaskForm):
    """Year, site and edition of an annual activity report."""

    year = SelectField(_l("Année"), coerce=int, validators=[InputRequired()])
    site = SelectField(_l("Site"))
    edition = SelectField(_l("Édition"), choices=EDITIONS, validators=[InputRequired()])
    fmt = SelectField(_l("Format"), default="xlsx", choices=_options([
        ("xlsx", _l("Classeur Excel (.xlsx)")),
        ("pdf", _l("Bilan en PDF")),
        ("html", _l("Bilan à publier : dossier web et PDF (.zip)"))]))

    def __init__(self, years, sites, every_site: bool = True, **kwargs):
        super().__init__(prefix="annual", **kwargs)
        self.year.choices = _options((y, str(y)) for y in years)
        self.site.choices = _all_sites(sites, every_site)


class RawExportForm(FlaskForm):
    """Date range (and site) of a raw export."""

    start = DateField(_l("Du"), validators=[InputRequired(_l("Date de début obligatoire."))])
    end = DateField(_l("Au"), validators=[InputRequired(_l("Date de fin obligatoire."))])
    site = SelectField(_l("Site"))
    fmt = SelectField(_l("Format"), default="xlsx", choices=_options([
        ("xlsx", _l("Classeur Excel (.xlsx)")),
        ("csv", _l("CSV, un fichier par type de ligne (plus rapide)"))]))

    def __init__(self, sites, every_site: bool = True, **kwargs):
        super().__init__(prefix="raw", **kwargs)
        self.site.choices = _all_sites(sites, every_site)

    def validate_end(self, field):
        """Refuse an end before the start, or a range longer than a year."""
        if self.start.data is None or field.data is None:
            return
        if field.data < self.start.data:
            raise ValidationError(_l("La date de fin précède la date de début."))
        if (field.data - self.start.data).days + 1 > MAX_RAW_DAYS:
            raise ValidationError(_l("Au plus %(days)d jours par export.", days=MAX_RAW_DAYS))


class PartnerReportForm(FlaskForm):
    """Partner and year of a partner's activity report."""

    partner = SelectField(_l("Organisme partenaire"), validators=[InputRequired()])
    year = SelectField(_l("Année"), coerce=int, validators=[InputRequired()])

    def __init__(self, partners, years, **kwargs):
        super().__init__(prefix="partner", **kwargs)
        self.partner.choices = _options(partners)
        self.year.choices = _options((y, str(y)) for y in years)


class SubscriptionForm(FlaskForm):
    """Who receives which report by e-mail, in which edition, for which site, as which file."""

    email = EmailField(_l("Adresse électronique"), validators=[
        InputRequired(_l("Adresse obligatoire.")), Length(max=254)])
    report = SelectField(_l("Rapport"), choices=[
        SelectChoice(code, vocabulary.JOBS[code]) for code in ("weekly", "monthly", "annual")])
    edition = SelectField(_l("Édition"), default="internal", choices=[
        SelectChoice("internal", _l("Interne : tous les chiffres")),
        SelectChoice("public", _l("Publication : petits effectifs masqués (bilan annuel)"))])
    site = SelectField(_l("Site"), default="")
    fmt = SelectField(_l("Fichier joint"), default="xlsx", choices=[
        SelectChoice("xlsx", _l("Classeur Excel")),
        SelectChoice("pdf", _l("PDF (bilan annuel)"))])

    def __init__(self, sites, every_site: bool = True, **kwargs):
        super().__init__(prefix="subscription", **kwargs)
        self.site.choices = _all_sites(sites, every_site)
