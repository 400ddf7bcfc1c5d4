"""Forms of the bilan's page: which bilan to show, and the director's foreword."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app.bilan.services import FOREWORD_MAX

EDITIONS = [
    SelectChoice("internal", _l("Interne : tous les chiffres")),
    SelectChoice("public", _l("Publication : petits effectifs masqués")),
]


class BilanChoiceForm(FlaskForm):
    """Year, site and edition of the bilan shown (read from the query string)."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    year = SelectField(_l("Année"), coerce=int, validators=[InputRequired()])
    site = SelectField(_l("Site"), default="")
    edition = SelectField(_l("Édition"), choices=EDITIONS, default="internal")

    def __init__(self, years, sites, every_site: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.year.choices = [SelectChoice(y, str(y)) for y in years]
        # A site director reads their own sites' bilan only: no network choice (issue 10).
        self.site.choices = ([SelectChoice("", _l("Tous les sites"))] if every_site else []) + [
            SelectChoice(code, label) for code, label in sites]


class ForewordForm(FlaskForm):
    """The director's foreword to one year's bilan."""

    text = TextAreaField(_l("Avant-propos"), validators=[Length(max=FOREWORD_MAX)],
                         description=_l("Quelques paragraphes (séparés par une ligne vide). "
                                        "Aucune donnée personnelle : elle serait refusée."))
