"""Figures of the interviews: per site, pole, partner, channel, duration, profile, theme, outcome."""

from __future__ import annotations

from app.figures.read import eq, summed
from app.figures.scope import Scope


def _narrowed(scope: Scope) -> list:
    conditions = []
    if scope.pole_id is not None:
        conditions.append(eq("pole_id", scope.pole_id))
    if scope.partner_id is not None:
        conditions.append(eq("partner_id", scope.partner_id))
    return conditions


def interviews(scope: Scope) -> list[dict]:
    """Count interviews and minutes per site, pole, partner, channel and gender."""
    return summed("interview_daily",
                  {"site_id": "site", "pole_id": "pole", "partner_id": "partner",
                   "channel": "channel", "gender_id": "gender"},
                  {"interviews": "count", "minutes": "minutes"},
                  scope, *_narrowed(scope))


def interviews_by_day(scope: Scope) -> list[dict]:
    """Count interviews per site and Paris day."""
    # Without a partner, the narrow day-by-day table: a few rows a day, not one a kind.
    table = "interview_day" if scope.partner_id is None else "interview_daily"
    return summed(table, {"site_id": "site", "local_date": "date"},
                  {"interviews": "count"}, scope, *_narrowed(scope))


def interviews_by_duration(scope: Scope) -> list[dict]:
    """Count interviews per pole and duration in minutes (the reports bin them)."""
    return summed("interview_duration_daily", {"pole_id": "pole", "duration_min": "minutes"},
                  {"interviews": "count"}, scope,
                  *_narrowed(scope))


def interviews_by_profile(scope: Scope) -> list[dict]:
    """Count interviews per profile category and option (option None: not stated)."""
    return summed("interview_profile_daily", {"category": "category", "option_id": "option"},
                  {"interviews": "count"}, scope, *_narrowed(scope))


def interviews_by_theme(scope: Scope) -> list[dict]:
    """Count interviews per theme (an interview may have several)."""
    return summed("interview_theme_daily", {"theme_id": "theme"}, {"interviews": "count"},
                  scope, *_narrowed(scope))


def interviews_by_outcome(scope: Scope) -> list[dict]:
    """Count interviews per outcome (an interview may have several)."""
    return summed("interview_outcome_daily", {"outcome_id": "outcome"},
                  {"interviews": "count"}, scope,
                  *_narrowed(scope))
