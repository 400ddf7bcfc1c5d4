"""Read a filled history workbook: every row checked, every fault named (sheet, row, column, why).

Nothing here writes: read_workbook returns the rows or raises ImportRefused with every
fault found, and the services decide what to store. The zip container is checked before
openpyxl opens it, so a file that would inflate to gigabytes is refused unread.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook

from app import reference, vocabulary
from app.figures.scope import FIRST_YEAR
from app.history.spec import SHEETS, SheetSpec
from app.models import EventType, Pole, Site
from app.timeutil import local_today

MAX_FILE_BYTES = 2 * 1024 * 1024
# The sum of the members' declared sizes; zipfile never inflates a member past its
# declared size (it stops there and checks the CRC), so these bound what is read.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 200
# Worksheet XML compresses about 10-20x; a bomb compresses thousands of times.
MAX_RATIO = 200
MAX_ROWS = 20_000          # data rows per sheet
MAX_BLANK_ROWS = 10_000   # blank rows between data rows, read then skipped
MAX_VALUE = 10_000_000     # a month's count; more is a typing slip
MAX_FAULTS = 300
MONTH = re.compile(r"(\d{4})-(\d{1,2})")
INTEGER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Fault:
    """One reason the file is refused; sheet, row and column are None when not about a cell."""

    reason: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(_("feuille « %(sheet)s »", sheet=self.sheet))
        if self.row:
            where.append(_("ligne %(row)d", row=self.row))
        if self.column:
            where.append(_("colonne %(column)s", column=self.column)
                         + (f" ({self.header})" if self.header else ""))
        return (", ".join(where) + " : " if where else "") + self.reason


class ImportRefused(Exception):
    """The file is refused as a whole; faults says why, row by row."""

    def __init__(self, faults: list[Fault]):
        super().__init__("; ".join(str(fault) for fault in faults[:3]))
        self.faults = faults


@dataclass
class Parsed:
    """The rows of a valid file, as plain values the services store and preview."""

    rows: list[dict] = field(default_factory=list)


def _max_bytes() -> int:
    return int(current_app.config.get("HISTORY_MAX_FILE_BYTES", MAX_FILE_BYTES))


def check_container(data: bytes) -> list[Fault]:
    """Return the faults of the file as a container: size, zip, zip bomb, workbook parts."""
    limit = _max_bytes()
    if len(data) > limit:
        return [Fault(_("fichier trop volumineux (%(size)s Mo ; %(limit)s Mo au plus)",
                        size=f"{len(data) / 1048576:.1f}", limit=f"{limit / 1048576:.0f}"))]
    not_a_workbook = Fault(_("ce fichier n'est pas un classeur Excel (.xlsx)"))
    if not zipfile.is_zipfile(BytesIO(data)):
        return [not_a_workbook]
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return [not_a_workbook]
    bomb = Fault(_("archive suspecte : son contenu décompressé serait démesuré (bombe zip)"))
    if len(members) > MAX_MEMBERS:
        return [bomb]
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        return [bomb]
    for member in members:
        if member.file_size > 1024 * 1024 and \
                member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return [bomb]
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return [not_a_workbook]
    return []


def _normal(text) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


class _Codes:
    """The codes a file may name, active or not (history points at deactivated rows too)."""

    def __init__(self):
        self.site = {row.code.casefold(): row for row in reference.every(Site)}
        self.pole = {row.code.casefold(): row for row in reference.every(Pole)}
        self.event_type = {row.code.casefold(): row for row in reference.every(EventType)}
        self.fixed = {code.casefold(): code for code in vocabulary.FIXED_DESTINATIONS}


class _SheetReader:
    """Check one data sheet's rows; collect its faults and its valid rows."""

    def __init__(self, sheet: SheetSpec, codes: _Codes, faults: list[Fault], today: date):
        self.sheet, self.codes, self.faults, self.today = sheet, codes, faults, today
        self.seen: dict[tuple, int] = {}
        self.rows: list[dict] = []

    def fault(self, row: int, column: str | None, reason: str) -> None:
        self.faults.append(Fault(reason, self.sheet.name, row,
                                 self.sheet.letter(column) if column else None,
                                 self.sheet.header(column) if column else None))

    def check_headers(self, header_row: tuple) -> bool:
        ok = True
        for index, expected in enumerate(self.sheet.headers):
            found = header_row[index] if index < len(header_row) else None
            if _normal(found) != _normal(expected):
                self.fault(1, self.sheet.columns[index][0],
                           _("en-tête « %(expected)s » attendu, « %(found)s » trouvé",
                             expected=expected, found="" if found is None else found))
                ok = False
        for index in range(len(self.sheet.headers), len(header_row)):
            if header_row[index] not in (None, ""):
                self.faults.append(Fault(_("colonne inattendue « %(header)s »",
                                           header=header_row[index]), self.sheet.name, 1))
                ok = False
        return ok

    def month(self, number: int, value) -> date | None:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            year, month = value.year, value.month
            if value.day != 1:
                self.fault(number, "month", _("un mois est attendu (AAAA-MM), pas un jour"))
                return None
        elif isinstance(value, str) and MONTH.fullmatch(value.strip()):
            year, month = (int(part) for part in MONTH.fullmatch(value.strip()).groups())
        elif value is None or (isinstance(value, str) and not value.strip()):
            self.fault(number, "month", _("mois manquant"))
            return None
        else:
            self.fault(number, "month", _("mois attendu au format AAAA-MM, « %(value)s » trouvé",
                                          value=value))
            return None
        if not 1 <= month <= 12:
            self.fault(number, "month", _("le mois « %(value)s » n'existe pas", value=value))
            return None
        if year < FIRST_YEAR:
            self.fault(number, "month", _("année antérieure à %(year)d", year=FIRST_YEAR))
            return None
        first = date(year, month, 1)
        if first > self.today.replace(day=1):
            self.fault(number, "month", _("le mois %(month)s est dans le futur",
                                          month=f"{year:04d}-{month:02d}"))
            return None
        return first

    def count(self, number: int, column: str, value) -> int | None:
        if isinstance(value, str):
            text = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            if not text:
                value = None
            elif INTEGER.fullmatch(text):
                value = int(text)
            else:
                self.fault(number, column, _("nombre attendu, texte « %(value)s » trouvé",
                                             value=value.strip()))
                return None
        if value is None:
            self.fault(number, column, _("nombre manquant (0 si aucun)"))
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fault(number, column, _("nombre attendu, « %(value)s » trouvé", value=value))
            return None
        if isinstance(value, float):
            if not value.is_integer():
                self.fault(number, column, _("nombre entier attendu, %(value)s trouvé",
                                             value=value))
                return None
            value = int(value)
        if value < 0:
            self.fault(number, column, _("nombre négatif (%(value)d)", value=value))
            return None
        if value > MAX_VALUE:
            self.fault(number, column, _("nombre trop grand pour un mois (%(value)d)",
                                         value=value))
            return None
        return value

    def code(self, number: int, column: str, value, table: dict, unknown):
        # unknown(code) words the fault: translated only when there is one.
        text = "" if value is None else str(value).strip()
        if not text:
            self.fault(number, column, _("code manquant"))
            return None
        row = table.get(text.casefold())
        if row is None:
            self.fault(number, column, unknown(text))
        return row

    def breakdown(self, number: int, value) -> dict | None:
        """Return what a row's counts are broken down by: its key and reference ids."""
        by = self.sheet.by
        if by is None:
            return {"key": "", "destination": None, "pole": None, "event_type": None}
        if by == "destination":
            text = "" if value is None else str(value).strip().casefold()
            if text in self.codes.pole:
                pole = self.codes.pole[text]
                return {"key": f"pole:{pole.id}", "destination": "pole", "pole": pole.code,
                        "pole_id": pole.id, "event_type": None}
            if text in self.codes.fixed:
                code = self.codes.fixed[text]
                return {"key": code, "destination": code, "pole": None, "event_type": None}
            self.code(number, by, value, {}, lambda code: _("destination inconnue « %(code)s »",
                                                            code=code))
            return None
        if by == "pole":
            pole = self.code(number, by, value, self.codes.pole,
                             lambda code: _("pôle inconnu « %(code)s »", code=code))
            return pole and {"key": f"pole:{pole.id}", "destination": None, "pole": pole.code,
                             "pole_id": pole.id, "event_type": None}
        kind = self.code(number, by, value, self.codes.event_type,
                         lambda code: _("type d'événement inconnu « %(code)s »", code=code))
        return kind and {"key": f"event_type:{kind.id}", "destination": None, "pole": None,
                         "event_type": kind.code, "event_type_id": kind.id}

    def read_row(self, number: int, values: tuple) -> None:
        cells = dict(zip([code for code, _h in self.sheet.columns], values))
        site = self.code(number, "site", cells.get("site"), self.codes.site,
                         lambda code: _("site inconnu « %(code)s »", code=code))
        month = self.month(number, cells.get("month"))
        by = self.breakdown(number, cells.get(self.sheet.by)) if self.sheet.by else \
            self.breakdown(number, None)
        counts = {measure: self.count(number, measure, cells.get(measure))
                  for measure in self.sheet.measures}
        if site is None or month is None or by is None or None in counts.values():
            return
        key = (site.id, month, by["key"])
        if key in self.seen:
            self.fault(number, self.sheet.by or "month",
                       _("doublon de la ligne %(row)d (même site, même mois%(what)s)",
                         row=self.seen[key], what=_(", même %(header)s",
                                                    header=self.sheet.header(self.sheet.by).lower())
                         if self.sheet.by else ""))
            return
        self.seen[key] = number
        for measure, value in counts.items():
            self.rows.append({
                "sheet": self.sheet.kind, "row": number, "site": site.code, "site_id": site.id,
                "month": month.isoformat(), "measure": measure, "key": by["key"],
                "destination": by["destination"], "pole": by["pole"],
                "pole_id": by.get("pole_id"), "event_type": by["event_type"],
                "event_type_id": by.get("event_type_id"), "value": value})


def read_workbook(data: bytes, today: date | None = None) -> Parsed:
    """Return the valid rows of a history workbook; raise ImportRefused with every fault."""
    faults = check_container(data)
    if faults:
        raise ImportRefused(faults)
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken file; all mean the same
        raise ImportRefused([Fault(_("ce fichier n'est pas un classeur Excel lisible (.xlsx)"))])
    today = today or local_today()
    codes = _Codes()
    parsed = Parsed()
    try:
        names = {_normal(name): name for name in workbook.sheetnames}
        found = [sheet for sheet in SHEETS if _normal(sheet.name) in names]
        if not found:
            faults.append(Fault(_("aucune des feuilles attendues (%(names)s) : est-ce le bon "
                                  "modèle ?", names=", ".join(s.name for s in SHEETS))))
        for sheet in found:
            ws = workbook[names[_normal(sheet.name)]]
            # The declared dimension can claim a million rows: read only the rows present.
            ws.reset_dimensions()
            reader = _SheetReader(sheet, codes, faults, today)
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None or not reader.check_headers(header):
                if header is None:
                    faults.append(Fault(_("feuille vide : la ligne d'en-têtes manque"),
                                        sheet.name, 1))
                continue
            count = 0
            for number, values in enumerate(rows, start=2):
                if number > MAX_ROWS + MAX_BLANK_ROWS:
                    faults.append(Fault(_("trop de lignes (%(max)d au plus par feuille)",
                                          max=MAX_ROWS), sheet.name, number))
                    break
                if all(value is None or (isinstance(value, str) and not value.strip())
                       for value in values):
                    continue
                count += 1
                if count > MAX_ROWS:
                    faults.append(Fault(_("trop de lignes (%(max)d au plus par feuille)",
                                          max=MAX_ROWS), sheet.name, number))
                    break
                reader.read_row(number, tuple(values) + (None,) * len(sheet.columns))
                if len(faults) > MAX_FAULTS:
                    break
            parsed.rows.extend(reader.rows)
            if len(faults) > MAX_FAULTS:
                break
    except ImportRefused:
        raise
    except Exception:  # a sheet's XML broken past the zip check
        faults.append(Fault(_("ce fichier n'est pas un classeur Excel lisible (.xlsx)")))
    finally:
        workbook.close()
    if faults:
        raise ImportRefused(faults)
    return parsed
