"""Opening days: each site's opening weekdays minus French public holidays."""

from __future__ import annotations

from collections.abc import Iterable
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


def open_weekdays(site) -> frozenset[int]:
    """Return the weekdays (Monday is 0) on which the site's opening hours say it opens."""
    hours = site.opening_hours or {}
    # A key with an empty value ([] or null) means the administrator closed that day.
    return frozenset(int(key) for key, value in hours.items() if value)


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def opening_days(site, start: date, end: date) -> list[date]:
    """Return the days from start to end (inclusive) on which the site is open."""
    weekdays = open_weekdays(site)
    return [day for day in _days(start, end)
            if day.weekday() in weekdays and not is_public_holiday(day)]


def opening_days_all(sites, start: date, end: date) -> list[date]:
    """Return the days from start to end on which at least one of the sites is open."""
    weekdays = frozenset().union(*(open_weekdays(site) for site in sites))
    return [day for day in _days(start, end)
            if day.weekday() in weekdays and not is_public_holiday(day)]


def opening_hours_span(sites) -> tuple[int, int] | None:
    """Return the first and last hour (0-23) any of the sites is open, or None if never."""
    first, last = 24, -1
    for site in sites:
        for value in (site.opening_hours or {}).values():
            if not isinstance(value, (list, tuple)) or len(value) < 2:
                continue  # closed that day
            opens, closes = value[0], value[-1]
            open_hour = int(opens.split(":")[0])
            close_hour, close_minute = (int(part) for part in closes.split(":")[:2])
            # Closing at 18:00 means the 18h slot is empty; closing at 18:30 means it is not.
            last_hour = close_hour - 1 if close_minute == 0 else close_hour
            first, last = min(first, open_hour), max(last, last_hour)
    return (first, last) if last >= first else None
