"""Read a rollup: sum its measures over a scope, grouped by some of its keys."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.figures.scope import Scope
from app.models.rollups import NONE, TABLES


def summed(table: str, keys: dict[str, str], measures: dict[str, str], scope: Scope,
           *where) -> list[dict]:
    """Return plain rows {name: value}: the measures summed per combination of the keys.

    keys and measures map a rollup column to the name the row gives it; a key stored as
    "not stated" (0) comes back as None; combinations whose measures sum to zero (all
    undone) are left out.
    """
    rollup = TABLES[table]
    columns = [rollup.c[column] for column in keys]
    sums = [sa.func.sum(rollup.c[column]) for column in measures]
    clauses = [rollup.c.local_date >= scope.start, rollup.c.local_date <= scope.end, *where]
    if scope.site_ids is not None:
        clauses.append(rollup.c.site_id.in_(scope.site_ids))
    statement = sa.select(*columns, *sums).where(*clauses)
    if columns:
        statement = statement.group_by(*columns)
    names = (*keys.values(), *measures.values())
    optional = {index for index, column in enumerate(keys)
                if column.endswith("_id") and column not in ("site_id",)}
    rows = []
    for values in db.session.execute(statement):
        measured = values[len(columns):]
        if not any(measured):
            continue
        row = [None if index in optional and value == NONE else value
               for index, value in enumerate(values[:len(columns)])]
        rows.append(dict(zip(names, [*row, *(int(v or 0) for v in measured)])))
    return rows


def column(table: str, name: str) -> sa.Column:
    """Return a rollup's column, for the extra WHERE clauses of summed()."""
    return TABLES[table].c[name]
