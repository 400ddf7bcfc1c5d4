"""Figures of the visitor flow: arrivals by hour, destination and profile; reorientations."""

from __future__ import annotations


from app.figures.read import either, eq, ne, summed
from app.figures.scope import Scope
from app.models.rollups import NONE

ARRIVAL = "arrival"
REORIENTATION = "reorientation"


def _to_pole(scope: Scope) -> list:
    """Arrivals sent to the scope's pole (every arrival when it names none)."""
    return [] if scope.pole_id is None else [eq("destination_pole_id", scope.pole_id)]


def _through_pole(scope: Scope) -> list:
    """Flow entries into or out of the scope's pole (every entry when it names none)."""
    if scope.pole_id is None:
        return []
    return [either(eq("destination_pole_id", scope.pole_id), eq("from_pole_id", scope.pole_id))]


def arrivals_by_hour(scope: Scope) -> list[dict]:
    """Sum persons and taps per site, reception point, Paris day and hour."""
    if scope.partner_id is not None:
        return []
    return summed("flow_hourly",
                  {"site_id": "site", "reception_point_id": "point", "local_date": "date",
                   "local_hour": "hour"},
                  {"persons": "persons", "entries": "entries"},
                  scope, *_to_pole(scope))


def arrivals_by_destination(scope: Scope) -> list[dict]:
    """Sum persons per site, destination (kind, pole, partner, event type) and gender."""
    if scope.partner_id is not None:
        return []
    return summed("flow_daily",
                  {"site_id": "site", "destination_kind": "kind",
                   "destination_pole_id": "pole", "destination_partner_id": "partner",
                   "event_type_id": "event_type", "gender_id": "gender"},
                  {"persons": "persons", "entries": "entries"},
                  scope, eq("kind", ARRIVAL), *_to_pole(scope))


def arrivals_by_profile(scope: Scope) -> list[dict]:
    """Sum persons per profile category and option (option None: not stated)."""
    if scope.partner_id is not None:
        return []
    return summed("flow_profile_daily", {"category": "category", "option_id": "option"},
                  {"persons": "persons"}, scope, *_to_pole(scope))


def reorientations(scope: Scope) -> list[dict]:
    """Sum persons sent on, per pole of origin, destination (pole or partner) and source.

    from_interview tells a reorientation an interview recorded from one logged at
    reception. With a partner, only those its counsellors' interviews recorded: an
    interview's pole-targeted outcome is the reorientation it writes into the flow.
    """
    if scope.partner_id is not None:
        conditions = [eq("partner_id", scope.partner_id), ne("target_pole_id", NONE)]
        if scope.pole_id is not None:
            conditions.append(either(eq("pole_id", scope.pole_id),
                                     eq("target_pole_id", scope.pole_id)))
        return [{"from_pole": row["from_pole"], "kind": "pole", "pole": row["pole"],
                 "partner": None, "from_interview": True, "persons": row["persons"]}
                for row in summed("interview_outcome_daily",
                                  {"pole_id": "from_pole", "target_pole_id": "pole"},
                                  {"interviews": "persons"}, scope, *conditions)]
    rows = summed("flow_daily",
                  {"from_pole_id": "from_pole", "destination_kind": "kind",
                   "destination_pole_id": "pole", "destination_partner_id": "partner",
                   "from_interview": "from_interview"},
                  {"persons": "persons"}, scope, eq("kind", REORIENTATION),
                  *_through_pole(scope))
    for row in rows:
        row["from_interview"] = bool(row["from_interview"])
    return rows


def arrivals_by_day(scope: Scope) -> list[dict]:
    """Sum the arrivals' persons and taps per Paris day (the day-by-day series)."""
    if scope.partner_id is not None:
        return []
    return summed("flow_day", {"local_date": "date"}, {"persons": "persons", "entries": "entries"},
                  scope, eq("kind", ARRIVAL), *_to_pole(scope))


def arrivals_by_weekday_hour(scope: Scope) -> list[dict]:
    """Sum the arrivals' persons and taps per site, weekday (Monday 0) and Paris hour."""
    if scope.partner_id is not None:
        return []
    return summed("flow_hourly", {"site_id": "site", "weekday": "weekday", "local_hour": "hour"},
                  {"persons": "persons", "entries": "entries"}, scope, *_to_pole(scope))
