"""Small-cell suppression: small counts hidden, and no hidden cell recomputable from totals."""

from __future__ import annotations

import random
from fractions import Fraction

from app.privacy.suppression import (
    PRIMARY,
    SECONDARY,
    mark,
    recomputable,
    small_mark,
    suppress,
    suppress_vector,
    with_totals,
)


def determined_cells(values, status, *, row_totals=True, col_totals=True):
    """Return the hidden cells the shown ones determine, by exact linear algebra.

    Independent of the graph method under test: one equation per line that has a total,
    Gauss-Jordan elimination over fractions, and a hidden cell is determined when a unit
    row of the reduced system names it.
    """
    height, width = len(values), len(values[0])
    hidden = [(i, j) for i in range(height) for j in range(width) if status[i][j]]
    index = {cell: k for k, cell in enumerate(hidden)}
    lines = []
    inner_rows = range(height - 1) if col_totals else range(height)
    inner_cols = range(width - 1) if row_totals else range(width)
    if row_totals:
        lines += [[(i, j, 1) for j in inner_cols] + [(i, width - 1, -1)] for i in range(height)]
    if col_totals:
        lines += [[(i, j, 1) for i in inner_rows] + [(height - 1, j, -1)] for j in range(width)]
    matrix = []
    for line in lines:
        row = [Fraction(0)] * len(hidden)
        for i, j, sign in line:
            if (i, j) in index:
                row[index[(i, j)]] += sign
        if any(row):
            matrix.append(row)
    pivot_row = 0
    for col in range(len(hidden)):
        pivot = next((r for r in range(pivot_row, len(matrix)) if matrix[r][col]), None)
        if pivot is None:
            continue
        matrix[pivot_row], matrix[pivot] = matrix[pivot], matrix[pivot_row]
        lead = matrix[pivot_row][col]
        matrix[pivot_row] = [x / lead for x in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][col]:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[pivot_row])]
        pivot_row += 1
    found = set()
    for row in matrix[:pivot_row]:
        nonzero = [k for k, x in enumerate(row) if x]
        if len(nonzero) == 1:
            found.add(hidden[nonzero[0]])
    return found


def hidden_values(values, status):
    return sorted(values[i][j] for i, row in enumerate(status) for j, s in enumerate(row) if s)


def test_counts_from_one_to_threshold_are_hidden_and_zeros_are_not():
    cells = [[0, 1, 10, 11], [40, 0, 50, 60], [70, 80, 0, 90]]
    status = suppress(cells, 10)
    assert status[0][0] is None  # a zero is no small cell
    assert status[0][1] == PRIMARY and status[0][2] == PRIMARY
    assert status[0][3] is None or status[0][3] == SECONDARY  # 11 is not small
    assert status[1][1] is None and status[2][2] is None
    values = with_totals(cells)
    assert not determined_cells(values, status)


def test_threshold_is_configurable_and_sets_the_mark():
    status = suppress([[5, 7, 30], [40, 50, 60]], 5)
    assert status[0][0] == PRIMARY and status[0][1] != PRIMARY
    assert small_mark(10) == "<11" and small_mark(5) == "<6"
    assert mark(PRIMARY, 10) == "<11" and mark(SECONDARY, 10) == "s" and mark(None, 10) is None


def test_a_table_without_small_cells_is_left_alone():
    cells = [[0, 0, 25], [30, 0, 0], [11, 12, 0]]
    status = suppress(cells, 10)
    assert all(s is None for row in status for s in row)


def test_a_row_with_a_single_small_cell_hides_the_least_it_can_in_its_row_and_column():
    cells = [[4, 30, 25, 90], [50, 60, 70, 80], [55, 65, 75, 85]]
    status = suppress(cells, 10)
    values = with_totals(cells)
    assert status[0][0] == PRIMARY
    # The cheapest square through the small cell: 30 + 50 + 60 hides less than 25 + 50 + 70.
    assert status[0][1] == SECONDARY
    assert status[1][0] == SECONDARY
    assert status[1][1] == SECONDARY
    assert hidden_values(values, status) == [4, 30, 50, 60]
    assert not determined_cells(values, status)
    assert recomputable(status) == []


def test_a_column_with_one_small_cell_in_a_list_with_a_total():
    status = suppress_vector([120, 3, 45, 0, 60], 10)
    assert status == [None, PRIMARY, SECONDARY, None, None, None]


def test_a_list_whose_only_count_is_small_hides_its_total_too():
    assert suppress_vector([0, 7, 0], 10) == [None, PRIMARY, None, PRIMARY]


def test_a_row_whose_other_cells_are_zero_hides_its_total_rather_than_a_zero():
    cells = [[0, 0, 40], [30, 0, 60], [0, 20, 0]]
    cells[0][2] = 3
    status = suppress(cells, 10)
    values = with_totals(cells)
    assert status[0][2] == PRIMARY and status[0][3] == PRIMARY  # the row total is 3 as well
    assert not determined_cells(values, status)
    assert all(values[i][j] for i, row in enumerate(status) for j, s in enumerate(row) if s)


def test_two_protected_blocks_joined_by_one_cell_are_caught():
    # Every line holds two or more small cells, so counting hidden cells per line is
    # satisfied; yet the small cell at (1, 2) joins two blocks and can be recomputed.
    cells = [
        [5, 6, 40, 50, 60],
        [7, 8, 9, 55, 65],
        [45, 35, 4, 3, 70],
        [52, 62, 6, 2, 80],
        [90, 91, 92, 93, 94],
    ]
    values = with_totals(cells)
    primary_only = [[PRIMARY if 1 <= v <= 10 else None for v in row] for row in values]
    for line in primary_only[:4]:
        assert sum(s is not None for s in line) >= 2
    assert (1, 2) in determined_cells(values, primary_only)

    status = suppress(cells, 10)
    assert not determined_cells(values, status)
    assert recomputable(status) == []


def test_fixed_totals_are_honoured_and_inner_cells_cover_for_them():
    cells = [[3, 40, 50], [60, 70, 80], [65, 75, 85]]
    # The column totals are published elsewhere: the complements must be inner cells.
    fixed = {(3, j): False for j in range(4)}
    status = suppress(cells, 10, fixed=fixed)
    assert all(status[3][j] is None for j in range(4))
    assert not determined_cells(with_totals(cells), status)
    # A total hidden by another table is hidden here too, and covered.
    status = suppress(cells, 10, fixed={(1, 3): True})
    assert status[1][3] == SECONDARY
    assert not determined_cells(with_totals(cells), status)


def test_tables_with_totals_on_one_side_only():
    # Two columns in different units (persons, interviews): no row totals.
    cells = [[4, 30], [50, 2], [60, 70], [0, 80]]
    status = suppress(cells, 10, row_totals=False)
    values = with_totals(cells, row_totals=False)
    assert len(status) == 5 and len(status[0]) == 2
    assert not determined_cells(values, status, row_totals=False)
    for j in range(2):
        assert sum(status[i][j] is not None for i in range(5)) in (0, 2, 3, 4, 5)


def test_a_table_without_any_total_only_hides_small_counts():
    status = suppress([[4, 30], [50, 0]], 10, row_totals=False, col_totals=False)
    assert status == [[PRIMARY, None], [None, None]]


def test_random_tables_never_leave_a_hidden_cell_recomputable():
    rng = random.Random(20250401)
    for _ in range(150):
        height, width = rng.randint(1, 7), rng.randint(1, 7)
        cells = [[rng.choice([0, 0, 1, 2, 5, 9, 10, 11, 15, 30, 120, rng.randint(0, 400)])
                  for _ in range(width)] for _ in range(height)]
        row_totals, col_totals = rng.choice([(True, True), (True, False), (False, True)])
        values = with_totals(cells, row_totals=row_totals, col_totals=col_totals)
        status = suppress(cells, 10, row_totals=row_totals, col_totals=col_totals)
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if 1 <= value <= 10:
                    assert status[i][j] == PRIMARY
        assert not determined_cells(values, status, row_totals=row_totals,
                                    col_totals=col_totals), (cells, status)
        assert recomputable(status, row_totals=row_totals, col_totals=col_totals) == []
