"""Keep the daily rollups current, rebuild them from raw rows, and check they agree.

The rollups are kept by database triggers rather than by each service: every write that
changes a figure (a tap, a replay that inserts nothing, an undo, an interview created,
corrected or deleted, the reorientation it produced, an import, a script) goes through
them in its own transaction, so no write path can forget one (PITFALLS: rollups drift).
The triggers are generated from the declarations in app/models/rollups.py, for SQLite and
for PostgreSQL.

Hard deletion of raw rows is retention: the rollups keep those days' figures. A row in
`rollup_pause`, visible only to the transaction that wrote it, makes the triggers stand
aside while retention deletes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.models.rollups import ROLLUPS, TABLES, Rollup

PAUSE_TABLE = "rollup_pause"
ADVISORY_LOCK = 7_300_001  # the key of the rollups' transaction lock on PostgreSQL
# Raw columns each source's rollups read: an UPDATE of any other column (received_at,
# note...) changes no figure and fires nothing.
_SOURCE_TABLE = {"flow": "flow_entries", "interview": "interviews",
                 "theme": "interview_themes", "outcome": "interview_outcomes"}
_WATCHED = {
    "flow_entries": ("kind", "local_date", "local_hour", "site_id", "reception_point_id",
                     "destination_kind", "destination_pole_id", "destination_partner_id",
                     "event_type_id", "from_pole_id", "interview_id", "party_size",
                     "status_id", "age_band_id", "gender_id", "first_visit_id", "deleted_at"),
    "interviews": ("local_date", "site_id", "pole_id", "partner_id", "channel",
                   "duration_min", "status_id", "age_band_id", "gender_id", "first_visit_id",
                   "deleted_at"),
    "interview_themes": ("interview_id", "theme_id"),
    "interview_outcomes": ("interview_id", "outcome_id", "target_pole_id", "target_partner_id"),
}


_MONTH_OF = re.compile(r"MONTH_OF\(([^()]*)\)")
_WEEKDAY_OF = re.compile(r"WEEKDAY_OF\(([^()]*)\)")


def in_dialect(sql: str, dialect: str) -> str:
    """Spell the declarations' MONTH_OF(day) and WEEKDAY_OF(day) (0 is Sunday) in SQL."""
    if dialect == "sqlite":
        sql = _MONTH_OF.sub(r"date(\1, 'start of month')", sql)
        return _WEEKDAY_OF.sub(r"CAST(strftime('%w', \1) AS INTEGER)", sql)
    sql = _MONTH_OF.sub(r"CAST(date_trunc('month', \1) AS date)", sql)
    return _WEEKDAY_OF.sub(r"CAST(EXTRACT(DOW FROM \1) AS INTEGER)", sql)


def _upsert(rollup: Rollup, select: str) -> str:
    keys = ", ".join(rollup.key_names)
    names = ", ".join((*rollup.key_names, *rollup.measure_names))
    sets = ", ".join(f"{m} = {rollup.table}.{m} + excluded.{m}" for m in rollup.measure_names)
    return f"INSERT INTO {rollup.table} ({names}) {select} ON CONFLICT ({keys}) DO UPDATE SET {sets}"


def _columns(rollup: Rollup, sign: int, **aliases: str) -> str:
    keys = [expr.format(**aliases) for _name, expr in rollup.keys]
    measures = [f"{sign} * ({expr.format(**aliases)})" for _name, expr in rollup.measures]
    return ", ".join(keys + measures)


def _delta(rollup: Rollup, row: str, sign: int) -> str:
    """Return the statement adding (sign 1) or taking away (-1) one raw row's figures.

    row is NEW or OLD: the raw row of the source table the trigger sits on. A SELECT that
    ends with WHERE keeps SQLite from reading ON CONFLICT as a join's ON.
    """
    if rollup.source in ("flow", "interview"):
        where = rollup.where.format(r=row)
        return _upsert(rollup, f"SELECT {_columns(rollup, sign, r=row)} "
                               f"WHERE {row}.deleted_at IS NULL AND {where}")
    return _upsert(rollup, f"SELECT {_columns(rollup, sign, i='i', t=row)} FROM interviews i "
                           f"WHERE i.id = {row}.interview_id AND i.deleted_at IS NULL")


def _moved(rollup: Rollup, row: str, sign: int) -> str:
    """Return the statement moving an interview's themes or outcomes with the interview."""
    table = _SOURCE_TABLE[rollup.source]
    return _upsert(rollup, f"SELECT {_columns(rollup, sign, i=row, t='t')} FROM {table} t "
                           f"WHERE t.interview_id = {row}.id AND {row}.deleted_at IS NULL")


def _statements(table: str, operation: str) -> list[str]:
    """Return the statements a trigger on table runs for INSERT, UPDATE or DELETE."""
    statements = []
    for rollup in ROLLUPS:
        source = _SOURCE_TABLE[rollup.source]
        if source == table:
            if operation in ("UPDATE", "DELETE") and (operation == "UPDATE"
                                                     or rollup.source in ("theme", "outcome")):
                # A hard DELETE of a flow entry or an interview is retention: no change.
                statements.append(_delta(rollup, "OLD", -1))
            if operation in ("INSERT", "UPDATE"):
                statements.append(_delta(rollup, "NEW", 1))
        elif table == "interviews" and rollup.source in ("theme", "outcome") \
                and operation == "UPDATE":
            statements += [_moved(rollup, "OLD", -1), _moved(rollup, "NEW", 1)]
    return statements


def trigger_ddl(dialect: str) -> list[str]:
    """Return the DDL creating every rollup trigger on this dialect ('sqlite', 'postgresql')."""
    ddl = []
    for table, watched in _WATCHED.items():
        operations = ("INSERT", "UPDATE", "DELETE")
        if dialect == "sqlite":
            for operation in operations:
                body = ";\n  ".join(in_dialect(sql, dialect)
                                     for sql in _statements(table, operation))
                if not body:
                    continue
                event = f"UPDATE OF {', '.join(watched)}" if operation == "UPDATE" else operation
                ddl.append(
                    f"CREATE TRIGGER {table}_rollup_{operation.lower()} AFTER {event} ON {table} "
                    f"FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM {PAUSE_TABLE})\n"
                    f"BEGIN\n  {body};\nEND")
        else:
            branches = []
            for operation in operations:
                body = ";\n    ".join(in_dialect(sql, dialect)
                                       for sql in _statements(table, operation))
                if body:
                    branches.append(f"  IF TG_OP = '{operation}' THEN\n    {body};\n  END IF;")
            ddl.append(
                f"CREATE OR REPLACE FUNCTION {table}_rollup() RETURNS trigger AS $$\nBEGIN\n"
                f"  IF EXISTS (SELECT 1 FROM {PAUSE_TABLE}) THEN RETURN NULL; END IF;\n"
                # Concurrent writers would upsert the same rollup rows in different
                # orders and deadlock; one lock, held to the commit, lines them up as
                # SQLite's single writer does (a millisecond or two per capture batch).
                f"  PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});\n"
                + "\n".join(branches) + "\n  RETURN NULL;\nEND\n$$ LANGUAGE plpgsql")
            ddl.append(
                f"CREATE TRIGGER {table}_rollup AFTER INSERT OR DELETE OR UPDATE OF "
                f"{', '.join(watched)} ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_rollup()")
    return ddl


def drop_trigger_ddl(dialect: str) -> list[str]:
    """Return the DDL removing every rollup trigger."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_rollup_{operation}"
                for table in _WATCHED for operation in ("insert", "update", "delete")]
    return [statement for table in _WATCHED for statement in (
        f"DROP TRIGGER IF EXISTS {table}_rollup ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_rollup()")]


def _recount(rollup: Rollup, dialect: str, start: date | None, end: date | None) -> str:
    """Return the SELECT that sums the raw rows as the rollup does, for a range of days."""
    measures = ", ".join(f"SUM({expr.format(r='r', i='i')})" for _n, expr in rollup.measures)
    keys = ", ".join(expr.format(r="r", i="i", t="t") for _n, expr in rollup.keys)
    if rollup.source in ("flow", "interview"):
        source = f"{_SOURCE_TABLE[rollup.source]} r"
        where = f"r.deleted_at IS NULL AND {rollup.where.format(r='r')}"
        day = "r.local_date"
    else:
        source = f"{_SOURCE_TABLE[rollup.source]} t JOIN interviews i ON i.id = t.interview_id"
        where = "i.deleted_at IS NULL"
        day = "i.local_date"
    if start is not None:
        where += f" AND {day} >= :start"
    if end is not None:
        where += f" AND {day} <= :end"
    positions = ", ".join(str(n + 1) for n in range(len(rollup.keys)))
    return in_dialect(f"SELECT {keys}, {measures} FROM {source} WHERE {where} "
                      f"GROUP BY {positions}", dialect)


def _range_clause(rollup: Rollup, start: date | None, end: date | None) -> str:
    column = rollup.key_names[0]  # local_date, or local_month for a monthly twin
    clauses = ["1 = 1"] if rollup.part is None else [f"category = '{rollup.part}'"]
    if start is not None:
        clauses.append(f"{column} >= :start")
    if end is not None:
        clauses.append(f"{column} <= :end")
    return " AND ".join(clauses)


def month_start(day: date) -> date:
    """Return the first day of day's month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """Return the last day of day's month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _days(rollup: Rollup, start: date | None, end: date | None, kept: date | None):
    """Return the first and last raw days a rollup is recounted over.

    A monthly twin is recounted by whole months, and never for a month retention has
    started to empty: its rollup is all that is left of that month's first days.
    """
    if kept is not None and (start is None or start < kept):
        start = kept
    if rollup.key_names[0] != "local_month":
        return start, end
    if start is not None and start != month_start(start):
        start = month_start(start) if kept is None or month_start(start) >= kept \
            else month_end(start) + timedelta(days=1)
    if end is not None:
        end = month_end(end)
    return start, end


def raw_data_since(connection: sa.Connection) -> date | None:
    """Return the first day whose raw rows are all kept (retention removed those before)."""
    kept = connection.execute(sa.text("SELECT MAX(before) FROM retention_runs")).scalar()
    return date.fromisoformat(kept) if isinstance(kept, str) else kept


def rebuild(connection: sa.Connection, start: date | None = None,
            end: date | None = None) -> dict[str, int]:
    """Recompute the rollups of [start, end] from raw rows; return the rows written per table.

    Days whose raw rows retention removed are left as they are: their rollups are all
    that is left of them. Monthly twins are recounted by whole months.
    """
    kept, dialect = raw_data_since(connection), connection.dialect.name
    written = {}
    for rollup in ROLLUPS:
        first, last = _days(rollup, start, end, kept)
        if first is not None and last is not None and first > last:
            continue
        params = {"start": first, "end": last}
        connection.execute(sa.text(f"DELETE FROM {rollup.table} WHERE "
                                   f"{_range_clause(rollup, first, last)}"), params)
        names = ", ".join((*rollup.key_names, *rollup.measure_names))
        result = connection.execute(sa.text(
            f"INSERT INTO {rollup.table} ({names}) {_recount(rollup, dialect, first, last)}"),
            params)
        written[rollup.table] = result.rowcount
    return written


@dataclass(frozen=True)
class Drift:
    """A rollup row that differs from the recount of its raw rows."""

    table: str
    key: tuple
    stored: tuple
    recounted: tuple


def check(connection: sa.Connection, start: date | None = None,
          end: date | None = None) -> list[Drift]:
    """Compare every rollup with a recount of its raw rows; return what differs."""
    kept, dialect = raw_data_since(connection), connection.dialect.name
    drifts = []
    for rollup in ROLLUPS:
        first, last = _days(rollup, start, end, kept)
        if first is not None and last is not None and first > last:
            continue
        params = {"start": first, "end": last}
        width = len(rollup.keys)
        nonzero = " OR ".join(f"{m} <> 0" for m in rollup.measure_names)
        stored_sql = (f"SELECT {', '.join((*rollup.key_names, *rollup.measure_names))} "
                      f"FROM {rollup.table} WHERE ({nonzero}) AND "
                      f"{_range_clause(rollup, first, last)}")
        recount_sql = _recount(rollup, dialect, first, last)
        # Only the rows that differ leave the database: EXCEPT both ways.
        differing = connection.execute(sa.text(
            f"SELECT * FROM ({stored_sql} EXCEPT {recount_sql}) a "
            f"UNION SELECT * FROM ({recount_sql} EXCEPT {stored_sql}) b"), params).all()
        keys = {tuple(_plain(v) for v in row[:width]) for row in differing}
        if not keys:
            continue
        stored = {tuple(_plain(v) for v in row[:width]): tuple(row[width:])
                  for row in connection.execute(sa.text(stored_sql), params)}
        recounted = {tuple(_plain(v) for v in row[:width]): tuple(row[width:])
                     for row in connection.execute(sa.text(recount_sql), params)}
        for key in sorted(keys, key=str):
            drifts.append(Drift(rollup.table, key, stored.get(key, ()), recounted.get(key, ())))
    return drifts


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


__all__ = ["TABLES", "rebuild", "check", "trigger_ddl", "drop_trigger_ddl", "Drift"]
