"""The history workbook's shape: its sheets and columns, as the template and the importer read them.

The file is a data-entry form for the centre's own records, in French whatever the page's
language: its sheet names and headers are fixed text, never translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

INSTRUCTIONS = "Mode d'emploi"
CODES = "Codes"
SITE, MONTH = ("site", "Site"), ("month", "Mois (AAAA-MM)")


@dataclass(frozen=True)
class SheetSpec:
    """A data sheet: its kind, its name and its columns (code, header); counts come last."""

    kind: str
    name: str
    columns: tuple[tuple[str, str], ...]
    # The column naming what the counts are broken down by (None: visitors).
    by: str | None
    # The measures each row holds, in column order.
    measures: tuple[str, ...]

    @property
    def headers(self) -> list[str]:
        """Return the headers row as the template writes it."""
        return [header for _code, header in self.columns]

    def letter(self, code: str) -> str:
        """Return the column letter of a column code (A, B...)."""
        return get_column_letter([c for c, _h in self.columns].index(code) + 1)

    def header(self, code: str) -> str:
        """Return the header of a column code."""
        return dict(self.columns)[code]


SHEETS = (
    SheetSpec("visitors", "Visiteurs", (SITE, MONTH, ("visitors", "Visiteurs (personnes)")),
              None, ("visitors",)),
    SheetSpec("orientations", "Orientations",
              (SITE, MONTH, ("destination", "Destination"), ("orientations", "Personnes orientées")),
              "destination", ("orientations",)),
    SheetSpec("interviews", "Entretiens", (SITE, MONTH, ("pole", "Pôle"), ("interviews", "Entretiens")),
              "pole", ("interviews",)),
    SheetSpec("events", "Événements",
              (SITE, MONTH, ("event_type", "Type d'événement"), ("events", "Événements"),
               ("attendance", "Participants")),
              "event_type", ("events", "attendance")),
)
SHEET_BY_KIND = {sheet.kind: sheet for sheet in SHEETS}
