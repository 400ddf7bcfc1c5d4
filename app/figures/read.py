"""Read a rollup: sum its measures over a scope, grouped by some of its keys.

Whole calendar months of the scope are read from the rollup's monthly twin (one row a
month instead of one a day), the days before the first and after the last whole month
from the daily rollup; both are summed together. A grouping by day always reads days.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.figures.rollups import month_end, month_start
from app.figures.scope import Scope
from app.models.rollups import MONTHLY, NONE, TABLES

Condition = Callable[[sa.Table], sa.ColumnElement]


def eq(name: str, value) -> Condition:
    """Return the condition column == value, for whichever rollup table is read."""
    return lambda table: table.c[name] == value


def ne(name: str, value) -> Condition:
    """Return the condition column != value."""
    return lambda table: table.c[name] != value


def either(*conditions: Condition) -> Condition:
    """Return the condition that any of conditions holds."""
    return lambda table: sa.or_(*(condition(table) for condition in conditions))


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """Return the first day of the first and of the last whole month in [start, end]."""
    first = start if start.day == 1 else month_end(start) + timedelta(days=1)
    last = month_start(end) if end == month_end(end) else month_start(end) - timedelta(days=1)
    last = month_start(last)
    return (first, last) if first <= last else None


def _weekday(table: sa.Table):
    """Return the ISO weekday - 1 (Monday is 0) of a daily rollup's day, in SQL."""
    if db.engine.dialect.name == "sqlite":
        sunday_first = sa.cast(sa.func.strftime("%w", table.c.local_date), sa.Integer)
    else:
        sunday_first = sa.cast(sa.extract("dow", table.c.local_date), sa.Integer)
    return (sunday_first + 6) % 7


def _select(table: sa.Table, keys: dict[str, str], measures: dict[str, str], scope: Scope,
            days: list, conditions) -> sa.Select:
    columns = []
    for name in keys:
        if name == "weekday" and "weekday" not in table.c:
            columns.append(_weekday(table).label("weekday"))
        elif name == "weekday":
            columns.append(((table.c.weekday + 6) % 7).label("weekday"))
        else:
            columns.append(table.c[name])
    clauses = [*days, *(condition(table) for condition in conditions)]
    if scope.site_ids is not None:
        clauses.append(table.c.site_id.in_(scope.site_ids))
    statement = sa.select(*columns, *(sa.func.sum(table.c[m]) for m in measures)).where(*clauses)
    return statement.group_by(*columns) if columns else statement


def summed(table: str, keys: dict[str, str], measures: dict[str, str], scope: Scope,
           *conditions: Condition) -> list[dict]:
    """Return plain rows {name: value}: the measures summed per combination of the keys.

    keys and measures map a rollup column to the name the row gives it ("weekday", Monday
    0, may be asked of any rollup); a key stored as "not stated" (0) comes back as None;
    combinations whose measures sum to zero (all undone) are left out.
    """
    daily = TABLES[table]
    twin = MONTHLY.get(table)
    months = whole_months(scope.start, scope.end) if twin and "local_date" not in keys else None
    if months is None:
        statements = [_select(daily, keys, measures, scope,
                              [daily.c.local_date.between(scope.start, scope.end)], conditions)]
    else:
        first, last = months
        edges = [daily.c.local_date.between(scope.start, first - timedelta(days=1)),
                 daily.c.local_date.between(month_end(last) + timedelta(days=1), scope.end)]
        monthly = TABLES[twin.table]
        statements = [
            _select(monthly, keys, measures, scope,
                    [monthly.c.local_month.between(first, last)], conditions),
            _select(daily, keys, measures, scope, [sa.or_(*edges)], conditions),
        ]
    totals: dict[tuple, list[int]] = {}
    width = len(keys)
    for statement in statements:
        for values in db.session.execute(statement):
            key = tuple(values[:width])
            sums = totals.setdefault(key, [0] * len(measures))
            for index, value in enumerate(values[width:]):
                sums[index] += int(value or 0)
    optional = {index for index, column in enumerate(keys)
                if column.endswith("_id") and column != "site_id"}
    names = (*keys.values(), *measures.values())
    rows = []
    for key, sums in totals.items():
        if not any(sums):
            continue
        row = [None if index in optional and value == NONE else value
               for index, value in enumerate(key)]
        if "local_date" in keys:
            position = list(keys).index("local_date")
            if isinstance(row[position], str):
                row[position] = date.fromisoformat(row[position])
        rows.append(dict(zip(names, [*row, *sums])))
    return rows


def read_side_by_side(reads: dict[str, Callable[[], list]], lanes: int = 2) -> dict[str, list]:
    """Run the reads in `lanes` threads, each on a connection of its own; return their rows.

    The reads are independent: on two cores two lanes take about half the time, since the
    database drivers let go of the GIL while they run a query. Reading in several
    transactions is harmless for statistics, and SQLite in WAL mode lets readers run
    together. An in-memory SQLite database is read in this thread (each connection would
    see a database of its own).
    """
    if db.engine.url.database in (None, "", ":memory:"):
        return {name: read() for name, read in reads.items()}
    app = current_app._get_current_object()
    names = list(reads)

    def lane(share: list[str]) -> dict[str, list]:
        with app.app_context():
            try:
                return {name: reads[name]() for name in share}
            finally:
                db.session.remove()

    shares = [names[index::lanes] for index in range(lanes)]
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        results = {}
        for part in pool.map(lane, shares):
            results.update(part)
    return results
