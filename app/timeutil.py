"""The one place where instants become Paris days and hours, and back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """Return the current instant, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def parse_instant(value: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries its offset; raise ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("no UTC offset")
    return parsed.astimezone(timezone.utc)


def to_local(instant: datetime) -> datetime:
    """Return the instant in Paris local time."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(PARIS)


def local_day_and_hour(instant: datetime) -> tuple[date, int]:
    """Return the Paris calendar day and hour (0-23) an instant falls in."""
    local = to_local(instant)
    return local.date(), local.hour


def local_today() -> date:
    """Return today's date in Paris."""
    return to_local(utcnow()).date()


def day_start_utc(day: date) -> datetime:
    """Return the UTC instant at which a Paris day starts (DST-aware)."""
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(timezone.utc)


def day_bounds_utc(first: date, last: date) -> tuple[datetime, datetime]:
    """Return [start, end) in UTC covering the Paris days first..last inclusive."""
    return day_start_utc(first), day_start_utc(last + timedelta(days=1))


def one_year_earlier(day: date) -> date:
    """Return the same calendar day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@lru_cache(maxsize=4)
def offset_table(today: date, days: int = 400) -> dict:
    """Return Paris's UTC offsets from the day before ``today`` for ``days`` days, for the browser.

    ``{"zone", "offsets": [[from_ms, minutes], ...], "until": ms}``: each offset holds from
    its instant (milliseconds since the epoch) to the next one's, the last until ``until``.
    The pages' clock (static/js/clock.js) reads the day and time of an instant from it
    instead of building an Intl formatter, whose time-zone data cost a slow tablet 180 ms.
    """
    start = day_start_utc(today - timedelta(days=1))
    end = day_start_utc(today + timedelta(days=days))

    def minutes(instant: datetime) -> int:
        return int(instant.astimezone(PARIS).utcoffset().total_seconds() // 60)

    def millis(instant: datetime) -> int:
        return int(instant.timestamp() * 1000)

    offsets = [[millis(start), minutes(start)]]
    step = timedelta(hours=6)
    probe = start
    while probe < end:
        following = min(probe + step, end)
        if minutes(following) != minutes(probe):
            low, high = probe, following  # the change lies in (low, high]: to the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    middle = low + timedelta(minutes=1)
                if minutes(middle) == minutes(low):
                    low = middle
                else:
                    high = middle
            offsets.append([millis(high), minutes(high)])
        probe = following
    return {"zone": PARIS.key, "offsets": offsets, "until": millis(end)}
