"""Opening days: each site's opening weekdays, minus French public holidays."""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Site
from app.stats.calendar import opening_days, opening_days_all, opening_hours_span


def site(code: str) -> Site:
    return db.session.scalar(sa.select(Site).where(Site.code == code))


def test_marseille_opens_302_days_in_2025(app_ctx):
    # 313 days from Monday to Saturday, minus 11 public holidays that all fall on open days.
    days = opening_days(site("marseille"), date(2025, 1, 1), date(2025, 12, 31))
    assert len(days) == 302
    assert all(day.weekday() != 6 for day in days)


def test_public_holidays_on_open_days_are_closed(app_ctx):
    days = set(opening_days(site("marseille"), date(2025, 1, 1), date(2025, 12, 31)))
    for holiday in (date(2025, 1, 1), date(2025, 4, 21), date(2025, 5, 1), date(2025, 5, 8),
                    date(2025, 5, 29), date(2025, 6, 9), date(2025, 7, 14), date(2025, 8, 15),
                    date(2025, 11, 1), date(2025, 11, 11), date(2025, 12, 25)):
        assert holiday not in days, holiday
    # The days around them are ordinary open days.
    assert {date(2025, 7, 12), date(2025, 7, 15), date(2025, 10, 31), date(2025, 12, 26)} <= days


def test_a_week_with_a_holiday(app_ctx):
    days = opening_days(site("marseille"), date(2025, 7, 14), date(2025, 7, 20))
    assert days == [date(2025, 7, 15), date(2025, 7, 16), date(2025, 7, 17), date(2025, 7, 18),
                    date(2025, 7, 19)]


def test_an_associated_centre_closed_on_saturdays(app_ctx):
    # Gap opens Monday to Friday: 1 November 2025 is a Saturday, so it changes nothing there.
    days = opening_days(site("gap"), date(2025, 10, 27), date(2025, 11, 2))
    assert days == [date(2025, 10, 27), date(2025, 10, 28), date(2025, 10, 29),
                    date(2025, 10, 30), date(2025, 10, 31)]


def test_a_day_closed_by_the_administrator(app_ctx):
    marseille = site("marseille")
    marseille.opening_hours = {**marseille.opening_hours, "2": []}  # closed on Wednesdays
    days = opening_days(marseille, date(2025, 6, 2), date(2025, 6, 8))
    assert [day.weekday() for day in days] == [0, 1, 3, 4, 5]


def test_all_sites_count_a_day_once_when_any_site_opens(app_ctx):
    sites = [site("marseille"), site("gap")]
    # Saturday 7 June: only Marseille opens; it still counts once for the network.
    days = opening_days_all(sites, date(2025, 6, 2), date(2025, 6, 8))
    assert days == [date(2025, 6, d) for d in (2, 3, 4, 5, 6, 7)]
    assert len(opening_days_all(sites, date(2025, 1, 1), date(2025, 12, 31))) == 302


def test_an_empty_range_has_no_opening_day(app_ctx):
    assert opening_days(site("marseille"), date(2025, 6, 3), date(2025, 6, 2)) == []


def test_opening_hours_span_covers_the_earliest_and_latest_hour(app_ctx):
    assert opening_hours_span([site("marseille")]) == (10, 17)
    assert opening_hours_span([site("marseille"), site("gap")]) == (9, 17)
    late = site("gap")
    late.opening_hours = {"0": ["09:00", "18:30"]}
    assert opening_hours_span([late]) == (9, 18)
    late.opening_hours = {}
    assert opening_hours_span([late]) is None
