"""Reporting periods: ISO weeks, months, years and days, as Paris calendar dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """A reporting period: its key in job_runs and its first and last Paris days."""

    key: str
    start: date
    end: date


def week_period(year: int, week: int) -> Period:
    """Return ISO week `week` of ISO year `year` (Monday to Sunday)."""
    monday = date.fromisocalendar(year, week, 1)
    return Period(f"{year}-W{week:02d}", monday, monday + timedelta(days=6))


def week_of(day: date) -> Period:
    """Return the ISO week holding day."""
    year, week, _ = day.isocalendar()
    return week_period(year, week)


def parse_week(text: str) -> Period:
    """Parse '2025-W10'; raise ValueError otherwise."""
    try:
        year_text, week_text = text.strip().upper().split("-W")
        return week_period(int(year_text), int(week_text))
    except (ValueError, TypeError):
        raise ValueError(f"not an ISO week like 2025-W10: {text!r}") from None


def same_week_last_year(period: Period) -> Period:
    """Return the week with the same ISO number a year earlier (week 52 stands in for 53)."""
    year, week, _ = period.start.isocalendar()
    try:
        return week_period(year - 1, week)
    except ValueError:
        return week_period(year - 1, 52)


def month_period(year: int, month: int) -> Period:
    """Return calendar month `month` of `year`."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(f"{year}-{month:02d}", first, following - timedelta(days=1))


def parse_month(text: str) -> Period:
    """Parse '2025-03'; raise ValueError otherwise."""
    try:
        year_text, month_text = text.strip().split("-")
        return month_period(int(year_text), int(month_text))
    except (ValueError, TypeError):
        raise ValueError(f"not a month like 2025-03: {text!r}") from None


def shift_month(period: Period, months: int) -> Period:
    """Return the month `months` away from period (negative: earlier)."""
    index = period.start.year * 12 + period.start.month - 1 + months
    return month_period(index // 12, index % 12 + 1)


def year_period(year: int) -> Period:
    """Return calendar year `year`."""
    return Period(str(year), date(year, 1, 1), date(year, 12, 31))


def day_period(day: date) -> Period:
    """Return one Paris day."""
    return Period(day.isoformat(), day, day)


# What a firing reports on, from the Paris day it fires.

def week_before(fired_on: date) -> Period:
    """Return the ISO week that ended before fired_on (the Monday summary's week)."""
    return week_of(fired_on - timedelta(days=7))


def month_before(fired_on: date) -> Period:
    """Return the month before fired_on's (the report of the 1st)."""
    return shift_month(month_period(fired_on.year, fired_on.month), -1)


def year_before(fired_on: date) -> Period:
    """Return the year before fired_on's (the annual report of 2 January)."""
    return year_period(fired_on.year - 1)
