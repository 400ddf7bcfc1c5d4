"""Demo data: the volumes and shapes of DOMAIN.md, opening days only, written idempotently."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import holidays
import pytest
import sqlalchemy as sa

from app.demo import DemoError, generate_year
from app.extensions import db
from app.models import (
    FlowEntry,
    Interview,
    InterviewOutcome,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    Site,
    Theme,
    User,
    interview_themes,
)
from app.timeutil import local_day_and_hour


def scalar(query):
    value = db.session.scalar(query)
    db.session.rollback()
    return value


def arrivals_by(column, site="marseille"):
    rows = db.session.execute(
        sa.select(column, sa.func.sum(FlowEntry.party_size))
        .join(Site, Site.id == FlowEntry.site_id)
        .where(FlowEntry.kind == "arrival", Site.code == site).group_by(column))
    result = {key: visitors for key, visitors in rows}
    db.session.rollback()
    return result


def visitors(site="marseille") -> int:
    return scalar(sa.select(sa.func.sum(FlowEntry.party_size)).join(Site).where(
        FlowEntry.kind == "arrival", Site.code == site)) or 0


def test_demo_generate_writes_a_marseille_year_with_the_domain_volumes(app, runner):
    result = runner.invoke(args=["demo", "generate", "--year", "2025", "--profile", "marseille"])
    assert result.exit_code == 0, result.output
    assert "marseille 2025" in result.output and " s." in result.output
    with app.app_context():
        total = visitors()
        interviews = scalar(sa.select(sa.func.count()).select_from(Interview))
        # DOMAIN.md: about 62,000 visitors and 6,676 interviews a year at the Marseille site.
        assert 60_000 <= total <= 64_000
        assert 6_500 <= interviews <= 6_900
        assert f"{total:,}" in result.output
        pole_arrivals = scalar(sa.select(sa.func.count()).select_from(FlowEntry).where(
            FlowEntry.kind == "arrival", FlowEntry.destination_kind == "pole"))
        reorientations = scalar(sa.select(sa.func.count()).select_from(FlowEntry).where(
            FlowEntry.kind == "reorientation"))
        assert 0.04 <= reorientations / pole_arrivals <= 0.06
        # Demo counsellors exist, one per partner seconding counsellors, and cannot log in.
        demo_users = db.session.scalars(sa.select(User).where(User.username.like("demo-%"))).all()
        seconding = scalar(sa.select(sa.func.count()).select_from(Partner).where(
            Partner.seconds_counsellors))
        assert len(demo_users) == seconding
        assert all(not u.active and u.role == "counsellor" for u in demo_users)
        assert "password" not in result.output.lower()


def test_arrivals_follow_opening_days_and_hours(app, app_ctx):
    generate_year(2025, "marseille", seed=3, scale=0.2)
    days = {day for (day,) in db.session.execute(sa.select(FlowEntry.local_date).distinct())}
    french = holidays.France(years=2025)
    assert days and all(day.weekday() != 6 for day in days)          # closed on Sundays
    assert not days & set(french)                                    # and public holidays
    assert not {d for d in days if d.month == 12 and d.day >= 24}    # and Christmas week
    assert date(2025, 7, 15) in days
    hours = arrivals_by(FlowEntry.local_hour)
    assert set(hours) <= set(range(10, 18))                          # 10:00-18:00
    # Late morning and early afternoon are the peaks.
    assert hours[11] > hours[10] and hours[11] > hours[12]
    assert hours[14] > hours[13] and hours[14] > hours[17]


def test_local_day_and_hour_match_the_instant_across_dst(app_ctx):
    generate_year(2025, "marseille", seed=4, scale=0.2)
    rows = db.session.execute(sa.select(FlowEntry.occurred_at, FlowEntry.local_date,
                                        FlowEntry.local_hour)).all()
    assert rows
    assert all(local_day_and_hour(at) == (day, hour) for at, day, hour in rows)
    # The Monday after clocks go forward still opens at 10:00 Paris, i.e. 08:00 UTC.
    first = min(at for at, day, _ in rows if day == date(2025, 3, 31))
    assert first.hour >= 8


def test_weekday_and_seasonal_shape(app_ctx):
    generate_year(2025, "marseille", seed=5, scale=0.3)
    rows = db.session.execute(sa.select(FlowEntry.local_date, FlowEntry.party_size)
                              .where(FlowEntry.kind == "arrival")).all()
    per_day = Counter()
    for day, size in rows:
        per_day[day] += size
    by_weekday, days_per_weekday = Counter(), Counter()
    by_month = Counter()
    for day, count in per_day.items():
        by_weekday[day.weekday()] += count
        days_per_weekday[day.weekday()] += 1
        by_month[day.month] += count
    mean = {wd: by_weekday[wd] / days_per_weekday[wd] for wd in days_per_weekday}
    assert mean[0] > mean[3] > mean[5]          # Mondays busiest, Saturdays quietest
    assert mean[1] > mean[4]
    assert by_month[8] < by_month[10] / 2       # quiet August, busy autumn
    assert by_month[9] > by_month[6]


def test_destinations_parties_and_profiles_are_plausible(app_ctx):
    generate_year(2025, "marseille", seed=6, scale=0.3)
    kinds = arrivals_by(FlowEntry.destination_kind)
    assert kinds["pole"] > sum(v for k, v in kinds.items() if k != "pole") * 0.8
    assert set(kinds) == {"pole", "documentation", "cyber", "event", "desk", "partner"}
    sizes = Counter(size for (size,) in db.session.execute(
        sa.select(FlowEntry.party_size).where(FlowEntry.kind == "arrival")))
    single_share = sizes[1] / sum(sizes.values())
    assert single_share > 0.9
    groups = db.session.execute(sa.select(FlowEntry.party_size, FlowEntry.destination_kind)
                                .where(FlowEntry.party_size >= 15)).all()
    assert groups and all(15 <= size <= 35 and kind == "event" for size, kind in groups)
    gender = arrivals_by(FlowEntry.gender_id)
    assert gender.get(None, 0) > 0                                  # some "not stated"
    women = scalar(sa.select(ProfileOption.id).where(ProfileOption.category == "gender",
                                                     ProfileOption.code == "femme"))
    men = scalar(sa.select(ProfileOption.id).where(ProfileOption.category == "gender",
                                                   ProfileOption.code == "homme"))
    assert gender[women] > gender[men]


def test_interviews_fit_their_pole_days_and_durations(app_ctx):
    generate_year(2025, "marseille", seed=7, scale=0.3)
    interviews = db.session.execute(sa.select(
        Interview.id, Interview.local_date, Interview.pole_id, Interview.duration_min,
        Interview.channel, Interview.local_hour)).all()
    assert interviews
    assert {day.weekday() for _, day, *_ in interviews} <= {0, 1, 2, 3, 4}   # 5 days out of 7
    assert all(10 <= minutes <= 60 for *_, minutes, _, _ in interviews)
    channels = Counter(channel for *_, channel, _ in interviews)
    assert channels["in_person"] > 0.75 * len(interviews)
    theme_pole = dict(db.session.execute(sa.select(Theme.id, Theme.pole_id)).all())
    pole_of = {iid: pole for iid, _, pole, *_ in interviews}
    links = db.session.execute(sa.select(interview_themes.c.interview_id,
                                         interview_themes.c.theme_id)).all()
    assert links and all(theme_pole[theme] == pole_of[iid] for iid, theme in links)
    # An interview's reorientation outcome points at another pole and reaches the flow.
    reoriented = db.session.execute(
        sa.select(InterviewOutcome.interview_id, InterviewOutcome.target_pole_id)
        .join(Outcome).where(Outcome.code == "reorientation")).all()
    assert reoriented
    flows = {row.interview_id: row for row in db.session.execute(
        sa.select(FlowEntry.interview_id, FlowEntry.from_pole_id, FlowEntry.destination_pole_id)
        .where(FlowEntry.interview_id.is_not(None)))}
    for interview_id, target in reoriented:
        assert target != pole_of[interview_id]
        assert (flows[interview_id].from_pole_id, flows[interview_id].destination_pole_id) == (
            pole_of[interview_id], target)


def test_a_year_with_data_is_refused_unless_replaced(app, app_ctx, runner):
    first = generate_year(2025, "marseille", seed=11, scale=0.05)
    result = runner.invoke(args=["demo", "generate", "--year", "2025"])
    assert result.exit_code == 1
    assert "already holds" in result.output and "--replace" in result.output
    assert visitors() == first.visitors
    again = generate_year(2025, "marseille", seed=11, scale=0.05, replace=True)
    assert again.replaced > 0
    assert visitors() == first.visitors == again.visitors           # replaced, not doubled
    other = generate_year(2025, "marseille", seed=12, scale=0.05, replace=True)
    assert visitors() == other.visitors != first.visitors
    # Another year is free.
    generate_year(2024, "marseille", seed=11, scale=0.05)
    assert scalar(sa.select(sa.func.count(sa.distinct(sa.extract("year", FlowEntry.local_date))))) == 2


def test_villette_profile_receives_a_thousand_visitors_a_day(app_ctx):
    summary = generate_year(2025, "villette", seed=1, scale=0.1)
    per_day = summary.visitors / summary.opening_days
    assert 100 <= per_day <= 120                                    # 1,000-1,200 at scale 1


def test_an_associated_centre_gets_its_own_hours_and_interview_days(app_ctx):
    summary = generate_year(2025, "marseille", site_code="gap", seed=2)
    assert 4_000 <= summary.visitors <= 5_500
    hours = arrivals_by(FlowEntry.local_hour, site="gap")
    assert set(hours) <= set(range(9, 17))
    days = {day.weekday() for (day,) in db.session.execute(
        sa.select(Interview.local_date).join(Site).where(Site.code == "gap"))}
    assert days == {1, 3}                                           # Tuesdays and Thursdays
    assert visitors("marseille") == 0


def test_bad_arguments_are_refused_with_a_message(app, app_ctx, runner):
    with pytest.raises(DemoError, match="unknown site"):
        generate_year(2025, site_code="nowhere")
    result = runner.invoke(args=["demo", "generate", "--profile", "lyon"])
    assert result.exit_code == 2 and "--profile" in result.output
    result = runner.invoke(args=["demo", "generate", "--year", "1850"])
    assert result.exit_code == 2 and "--year" in result.output
    assert scalar(sa.select(sa.func.count()).select_from(FlowEntry)) == 0
    assert scalar(sa.select(sa.func.count()).select_from(Pole)) == 4


def test_the_current_year_stops_at_now(app_ctx):
    """At 05:36 on a working day the floor board must not show the afternoon's arrivals."""
    from datetime import datetime, timezone

    from app.timeutil import to_local

    now = datetime(2025, 3, 12, 13, 10, tzinfo=timezone.utc)        # a Wednesday, 14:10 Paris
    summary = generate_year(2025, "marseille", seed=8, scale=0.3, now=now)

    last_arrival = scalar(sa.select(sa.func.max(FlowEntry.occurred_at)))
    last_interview_end = max(
        started + timedelta(minutes=minutes) for started, minutes in db.session.execute(
            sa.select(Interview.started_at, Interview.duration_min)))
    last_received = scalar(sa.select(sa.func.max(FlowEntry.received_at)))
    days = scalar(sa.select(sa.func.count(sa.distinct(FlowEntry.local_date))))
    assert last_arrival <= now and last_interview_end <= now and last_received <= now
    assert to_local(last_arrival).date() == date(2025, 3, 12)       # today is written up to now
    assert to_local(last_arrival).hour in (13, 14)
    assert summary.opening_days == days                             # only days begun so far
    assert 55 <= days <= 62                                         # Jan 1st to Mar 12th
    # The days written keep a whole year's shape: about 62,000 * 0.3 / 300 a day.
    assert 40 <= summary.visitors / days <= 90


def test_a_year_that_has_not_begun_is_refused(app_ctx):
    from datetime import datetime, timezone

    with pytest.raises(DemoError, match="not begun"):
        generate_year(2026, "marseille", now=datetime(2025, 6, 1, tzinfo=timezone.utc))
