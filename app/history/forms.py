"""The history upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class HistoryUploadForm(FlaskForm):
    """Upload a filled history workbook."""

    workbook = FileField(
        _l("Classeur rempli (.xlsx)"),
        validators=[FileRequired(_l("Choisissez le classeur à importer.")),
                    FileAllowed(["xlsx"], _l("Un classeur Excel (.xlsx) est attendu."))],
        description=_l("Le modèle rempli ; rien n'est enregistré avant votre confirmation."))
