"""Opening days: each site's opening weekdays, minus French public holidays and the site's
own closures (issue 10: Christmas week, works...).

A site is anything with ``opening_hours`` (weekday key -> list of ranges) and, optionally,
``closures`` (rows with start_date and end_date) and ``interview_days``: the Site model, or
the plain SiteCalendar the reports build from rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> frozenset[date]:
    """Return France's national public holidays of one year."""
    return frozenset(holidays.country_holidays("FR", years=year))


def is_public_holiday(day: date) -> bool:
    """Tell whether day is a French public holiday."""
    return day in _public_holidays(day.year)


@dataclass(frozen=True)
class SiteCalendar:
    """The bits of a site the calendar reads, as plain values (safe to share, to cache)."""

    opening_hours: dict
    closures: tuple = ()
    interview_days: tuple = ()


@dataclass(frozen=True)
class Closure:
    """A closure as the calendar reads it."""

    start_date: date
    end_date: date
    reason: str = ""


def day_ranges(value) -> list[tuple[str, str]]:
    """Return a day's opening ranges, [("10:00", "12:30"), ...], from its stored value.

    Reads both the list of ranges and the single ["10:00", "18:00"] stored before issue 10.
    """
    if not value:
        return []
    if isinstance(value[0], str):
        return [(value[0], value[-1])] if len(value) >= 2 else []
    return [(str(pair[0]), str(pair[1])) for pair in value if len(pair) == 2]


def open_weekdays(site) -> frozenset[int]:
    """Return the weekdays (Monday is 0) on which the site's opening hours say it opens."""
    hours = site.opening_hours or {}
    # A key with an empty value ([] or null) means the administrator closed that day.
    return frozenset(int(key) for key, value in hours.items() if day_ranges(value))


def closed_by_site(site, day: date) -> bool:
    """Tell whether one of the site's own closures covers day."""
    return any(c.start_date <= day <= c.end_date for c in getattr(site, "closures", ()) or ())


def is_opening_day(site, day: date) -> bool:
    """Tell whether the site opens on day: an open weekday, no holiday, no closure."""
    return (day.weekday() in open_weekdays(site) and not is_public_holiday(day)
            and not closed_by_site(site, day))


def counselling_days(site, start: date, end: date) -> list[date]:
    """Return the opening days from start to end on which counsellors hold interviews."""
    weekdays = {int(day) for day in (getattr(site, "interview_days", None) or ())}
    return [day for day in opening_days(site, start, end) if day.weekday() in weekdays]


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def opening_days(site, start: date, end: date) -> list[date]:
    """Return the days from start to end (inclusive) on which the site is open."""
    weekdays = open_weekdays(site)
    closures = [(c.start_date, c.end_date) for c in getattr(site, "closures", ()) or ()
                if c.end_date >= start and c.start_date <= end]
    return [day for day in _days(start, end)
            if day.weekday() in weekdays and not is_public_holiday(day)
            and not any(first <= day <= last for first, last in closures)]


def opening_days_all(sites, start: date, end: date) -> list[date]:
    """Return the days from start to end on which at least one of the sites is open."""
    days: set[date] = set()
    for site in sites:
        days.update(opening_days(site, start, end))
    return sorted(days)


def opening_hours_span(sites) -> tuple[int, int] | None:
    """Return the first and last hour (0-23) any of the sites is open, or None if never."""
    first, last = 24, -1
    for site in sites:
        for value in (site.opening_hours or {}).values():
            ranges = day_ranges(value)
            if not ranges:
                continue  # closed that day
            opens, closes = min(start for start, _end in ranges), max(end for _s, end in ranges)
            open_hour = int(opens.split(":")[0])
            close_hour, close_minute = (int(part) for part in closes.split(":")[:2])
            # Closing at 18:00 means the 18h slot is empty; closing at 18:30 means it is not.
            last_hour = close_hour - 1 if close_minute == 0 else close_hour
            first, last = min(first, open_hour), max(last, last_hour)
    return (first, last) if last >= first else None
