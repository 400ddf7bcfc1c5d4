"""Grids: the tables a report shows, each cell with its value and suppression status.

A grid is what both the workbook and its JSON twin are written from, so they hold the
same figures. Counts get their totals and, in the publication edition, their suppression
here; figures computed from counts (shares, averages, changes) are hidden whenever a
count they come from is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.privacy.suppression import PRIMARY, SECONDARY, is_small, mark, suppress, with_totals

INTEGER = "#,##0"
DECIMAL = "#,##0.0"
PERCENT = "0.0%"


@dataclass
class Column:
    """A column of a grid: its code (for the JSON twin), label, number format and kind."""

    code: str
    label: str
    fmt: str = INTEGER
    kind: str = "count"  # count, total, share, average, change


@dataclass
class Chart:
    """A native chart of some of a grid's columns against its item rows."""

    kind: str  # "bar" or "line"
    title: str
    columns: list[str]
    y_title: str = ""


@dataclass
class Grid:
    """One table of a report, with each cell's value and suppression status."""

    key: str
    title: str
    corner: str
    rows: list[tuple[str, str]]
    columns: list[Column]
    values: list[list]
    status: list[list]
    threshold: int | None = None
    total_row: bool = False
    chart: Chart | None = None
    note: str = ""
    # Per-row number formats, for grids whose rows hold different kinds of figures.
    row_formats: list[str] | None = None

    def col(self, code: str) -> int:
        """Return the index of the column with that code."""
        return next(j for j, column in enumerate(self.columns) if column.code == code)

    def row(self, code: str) -> int:
        """Return the index of the row with that code."""
        return next(i for i, (row_code, _label) in enumerate(self.rows) if row_code == code)

    def shown(self, i: int, j: int):
        """Return what the cell shows: its value, or the mark of a hidden cell."""
        hidden = mark(self.status[i][j], self.threshold or 0)
        return hidden if hidden is not None else self.values[i][j]

    def shown_at(self, row_code: str, column_code: str):
        """Return what the cell at a row and column code shows."""
        return self.shown(self.row(row_code), self.col(column_code))

    def count_columns(self) -> list[int]:
        """Return the indexes of the count columns, the total column included."""
        return [j for j, column in enumerate(self.columns) if column.kind in ("count", "total")]

    def margin(self) -> list:
        """Return the statuses of the row totals (the single column if there is one) and grand."""
        j = self.col("total") if any(c.code == "total" for c in self.columns) else \
            self.count_columns()[0]
        return [self.status[i][j] for i in range(len(self.rows))]

    def column_statuses(self, code: str) -> list:
        """Return the statuses down one column, its total included."""
        j = self.col(code)
        return [self.status[i][j] for i in range(len(self.rows))]

    def row_statuses(self, code: str) -> list:
        """Return the statuses along one row's count columns, its total included."""
        i = self.row(code)
        return [self.status[i][j] for j in self.count_columns()]


@dataclass
class Sheet:
    """A worksheet: a title and its grids, stacked."""

    title: str
    grids: list[Grid]


@dataclass
class Report:
    """A whole report: what the header says, its sheets, and its JSON twin's extra keys."""

    kind: str
    title: str
    filters: list[tuple[str, str]]
    edition: str
    threshold: int | None
    sheets: list[Sheet]
    twin: dict = field(default_factory=dict)
    # How hidden cells read, printed on every sheet of the publication edition.
    legend: str = ""

    def grid(self, key: str) -> Grid:
        """Return the grid with that key."""
        return next(g for sheet in self.sheets for g in sheet.grids if g.key == key)

    def grids(self) -> list[Grid]:
        """Return every grid of every sheet."""
        return [g for sheet in self.sheets for g in sheet.grids]


def count_grid(key: str, title: str, corner: str, rows: list[tuple[str, str]],
               columns: list[tuple[str, str]], cells: list[list[int]], threshold: int | None, *,
               row_totals: bool = True, col_totals: bool = True, row_margin: list | None = None,
               col_margin: list | None = None, shares: bool = False, chart: Chart | None = None,
               note: str = "") -> Grid:
    """Build a grid of counts with its totals, suppressed when a threshold is given."""
    # row_margin holds the statuses already decided for the row totals then the grand total;
    # col_margin those of the column totals then the grand total. With a single column the
    # row totals would repeat it, so there are none and row_margin applies to the column.
    single = len(columns) == 1
    if single:
        row_totals = False
    values = with_totals(cells, row_totals=row_totals, col_totals=col_totals) if rows else (
        [[0] * (len(columns) + row_totals)] if col_totals else [])
    height, width = len(values), len(columns) + (1 if row_totals else 0)
    if threshold is None:
        status = [[None] * width for _ in range(height)]
    else:
        fixed: dict[tuple[int, int], bool] = {}
        if row_margin is not None:
            j = 0 if single else width - 1
            for i, hidden in enumerate(row_margin[:height]):
                fixed[(i, j)] = hidden is not None
        if col_margin is not None and col_totals:
            for j, hidden in enumerate(col_margin[:width]):
                fixed[(height - 1, j)] = hidden is not None
        status = suppress(cells, threshold, row_totals=row_totals, col_totals=col_totals,
                          fixed=fixed) if rows else _margin_only(values, threshold, fixed)
    grid_columns = [Column(code, label) for code, label in columns]
    if row_totals:
        grid_columns.append(Column("total", _("Total"), kind="total"))
    grid_rows = list(rows) + ([("total", _("Total"))] if col_totals else [])
    grid = Grid(key, title, corner, grid_rows, grid_columns, values, status, threshold,
                total_row=col_totals, chart=chart, note=note)
    if chart is not None and not row_totals and "total" in chart.columns:
        # One column and no total column: the chart shows that column.
        chart.columns = [grid_columns[0].code if c == "total" else c for c in chart.columns]
    if shares:
        _add_shares(grid, row_totals, col_totals)
    return grid


def _margin_only(values, threshold, fixed):
    """Return the statuses of a grid that has no item rows, only its total row."""
    return [[PRIMARY if is_small(v, threshold) else (SECONDARY if fixed.get((i, j)) else None)
             for j, v in enumerate(row)] for i, row in enumerate(values)]


def _share(value, total):
    return value / total if total else None


def _add_shares(grid: Grid, row_totals: bool, col_totals: bool) -> None:
    """Add share columns; a share is hidden when its count or its denominator is."""
    last = len(grid.rows) - 1
    if row_totals and col_totals:
        source = [grid.col("total")]
    elif col_totals:
        source = grid.count_columns()
    else:
        return
    for offset, j in enumerate(source):
        code = "share" if len(source) == 1 else f"{grid.columns[j].code}_share"
        position = j + 1 + offset
        for i in range(len(grid.rows)):
            value = _share(grid.values[i][j + offset], grid.values[last][j + offset])
            hidden = grid.status[i][j + offset] or grid.status[last][j + offset]
            grid.values[i].insert(position, value)
            grid.status[i].insert(position, SECONDARY if hidden else None)
        grid.columns.insert(position, Column(code, _("Part"), PERCENT, "share"))


def derived_status(*statuses) -> str | None:
    """Return the status of a figure computed from others: hidden if any of them is."""
    return SECONDARY if any(s is not None for s in statuses) else None


def change(current, previous) -> float | None:
    """Return the relative change from previous to current (0.1 is +10 %), or None."""
    if current is None or previous in (None, 0):
        return None
    return (current - previous) / previous


def ratio(value, days) -> float | None:
    """Return value per day, or None without days."""
    return value / days if days else None
