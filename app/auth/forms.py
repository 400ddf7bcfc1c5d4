"""Login and password-change forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Identifiant"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    """The current password, then the new one twice (rules checked by the service)."""

    current_password = PasswordField(_l("Mot de passe actuel"),
                                     validators=[DataRequired(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("Nouveau mot de passe"),
                                 validators=[DataRequired(), Length(max=200)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Nouveau mot de passe, encore"),
                            validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "new-password"})
