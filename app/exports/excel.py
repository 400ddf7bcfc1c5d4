"""Workbook builders: grids and rows in, xlsx bytes out, without touching the database.

Workbooks are written in openpyxl's write-only mode, which streams rows to the file and
keeps memory flat whatever the size. Every text that comes from reference data or users
is written as a string cell (never a formula) and stripped of the control characters
openpyxl refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import IO

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from app.exports.grids import DECIMAL, INTEGER, Grid, Report, Sheet
from app.exports.reports import annual_report, partner_report, period_report

# A leading = + - @ makes spreadsheet software read a cell as a formula when it is edited.
FORMULA_LEADS = ("=", "+", "-", "@")
# Excel's limit is 1,048,576 rows a sheet; longer raw exports go on to a second sheet.
MAX_ROWS_PER_SHEET = 1_000_000
CHART_ROWS = 16
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_ITALIC = Font(italic=True, color="555555")
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="center")
_RIGHT = Alignment(horizontal="right")
_RULE = Border(bottom=Side(style="thin", color="7F7F7F"))


def clean_text(value) -> str:
    """Return the text without the control characters that openpyxl refuses to write."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def text_cell(ws, value, *, font=None, fill=None, alignment=None, border=None) -> WriteOnlyCell:
    """Return a string cell for text from data: never a formula, whatever it starts with."""
    text = clean_text(value)
    cell = WriteOnlyCell(ws, value=text)
    # openpyxl turns any text starting with "=" into a formula; force the string type.
    cell.data_type = "s"
    if text.startswith(FORMULA_LEADS):
        # Keeps Excel from reading it as a formula when someone edits the cell later.
        cell.quotePrefix = True
    for name, style in (("font", font), ("fill", fill), ("alignment", alignment),
                        ("border", border)):
        if style is not None:
            setattr(cell, name, style)
    return cell


def _number_cell(ws, value, fmt: str, *, bold: bool, fill=None) -> WriteOnlyCell | None:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = fmt
    if bold:
        cell.font = _BOLD
    if fill is not None:
        cell.fill = fill
    return cell


def sheet_title(title: str, taken: set[str]) -> str:
    """Return a valid, unique worksheet title (31 characters at most)."""
    base = SHEET_TITLE_FORBIDDEN.sub(" ", clean_text(title)).strip()[:31] or "Feuille"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def render(report: Report) -> bytes:
    """Return the report as an xlsx workbook."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in report.sheets:
        _write_sheet(workbook, report, sheet, sheet_title(sheet.title, taken))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _widths(sheet: Sheet) -> list[float]:
    width = max(2, max((len(g.columns) + 1 for g in sheet.grids), default=2))
    label = max([len(str(label)) for g in sheet.grids for _code, label in g.rows]
                + [len(g.corner) for g in sheet.grids] + [18])
    return [min(label + 2, 60)] + [14] * (width - 1)


def _write_sheet(workbook: Workbook, report: Report, sheet: Sheet, title: str) -> None:
    ws = workbook.create_sheet(title)
    widths = _widths(sheet)
    for k, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    rows: list[list] = [[text_cell(ws, f"{report.title} — {sheet.title}", font=_TITLE)]]
    if sheet is report.sheets[0]:
        for label, value in report.filters:
            rows.append([text_cell(ws, label, font=_BOLD), text_cell(ws, value)])
    else:
        # One line of filters keeps the frozen header short on the detail sheets.
        rows.append([text_cell(ws, " · ".join(f"{label} : {value}"
                                              for label, value in report.filters))])
    if report.legend:
        rows.append([text_cell(ws, report.legend, font=_ITALIC)])
    rows.append([])
    # Rows are numbered from 1; the first grid's header row is frozen with the label column.
    first_header = None
    charts = []
    blocks = []
    for grid in sheet.grids:
        start = len(rows) + 1
        header = start + 1
        first_header = first_header or header
        rows.extend(_grid_rows(ws, grid))
        chart = grid.chart is not None and len(grid.rows) > 1
        if chart:
            charts.append((_chart(ws, grid, header), f"{get_column_letter(len(grid.columns) + 3)}"
                                                      f"{start}"))
            while len(rows) - start + 1 < CHART_ROWS:
                rows.append([])
        blocks.append(_Block(start, len(rows), chart))
        rows.append([])
    if first_header:
        ws.freeze_panes = f"B{first_header + 1}"
    for chart, anchor in charts:
        ws.add_chart(chart, anchor)
    _print_setup(ws, widths, blocks, first_header, summary=sheet is report.sheets[0],
                 chart_columns=bool(charts), single=len(sheet.grids) == 1)
    for row in rows:
        ws.append(row)


# ---------------------------------------------------------------------------- print setup
# LibreOffice and Excel print a sheet without a print setup in portrait, column by column
# (PITFALLS): every sheet gets one, worked out from what the sheet holds.

A4_SHORT_PT, A4_LONG_PT = 595, 842
MARGIN_PT = 0.5 * 72  # the margins set below, in inches, as points
ROW_PT = 15  # a default row's height
WRAPPED_ROW_PT = 45  # a header row whose labels wrap onto three lines
CHART_WIDTH_CHARS = 16 / 0.19  # a 16 cm chart, in column-width characters (about 0.19 cm each)


@dataclass
class _Block:
    """A grid on its sheet: its first and last rows, and whether a chart sits beside it."""

    first: int
    last: int
    chart: bool


def _width_pt(characters: float) -> float:
    return characters * 5.6 + 5  # a column's width in characters, as printed points


def _print_setup(ws, widths: list[float], blocks: list[_Block], first_header: int | None, *,
                 summary: bool, chart_columns: bool, single: bool) -> None:
    """Set orientation, fit to one page wide, repeated header rows and page breaks."""
    wide = sum(widths) + (2 + CHART_WIDTH_CHARS if chart_columns else 0)
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    landscape = _width_pt(wide) > A4_SHORT_PT - 2 * MARGIN_PT
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    # The summary on one page; the other sheets as many pages down as they need.
    ws.page_setup.fitToHeight = 1 if summary else 0
    ws.print_options.gridLines = False
    if first_header:
        # One table: its title, filters and header row on every page; several tables: the
        # sheet's title and filters (a header row would be wrong under the next table).
        ws.print_title_rows = f"1:{first_header}" if single else "1:2"
    if summary:
        return
    page_width = (A4_LONG_PT if landscape else A4_SHORT_PT) - 2 * MARGIN_PT
    page_height = (A4_SHORT_PT if landscape else A4_LONG_PT) - 2 * 0.6 * 72
    scale = min(1.0, page_width / _width_pt(wide))
    titles = (first_header if single else 2) if first_header else 0
    per_page = int((page_height / scale - titles * ROW_PT - WRAPPED_ROW_PT) / ROW_PT * 0.9)
    _break_before_cut_blocks(ws, blocks, per_page)


def _break_before_cut_blocks(ws, blocks: list[_Block], per_page: int) -> None:
    """Start a new page before a grid that a page would cut while it could fit on one."""
    top = 1
    for block in blocks:
        height = block.last - block.first + 1
        # Only a grid with its chart must not be cut; a long table may go on to the next
        # page between rows, its header repeated.
        if (block.chart and height <= per_page and block.first > top
                and block.last - top + 1 > per_page):
            ws.row_breaks.append(Break(id=block.first - 1))
            top = block.first
        while block.last - top + 1 > per_page:
            top += per_page


def _grid_rows(ws, grid: Grid) -> list[list]:
    """Return a grid's rows: title, header, item rows, total row, note."""
    rows = [[text_cell(ws, grid.title, font=_BOLD)]]
    rows.append([text_cell(ws, grid.corner, font=_BOLD, fill=_HEADER_FILL, alignment=_WRAP,
                           border=_RULE)]
                + [text_cell(ws, c.label, font=_BOLD, fill=_HEADER_FILL, alignment=_WRAP,
                             border=_RULE) for c in grid.columns])
    for i, (_code, label) in enumerate(grid.rows):
        total = grid.total_row and i == len(grid.rows) - 1
        fill = _TOTAL_FILL if total else None
        line = [text_cell(ws, label, font=_BOLD if total else None, fill=fill)]
        for j, column in enumerate(grid.columns):
            shown = grid.shown(i, j)
            bold = total or column.kind == "total"
            if isinstance(shown, str):
                line.append(text_cell(ws, shown, font=_BOLD if bold else None, fill=fill,
                                      alignment=_RIGHT))
            elif shown is None:
                line.append(None)
            else:
                fmt = column.fmt
                if grid.row_formats and column.kind not in ("change", "share"):
                    fmt = grid.row_formats[i]
                line.append(_number_cell(ws, shown, fmt, bold=bold, fill=fill))
        rows.append(line)
    if grid.note:
        rows.append([text_cell(ws, grid.note, font=_ITALIC)])
    return rows


def _chart(ws, grid: Grid, header: int):
    """Return a native chart of the grid's chosen columns against its item rows."""
    items = len(grid.rows) - (1 if grid.total_row else 0)
    chart = LineChart() if grid.chart.kind == "line" else BarChart()
    chart.title = grid.chart.title
    chart.y_axis.title = grid.chart.y_title or None
    chart.height, chart.width = 7.5, 16
    for code in grid.chart.columns:
        col = grid.col(code) + 2
        chart.add_data(Reference(ws, min_col=col, min_row=header, max_row=header + items),
                       titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=header + items))
    if len(grid.chart.columns) == 1:
        chart.legend = None
    return chart


def annual_workbook(data: dict, edition: str, threshold: int) -> bytes:
    """Return the annual activity report of the data as an xlsx workbook."""
    with force_locale("fr"):
        return render(annual_report(data, edition, threshold))


def period_workbook(data: dict, kind: str, compare: list[tuple[str, dict]]) -> bytes:
    """Return a weekly or monthly summary as an xlsx workbook."""
    with force_locale("fr"):
        return render(period_report(data, kind, compare))


def partner_workbook(data: dict, edition: str, threshold: int) -> bytes:
    """Return a partner's own activity report as an xlsx workbook."""
    with force_locale("fr"):
        return render(partner_report(data, edition, threshold))


class RawWorkbook:
    """Stream rows into sheets of a write-only workbook, one sheet per kind of row."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)
        self.taken: set[str] = set()
        self.ws = None
        self.count = 0
        self.title = ""
        self.headers: list[str] = []
        self.part = 1
        self._texts: dict[str, str | None] = {}

    def start_sheet(self, title: str, headers: list[str]) -> None:
        """Open a sheet whose first row holds the column headers."""
        self.title, self.headers, self.part = title, headers, 1
        self._open(title)

    def _open(self, title: str) -> None:
        self.ws = self.workbook.create_sheet(sheet_title(title, self.taken))
        self.ws.freeze_panes = "A2"
        for k, header in enumerate(self.headers, start=1):
            self.ws.column_dimensions[get_column_letter(k)].width = max(12, min(len(header) + 2,
                                                                            40))
        self.ws.append([text_cell(self.ws, h, font=_BOLD, fill=_HEADER_FILL)
                        for h in self.headers])
        self.count = 0

    def append(self, values: Iterable) -> None:
        """Write one row; text becomes string cells, dates stay dates (no time of day)."""
        if self.count >= MAX_ROWS_PER_SHEET:
            self.part += 1
            self._open(f"{self.title} ({self.part})")
        self.ws.append([self._value(v) for v in values])
        self.count += 1

    def _value(self, value):
        if isinstance(value, str):
            known = self._texts.get(value, ...)
            if known is ...:
                text = clean_text(value)
                # Plain text is written as is; risky text needs its own string cell.
                known = text if not text.startswith(FORMULA_LEADS) else None
                if len(self._texts) < 100_000:
                    self._texts[value] = known
            return known if known is not None else text_cell(self.ws, value)
        # A date (never a datetime) gets openpyxl's "yyyy-mm-dd" format: no time of day.
        return value

    def save(self, stream: IO[bytes]) -> None:
        """Write the workbook out (once)."""
        self.workbook.save(stream)


__all__ = ["DECIMAL", "INTEGER", "RawWorkbook", "annual_workbook", "clean_text",
           "partner_workbook", "period_workbook", "render", "text_cell"]
