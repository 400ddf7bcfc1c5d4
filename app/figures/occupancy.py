"""Occupancy of the spaces, from the agents' rounds: average and peak per space and hour.

Rounds are a few a day per site: the figures read them raw, with the Paris day and hour
stored on each round.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.figures.scope import Scope
from app.models import OccupancyCount, OccupancyRound, Space


def _where(query, scope: Scope):
    query = query.where(OccupancyRound.local_date.between(scope.start, scope.end))
    if scope.site_ids is not None:
        query = query.where(OccupancyRound.site_id.in_(scope.site_ids))
    if scope.pole_id is not None:
        # With a pole, its waiting area only.
        query = query.where(Space.pole_id == scope.pole_id)
    return query


def _rows(scope: Scope, *keys) -> list[dict]:
    if scope.partner_id is not None:
        return []
    columns = {"site": OccupancyRound.site_id, "space": OccupancyCount.space_id,
               "date": OccupancyRound.local_date, "hour": OccupancyRound.local_hour}
    chosen = [columns[key].label(key) for key in keys]
    query = _where(
        sa.select(*chosen, sa.func.count().label("rounds"),
                  sa.func.sum(OccupancyCount.people).label("total"),
                  sa.func.max(OccupancyCount.people).label("peak"))
        .select_from(OccupancyCount)
        .join(OccupancyRound, OccupancyRound.id == OccupancyCount.round_id)
        .join(Space, Space.id == OccupancyCount.space_id), scope).group_by(*chosen)
    out = []
    for row in db.session.execute(query).mappings():
        rounds, total = int(row["rounds"]), int(row["total"] or 0)
        out.append({**{key: row[key] for key in keys}, "rounds": rounds, "total": total,
                    "peak": int(row["peak"] or 0), "average": total / rounds if rounds else None})
    return out


def by_space_and_hour(scope: Scope) -> list[dict]:
    """Return per site, space and Paris hour: the rounds, people counted in all, average, peak."""
    return _rows(scope, "site", "space", "hour")


def by_space(scope: Scope) -> list[dict]:
    """Return per site and space: the rounds, people counted in all, average and peak."""
    return _rows(scope, "site", "space")


def by_day_and_hour(scope: Scope) -> list[dict]:
    """Return per site, space, Paris day and hour (the floor board's day, round by round)."""
    return _rows(scope, "site", "space", "date", "hour")


def rounds_taken(scope: Scope) -> list[dict]:
    """Return the rounds taken per site and Paris day, with the hour of the last one."""
    if scope.partner_id is not None:
        return []
    query = sa.select(OccupancyRound.site_id, OccupancyRound.local_date,
                      sa.func.count(), sa.func.max(OccupancyRound.taken_at)).where(
        OccupancyRound.local_date.between(scope.start, scope.end))
    if scope.site_ids is not None:
        query = query.where(OccupancyRound.site_id.in_(scope.site_ids))
    query = query.group_by(OccupancyRound.site_id, OccupancyRound.local_date)
    return [{"site": site, "date": day, "rounds": count, "last": last}
            for site, day, count, last in db.session.execute(query)]
