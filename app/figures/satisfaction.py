"""The exit kiosk's answers: per site, month, pole and score; and the taps a burst threw out.

Answers are one row per visitor who tapped: read raw, grouped by the Paris day stored on
each. Throttled taps (too close to the kiosk's previous one) are never in the answers and
always in `throttled`.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from app.extensions import db
from app.figures.scope import Scope
from app.models import SatisfactionAnswer


def _query(scope: Scope, *columns):
    query = sa.select(*columns).where(
        SatisfactionAnswer.local_date.between(scope.start, scope.end))
    if scope.site_ids is not None:
        query = query.where(SatisfactionAnswer.site_id.in_(scope.site_ids))
    if scope.pole_id is not None:
        query = query.where(SatisfactionAnswer.pole_id == scope.pole_id)
    return query


def answers(scope: Scope) -> list[dict]:
    """Count answers per site, month (its first day), pole (None: not said) and score."""
    if scope.partner_id is not None:
        return []
    keys = (SatisfactionAnswer.site_id, SatisfactionAnswer.local_date,
            SatisfactionAnswer.pole_id, SatisfactionAnswer.score)
    query = _query(scope, *keys, sa.func.count()).where(
        SatisfactionAnswer.throttled.is_(False)).group_by(*keys)
    months: dict[tuple, int] = defaultdict(int)
    for site, day, pole, score, count in db.session.execute(query):
        months[(site, day.replace(day=1), pole, score)] += count
    return [{"site": site, "month": month, "pole": pole, "score": score, "answers": count}
            for (site, month, pole, score), count in sorted(
                months.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0,
                                                  item[0][3]))]


def throttled(scope: Scope) -> list[dict]:
    """Count the taps refused as a burst, per site and month."""
    if scope.partner_id is not None:
        return []
    keys = (SatisfactionAnswer.site_id, SatisfactionAnswer.local_date)
    query = _query(scope, *keys, sa.func.count()).where(
        SatisfactionAnswer.throttled.is_(True)).group_by(*keys)
    months: dict[tuple, int] = defaultdict(int)
    for site, day, count in db.session.execute(query):
        months[(site, day.replace(day=1))] += count
    return [{"site": site, "month": month, "taps": count}
            for (site, month), count in sorted(months.items())]
