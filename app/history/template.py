"""The history template: a workbook with one sheet per kind of monthly figure, ready to fill."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app import reference, vocabulary
from app.history.spec import CODES, INSTRUCTIONS, SHEETS
from app.models import EventType, Pole, Site

# Data validation lists cover this many rows; the importer reads as many as MAX_ROWS.
VALIDATED_ROWS = 5000
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
BOLD = Font(bold=True)
GUIDE_WIDTH = 80  # characters: fits an A4 page's width

INSTRUCTION_LINES = (
    "Historique des années passées : chiffres mensuels par site",
    "",
    "1. Remplissez une ligne par site et par mois dans les feuilles Visiteurs, Orientations, "
    "Entretiens et Événements. Une feuille peut rester vide.",
    "2. Colonne Site : le code du site (liste déroulante, voir la feuille Codes).",
    "3. Colonne Mois : l'année et le mois au format AAAA-MM, par exemple 2011-03. "
    "Un mois futur est refusé.",
    "4. Colonnes de nombres : des nombres entiers positifs ou nuls, sans texte.",
    "5. Orientations : une ligne par destination (un pôle ou documentation, cyber, événement, "
    "réponse à l'accueil, organisme extérieur). Entretiens : une ligne par pôle. Événements : "
    "une ligne par type, avec le nombre d'événements et de participants.",
    "6. Ne modifiez pas les en-têtes ni les noms des feuilles ; pas de doublon (même site, "
    "même mois, même destination, pôle ou type).",
    "",
    "À l'import, l'application montre ce qui sera ajouté ou remplacé avant de l'enregistrer ; "
    "si une seule ligne est fausse, rien n'est enregistré et chaque erreur est indiquée "
    "(feuille, ligne, colonne, raison).",
    "Un mois déjà saisi dans l'application (arrivées ou entretiens) garde ses chiffres saisis : "
    "les chiffres importés de ce mois sont conservés mais ne sont pas comptés.",
    "Ces chiffres sont des agrégats : aucune donnée sur une personne ne doit y figurer.",
)


def code_lists() -> dict[str, list[tuple[str, str]]]:
    """Return the codes a history workbook may name, with their labels, by column."""
    poles = [(row.code, row.label_fr) for row in reference.every(Pole)]
    fixed = [(code, str(vocabulary.DESTINATIONS[code])) for code in vocabulary.FIXED_DESTINATIONS]
    return {
        "site": [(row.code, row.label_fr) for row in reference.every(Site)],
        "pole": poles,
        "destination": poles + fixed,
        "event_type": [(row.code, row.label_fr) for row in reference.every(EventType)],
    }


def _fit_to_width(ws) -> None:
    """Print one page wide (a spreadsheet prints column by column otherwise)."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _header(ws, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    _fit_to_width(ws)
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(14, len(header) + 4)


def _codes_sheet(wb: Workbook, lists: dict) -> dict[str, str]:
    """Write the Codes sheet; return each list's range for the validations."""
    ws = wb.create_sheet(CODES)
    titles = {"site": "Sites", "pole": "Pôles", "destination": "Destinations",
              "event_type": "Types d'événement"}
    ranges = {}
    for block, (name, rows) in enumerate(lists.items()):
        code_col, label_col = get_column_letter(2 * block + 1), get_column_letter(2 * block + 2)
        ws[f"{code_col}1"], ws[f"{label_col}1"] = f"{titles[name]} : code", "Libellé"
        ws[f"{code_col}1"].font = ws[f"{label_col}1"].font = BOLD
        for offset, (code, label) in enumerate(rows, start=2):
            # Codes and labels are written as text: a label starting with "=" stays text.
            ws[f"{code_col}{offset}"].value = code
            ws[f"{code_col}{offset}"].data_type = "s"
            ws[f"{label_col}{offset}"].value = label
            ws[f"{label_col}{offset}"].data_type = "s"
        ws.column_dimensions[code_col].width = 22
        ws.column_dimensions[label_col].width = 40
        ranges[name] = f"{CODES}!${code_col}$2:${code_col}${max(len(rows), 1) + 1}"
    return ranges


def _validations(ws, sheet, ranges: dict) -> None:
    last = VALIDATED_ROWS + 1
    for code, header in sheet.columns:
        column = sheet.letter(code)
        if code in ranges:
            rule = DataValidation(type="list", formula1=f"={ranges[code]}", allow_blank=True,
                                  showErrorMessage=True, errorTitle="Code inconnu",
                                  error="Choisissez un code de la feuille Codes.")
        elif code == "month":
            rule = DataValidation(type="textLength", operator="equal", formula1="7",
                                  allow_blank=True, showErrorMessage=True,
                                  errorTitle="Mois", error="Écrivez le mois au format AAAA-MM.")
            # Text, so that 2011-03 is not turned into a date by the spreadsheet.
            ws.column_dimensions[column].number_format = "@"
        else:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                  allow_blank=True, showErrorMessage=True,
                                  errorTitle="Nombre", error="Un nombre entier positif ou nul.")
        rule.add(f"{column}2:{column}{last}")
        ws.add_data_validation(rule)


def build_template(rows: dict[str, list[list]] | None = None) -> bytes:
    """Return the history template as .xlsx bytes, filled with rows by sheet kind if given."""
    lists = code_lists()
    wb = Workbook()
    guide = wb.active
    guide.title = INSTRUCTIONS
    for line in INSTRUCTION_LINES:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = GUIDE_WIDTH
    for row in guide.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
        # Spreadsheets do not grow a row for wrapped text written by a program: set it.
        lines = max(1, -(-len(row[0].value or "") // (GUIDE_WIDTH - 5)))
        guide.row_dimensions[row[0].row].height = 15 * lines + 3
    _fit_to_width(guide)
    ranges = _codes_sheet(wb, lists)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name, index=len(wb.sheetnames) - 1)
        _header(ws, sheet.headers)
        _validations(ws, sheet, ranges)
        for values in (rows or {}).get(sheet.kind, []):
            ws.append(values)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
