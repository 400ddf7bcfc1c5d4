"""Small-cell suppression for published tables.

Primary suppression hides every count from 1 to the threshold. Secondary suppression then
hides more cells until no hidden cell can be recomputed from the totals the table shows.

A table with its totals is a set of linear equations: each row sums to its row total, each
column to its column total. Seen as a bipartite graph (one node per row, one per column,
one edge per cell), the hidden cells are the unknowns, and an unknown is determined by the
equations exactly when its edge is a bridge of the graph of hidden cells, that is when it
lies on no cycle of hidden cells. Rows (or columns) that have no total are not equations:
they are merged into one free node. So the rule is: while some hidden cell is a bridge,
hide the cheapest visible cells that close a cycle through it. On one line this is the
familiar "hide the next-smallest cell of the same row or column"; across the table it also
catches the cases where line counting is fooled (two protected blocks joined by one cell).

Every function here is pure: lists of integers in, lists of statuses out.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

PRIMARY = "primary"
SECONDARY = "secondary"
# What a published cell shows when hidden for protection but not small itself.
SECONDARY_MARK = "s"

Cell = tuple[int, int]
Status = str | None


def is_small(value: int, threshold: int) -> bool:
    """Tell whether a count must be hidden on its own (1 to threshold; zeros stay shown)."""
    return 1 <= value <= threshold


def small_mark(threshold: int) -> str:
    """Return the text shown instead of a small count, e.g. '<11' for a threshold of 10."""
    return f"<{threshold + 1}"


def mark(status: Status, threshold: int) -> str | None:
    """Return the text shown for a hidden cell of that status, or None for a shown cell."""
    if status == PRIMARY:
        return small_mark(threshold)
    if status == SECONDARY:
        return SECONDARY_MARK
    return None


def with_totals(cells: Sequence[Sequence[int]], *, row_totals: bool = True,
                col_totals: bool = True) -> list[list[int]]:
    """Return the table with a total column (row totals) and a total row (column totals)."""
    table = [list(row) + ([sum(row)] if row_totals else []) for row in cells]
    if col_totals:
        width = len(table[0]) if table else (1 if row_totals else 0)
        table.append([sum(row[j] for row in table) for j in range(width)])
    return table


def suppress(cells: Sequence[Sequence[int]], threshold: int, *, row_totals: bool = True,
             col_totals: bool = True, fixed: Mapping[Cell, bool] | None = None,
             ) -> list[list[Status]]:
    """Return the status (None, PRIMARY, SECONDARY) of each cell of the table with totals."""
    # The result has the shape of with_totals(cells, ...). `fixed` maps cells of that shape
    # to True (must be hidden: a total hidden in another table) or False (must stay shown:
    # a total another table publishes); a small count is hidden whatever it says.
    values = with_totals(cells, row_totals=row_totals, col_totals=col_totals)
    height = len(values)
    width = len(values[0]) if height else 0
    status: list[list[Status]] = [
        [PRIMARY if is_small(value, threshold) else None for value in row] for row in values
    ]
    locked: set[Cell] = set()
    for (i, j), hide in (fixed or {}).items():
        if hide and status[i][j] is None:
            status[i][j] = SECONDARY
        elif not hide:
            locked.add((i, j))
    if not (row_totals or col_totals) or not height or not width:
        return status
    graph = _Graph(values, status, locked, row_totals=row_totals, col_totals=col_totals)
    while (bridge := graph.first_bridge()) is not None:
        path = graph.cheapest_cycle_through(bridge)
        if path is None:
            # No set of cells closes a cycle (a degenerate shape): hide the whole table.
            return [[status[i][j] or (SECONDARY if values[i][j] else None) for j in range(width)]
                    for i in range(height)]
        for i, j in path:
            status[i][j] = SECONDARY
        graph.refresh(status)
    return status


def suppress_vector(values: Sequence[int], threshold: int, *, total: bool | None = None,
                    ) -> list[Status]:
    """Return the statuses of a list of counts followed by its total."""
    # `total` fixes the total's state when another table already decided it.
    if not values:
        return [SECONDARY if total else None]
    fixed = {} if total is None else {(len(values), 0): total}
    return [row[0] for row in suppress([[value] for value in values], threshold,
                                       row_totals=False, col_totals=True, fixed=fixed)]


def recomputable(status: Sequence[Sequence[Status]], *, row_totals: bool = True,
                 col_totals: bool = True) -> list[Cell]:
    """Return the hidden cells of a table with totals that its shown cells determine."""
    height = len(status)
    width = len(status[0]) if height else 0
    if not (row_totals or col_totals) or not width:
        return []
    zeros = [[0] * width for _ in range(height)]
    graph = _Graph(zeros, status, set(), row_totals=row_totals, col_totals=col_totals)
    return sorted(graph.bridges())


class _Graph:
    """The table as a bipartite multigraph: rows and columns are nodes, cells are edges."""

    def __init__(self, values, status, locked: set[Cell], *, row_totals: bool, col_totals: bool):
        self.values = values
        self.locked = locked
        self.height = len(values)
        self.width = len(values[0])
        self.free = self.height + self.width
        self.row_node = [i if row_totals else self.free for i in range(self.height)]
        self.col_node = [self.height + j if col_totals else self.free for j in range(self.width)]
        # The margins (last row and column) cost more to hide: other tables may show them.
        self.margin_rows = {self.height - 1} if col_totals else set()
        self.margin_cols = {self.width - 1} if row_totals else set()
        self.refresh(status)

    def refresh(self, status) -> None:
        """Take the current hidden cells as the graph's edges."""
        self.status = status
        self.hidden: list[Cell] = [(i, j) for i in range(self.height) for j in range(self.width)
                                   if status[i][j] is not None]

    def ends(self, cell: Cell) -> tuple[int, int]:
        """Return the row node and column node a cell joins."""
        return self.row_node[cell[0]], self.col_node[cell[1]]

    def bridges(self) -> list[Cell]:
        """Return the hidden cells that lie on no cycle of hidden cells (Tarjan, iterative)."""
        adjacency: dict[int, list[tuple[int, int]]] = {}
        for edge, cell in enumerate(self.hidden):
            a, b = self.ends(cell)
            adjacency.setdefault(a, []).append((b, edge))
            adjacency.setdefault(b, []).append((a, edge))
        order: dict[int, int] = {}
        low: dict[int, int] = {}
        found: list[Cell] = []
        for root in adjacency:
            if root in order:
                continue
            order[root] = low[root] = len(order)
            stack = [(root, -1, iter(adjacency[root]))]
            while stack:
                node, via, neighbours = stack[-1]
                advanced = False
                for other, edge in neighbours:
                    if edge == via:
                        continue
                    if other in order:
                        low[node] = min(low[node], order[other])
                    else:
                        order[other] = low[other] = len(order)
                        stack.append((other, edge, iter(adjacency[other])))
                        advanced = True
                        break
                if advanced:
                    continue
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(self.hidden[via])
        return found

    def first_bridge(self) -> Cell | None:
        """Return the bridge to fix first: the smallest value, so small cells are served first."""
        bridges = self.bridges()
        if not bridges:
            return None
        return min(bridges, key=lambda cell: (self.values[cell[0]][cell[1]], cell))

    def _cost(self, cell: Cell) -> tuple[int, int, int, int, int]:
        i, j = cell
        value = self.values[i][j]
        # Lexicographic: avoid cells another table shows, then zeros (weak cover), then
        # totals, then hide as little as possible, then as few cells as possible.
        return (int(cell in self.locked), int(value == 0),
                int(i in self.margin_rows or j in self.margin_cols), value, 1)

    def cheapest_cycle_through(self, bridge: Cell) -> list[Cell] | None:
        """Return the visible cells whose hiding puts the bridge on a cycle (Dijkstra)."""
        start, goal = self.ends(bridge)
        hidden = set(self.hidden)
        edges: dict[int, list[tuple[int, Cell]]] = {}
        for i in range(self.height):
            for j in range(self.width):
                if (i, j) == bridge:
                    continue
                a, b = self.ends((i, j))
                if a == b:
                    continue
                edges.setdefault(a, []).append((b, (i, j)))
                edges.setdefault(b, []).append((a, (i, j)))
        zero = (0, 0, 0, 0, 0)
        best = {start: zero}
        came: dict[int, tuple[int, Cell]] = {}
        queue = [(zero, start)]
        while queue:
            cost, node = heapq.heappop(queue)
            if node == goal:
                break
            if cost > best.get(node, cost):
                continue
            for other, cell in edges.get(node, ()):
                step = zero if cell in hidden else self._cost(cell)
                total = tuple(a + b for a, b in zip(cost, step))
                if other not in best or total < best[other]:
                    best[other] = total
                    came[other] = (node, cell)
                    heapq.heappush(queue, (total, other))
        if goal not in came:
            return None
        path, node = [], goal
        while node != start:
            node, cell = came[node]
            if cell not in hidden:
                path.append(cell)
        return path
