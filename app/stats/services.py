"""Statistics: the live floor board and the director's dashboard, aggregated in SQL.

Every figure is counted by the Paris day and hour stored on the rows, without deleted
rows, and grouped by ids; labels are looked up afterwards, so renaming a reference row
never splits a series. Python only rolls up the few aggregated rows the queries return.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    CHANNELS,
    PROFILE_CATEGORIES,
    EventType,
    FlowEntry,
    Interview,
    InterviewOutcome,
    Outcome,
    Partner,
    Pole,
    ProfileOption,
    Site,
    Theme,
    interview_themes,
)
from app.stats.calendar import opening_days, opening_days_all, opening_hours_span
from app.stats.labels import DURATION_BINS, FIXED_DESTINATIONS, UNSTATED, fixed_labels
from app.timeutil import day_start_utc, local_day_and_hour, one_year_earlier, to_local, utcnow

FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_SPAN_DAYS = 10 * 366  # a decade of a large centre already takes seconds


class InvalidFilter(ValueError):
    """A filter is invalid; field names it and reason says why, in the user's language."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} : {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class DashboardFilters:
    """What the director asked for: a date range, optionally one site and one pole."""

    start: date
    end: date
    site_code: str | None = None
    pole_code: str | None = None


@dataclass(frozen=True)
class Ref:
    """A reference row reduced to what the statistics show."""

    id: int
    code: str
    label: str
    position: int
    active: bool


@contextlib.contextmanager
def _locale():
    """Speak the app's default language when called outside a request (CLI, benchmark)."""
    if has_request_context():
        yield
    else:
        with force_locale("fr"):
            yield


def _refs(model) -> dict[int, Ref]:
    rows = db.session.execute(
        sa.select(model.id, model.code, model.label, model.position, model.active)).all()
    return {row.id: Ref(*row) for row in rows}


def _profile_refs() -> dict[str, dict[int, Ref]]:
    by_category: dict[str, dict[int, Ref]] = {category: {} for category in PROFILE_CATEGORIES}
    rows = db.session.execute(sa.select(
        ProfileOption.id, ProfileOption.code, ProfileOption.label, ProfileOption.position,
        ProfileOption.active, ProfileOption.category))
    for row in rows:
        by_category.setdefault(row.category, {})[row.id] = Ref(*row[:5])
    return by_category


def _breakdown(counts: dict, refs: dict[int, Ref], labels: dict[str, str], **extra) -> list[dict]:
    """List active rows (zeros included), inactive rows that have data, then the unstated."""
    rows = []
    for ref in sorted(refs.values(), key=lambda r: (r.position, r.id)):
        value = counts.get(ref.id, 0)
        if ref.active or value or any(table.get(ref.id) for table in extra.values()):
            rows.append({"code": ref.code, "label": ref.label, "value": value,
                         **{key: table.get(ref.id, 0) for key, table in extra.items()}})
    if counts.get(None) or any(table.get(None) for table in extra.values()):
        rows.append({"code": UNSTATED, "label": labels[UNSTATED], "value": counts.get(None, 0),
                     **{key: table.get(None, 0) for key, table in extra.items()}})
    return rows


def _fixed(codes, counts: dict, labels: dict[str, str]) -> list[dict]:
    return [{"code": code, "label": labels[code], "value": counts.get(code, 0)} for code in codes]


def _destination_code(kind: str, pole_id: int | None, poles: dict[int, Ref]) -> str:
    return poles[pole_id].code if kind == "pole" and pole_id in poles else kind


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or not previous:
        return None
    return round((current - previous) * 100 / previous, 1)


def _per_day(value: int, days: int) -> float | None:
    return round(value / days, 1) if days else None


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# ---------------------------------------------------------------- live floor board


def site_by_code(code: str) -> Site | None:
    """Return the site with that code, or None."""
    return db.session.scalar(sa.select(Site).where(Site.code == code))


def active_sites() -> list[Site]:
    """Return the active sites in their usual order."""
    return list(db.session.scalars(sa.select(Site).where(Site.active).order_by(Site.position)))


def all_sites() -> list[Site]:
    """Return every site, active ones first, in their usual order (history keeps the rest)."""
    return list(db.session.scalars(
        sa.select(Site).order_by(Site.active.desc(), Site.position, Site.id)))


def all_poles() -> list[Pole]:
    """Return every pole, active ones first, in their usual order."""
    return list(db.session.scalars(
        sa.select(Pole).order_by(Pole.active.desc(), Pole.position, Pole.id)))


def floor_data(site: Site, day: date | None = None, now: datetime | None = None) -> dict:
    """Return one site's day so far beside the same weekday a week earlier.

    On the current day the week-earlier figures stop at the same time of day, so 11:00
    today is compared with 11:00 last week; the hourly series shows last week whole.
    """
    with _locale():
        return _floor_data(site, day, now or utcnow())


def _floor_data(site: Site, day: date | None, now: datetime) -> dict:
    today = local_day_and_hour(now)[0]
    day = day or today
    before = day - timedelta(days=7)
    live = day == today
    # Time elapsed since local midnight, carried over to last week's day (an hour off only
    # when one of the two days is a clock-change Sunday); a past day is compared with the
    # whole of its week-earlier twin.
    cutoff = (day_start_utc(before) + (now - day_start_utc(day)) if live
              else day_start_utc(before + timedelta(days=1)))
    labels = fixed_labels()
    poles = _refs(Pole)

    flow_so_far = sa.or_(FlowEntry.local_date == day, FlowEntry.occurred_at < cutoff)
    flow_rows = db.session.execute(
        sa.select(FlowEntry.local_date, FlowEntry.local_hour, FlowEntry.kind,
                  FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                  flow_so_far.label("so_far"), sa.func.sum(FlowEntry.party_size))
        .where(FlowEntry.site_id == site.id, FlowEntry.local_date.in_([day, before]),
               FlowEntry.deleted_at.is_(None))
        .group_by(FlowEntry.local_date, FlowEntry.local_hour, FlowEntry.kind,
                  FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                  sa.literal_column("so_far"))
    ).all()
    interview_so_far = sa.or_(Interview.local_date == day, Interview.started_at < cutoff)
    interview_rows = db.session.execute(
        sa.select(Interview.local_date, Interview.pole_id, interview_so_far.label("so_far"),
                  sa.func.count())
        .where(Interview.site_id == site.id, Interview.local_date.in_([day, before]),
               Interview.deleted_at.is_(None))
        .group_by(Interview.local_date, Interview.pole_id, sa.literal_column("so_far"))
    ).all()

    def zero():
        return {"today": 0, "last_week": 0}

    # "last_week" is last week up to the same time; "last_week_day" is its whole day.
    totals = {name: {"today": 0, "last_week": 0, "last_week_day": 0}
              for name in ("visitors", "reorientations", "interviews")}
    hours: dict[int, dict] = defaultdict(zero)
    destinations: dict[str, dict] = defaultdict(zero)
    by_pole: dict[int, dict] = defaultdict(zero)

    def columns(row_date: date, so_far) -> tuple[str, ...]:
        if row_date == day:
            return ("today",)
        return ("last_week", "last_week_day") if so_far else ("last_week_day",)

    for row_date, hour, kind, destination, pole_id, so_far, persons in flow_rows:
        hit = columns(row_date, so_far)
        total = totals["visitors" if kind == "arrival" else "reorientations"]
        for column in hit:
            total[column] += persons
        if kind != "arrival":
            continue
        hours[hour]["today" if row_date == day else "last_week"] += persons
        code = _destination_code(destination, pole_id, poles)
        for column in hit:
            if column in ("today", "last_week"):
                destinations[code][column] += persons
    for row_date, pole_id, so_far, count in interview_rows:
        for column in columns(row_date, so_far):
            totals["interviews"][column] += count
            if column in ("today", "last_week"):
                by_pole[pole_id][column] += count

    span = opening_hours_span([site])
    hour_range = set(range(span[0], span[1] + 1)) if span else set()
    shown_poles = [ref for ref in _ordered(poles)
                   if ref.active or ref.code in destinations or ref.id in by_pole]
    return {
        "site": {"code": site.code, "label": site.label},
        "date": day.isoformat(),
        "date_label": format_date(day, "full"),
        "day_label": _("Aujourd'hui") if live else format_date(day, "EEEE d MMMM"),
        "compare_date": before.isoformat(),
        "compare_label": format_date(before, "EEEE d MMMM"),
        "live": live,
        "updated_at": to_local(now).strftime("%H:%M"),
        "totals": totals,
        "hours": [{"hour": hour, "label": _("%(hour)dh", hour=hour), **hours[hour]}
                  for hour in sorted(hour_range | set(hours))],
        "destinations": (
            [{"code": ref.code, "label": ref.label, **destinations[ref.code]}
             for ref in shown_poles]
            + [{"code": code, "label": labels[code], **destinations[code]}
               for code in FIXED_DESTINATIONS]),
        "interviews_by_pole": [{"code": ref.code, "label": ref.label, **by_pole[ref.id]}
                               for ref in shown_poles],
    }


def _ordered(refs: dict[int, Ref]) -> list[Ref]:
    return sorted(refs.values(), key=lambda ref: (ref.position, ref.id))


# ---------------------------------------------------------------- the director's dashboard


@dataclass
class _Scope:
    """Validated filters: the rows they name and the matching period a year earlier."""

    filters: DashboardFilters
    site: Site | None
    sites: list[Site]
    pole: Pole | None
    previous: tuple[date, date]

    @property
    def current(self) -> tuple[date, date]:
        return self.filters.start, self.filters.end

    def flow_where(self, period: tuple[date, date]) -> list:
        """Return the WHERE clauses on flow entries for the period, site and pole."""
        clauses = [FlowEntry.deleted_at.is_(None), FlowEntry.local_date.between(*period)]
        if self.site is not None:
            clauses.append(FlowEntry.site_id == self.site.id)
        if self.pole is not None:
            # Arrivals sent to the pole, and reorientations into or out of it.
            clauses.append(sa.or_(FlowEntry.destination_pole_id == self.pole.id,
                                  FlowEntry.from_pole_id == self.pole.id))
        return clauses

    def interview_where(self, period: tuple[date, date]) -> list:
        """Return the WHERE clauses on interviews for the period, site and pole."""
        clauses = [Interview.deleted_at.is_(None), Interview.local_date.between(*period)]
        if self.site is not None:
            clauses.append(Interview.site_id == self.site.id)
        if self.pole is not None:
            clauses.append(Interview.pole_id == self.pole.id)
        return clauses


def check_filters(filters: DashboardFilters) -> _Scope:
    """Check the filters against the calendar and the reference lists; raise InvalidFilter."""
    for field, value in (("start", filters.start), ("end", filters.end)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidFilter(field, _("date attendue (AAAA-MM-JJ)"))
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise InvalidFilter(field, _("année entre %(first)d et %(last)d attendue",
                                         first=FIRST_YEAR, last=LAST_YEAR))
    if filters.end < filters.start:
        raise InvalidFilter("end", _("la date de fin précède la date de début"))
    if (filters.end - filters.start).days > MAX_SPAN_DAYS:
        raise InvalidFilter("end", _("période de 10 ans au plus"))
    site = None
    if filters.site_code:
        site = site_by_code(filters.site_code)
        if site is None:
            raise InvalidFilter("site", _("site inconnu « %(code)s »", code=filters.site_code))
    pole = None
    if filters.pole_code:
        pole = db.session.scalar(sa.select(Pole).where(Pole.code == filters.pole_code))
        if pole is None:
            raise InvalidFilter("pole", _("pôle inconnu « %(code)s »", code=filters.pole_code))
    sites = [site] if site is not None else list(
        db.session.scalars(sa.select(Site).order_by(Site.position, Site.id)))
    previous = (one_year_earlier(filters.start), one_year_earlier(filters.end))
    return _Scope(filters, site, sites, pole, previous)


def dashboard_data(filters: DashboardFilters) -> dict:
    """Return every figure of the dashboard as JSON-ready data; raise InvalidFilter."""
    with _locale():
        return _Dashboard(check_filters(filters)).build()


class _Pivot:
    """Named aggregates computed side by side in one pass over the rows, read back by name.

    SQLite aggregates by sorting, and sorting a year of arrivals costs more than a dozen
    conditional sums (SUM ... FILTER) in the same pass; PostgreSQL evaluates both alike.
    """

    def __init__(self):
        self.names: list = []
        self.columns: list = []

    def add(self, name, aggregate) -> None:
        self.names.append(name)
        self.columns.append(aggregate)

    def read(self, values) -> dict:
        """Map a result row's values (after the grouping columns) to their names."""
        return {name: value or 0 for name, value in zip(self.names, values)}


def _persons(*conditions):
    """Sum the party sizes of the flow entries meeting every condition."""
    total = sa.func.sum(FlowEntry.party_size)
    return total.filter(sa.and_(*conditions)) if conditions else total


def _count(*conditions):
    """Count the rows meeting every condition."""
    total = sa.func.count()
    return total.filter(sa.and_(*conditions)) if conditions else total


def _fetch_side_by_side(lanes: list[list]) -> list[list]:
    """Run each lane's statements in order on a connection of its own, the lanes at once.

    The dashboard's two halves (arrivals; everything else) are independent: on two cores
    they take the time of the longer one. Reading in two transactions is harmless for
    statistics, and SQLite in WAL mode lets readers run together.
    """
    engine = db.engine

    def run(statements):
        with engine.connect() as connection:
            return [connection.execute(statement).all() for statement in statements]

    if engine.url.database in (None, "", ":memory:"):
        return [run(lane) for lane in lanes]  # each connection would see its own database
    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        return list(pool.map(run, lanes))


class _Dashboard:
    """Build the few aggregate queries, run them, then roll their rows up into the parts."""

    def __init__(self, scope: _Scope):
        self.scope = scope
        self.start, self.end = scope.current
        self.labels = fixed_labels()
        self.poles = _refs(Pole)
        self.pole_short = dict(db.session.execute(sa.select(Pole.id, Pole.short_label)).all())
        self.partners = _refs(Partner)
        self.options = _profile_refs()
        span = opening_hours_span(scope.sites)
        self.hours = list(range(span[0], span[1] + 1)) if span else []

    def build(self) -> dict:
        scope = self.scope
        arrivals_pivot, arrivals_query = self._arrivals_query()
        interviews_pivot, interviews_query = self._interviews_query()
        where = scope.interview_where(scope.current)
        (arrival_rows, interview_rows), (rare_rows, previous_rows, theme_rows, outcome_rows,
                                         previous_interview_rows) = _fetch_side_by_side([
            [arrivals_query, interviews_query],
            [self._rare_flows_query(), self._previous_flows_query(),
             sa.select(interview_themes.c.theme_id, sa.func.count())
             .join(Interview, Interview.id == interview_themes.c.interview_id)
             .where(*where).group_by(interview_themes.c.theme_id),
             sa.select(InterviewOutcome.outcome_id, sa.func.count())
             .join(Interview, Interview.id == InterviewOutcome.interview_id)
             .where(*where).group_by(InterviewOutcome.outcome_id),
             sa.select(sa.func.count()).select_from(Interview)
             .where(*scope.interview_where(scope.previous))],
        ])
        arrivals = self._sum_per_day(arrivals_pivot, arrival_rows)
        interviews = self._sum_per_day(interviews_pivot, interview_rows)
        sums, interview_sums = arrivals["sums"], interviews["sums"]
        flows = self._rare_flows(rare_rows)
        previous = {day: (visitors or 0, reoriented or 0)
                    for day, visitors, reoriented in previous_rows}
        open_sites = [site for site in scope.sites if site.active or scope.site is not None]
        totals = {
            "visitors": sums["total"],
            "arrival_entries": sums["entries"],
            "reorientations": flows["reorientations"]["total"],
            "interviews": interview_sums["total"],
            "opening_days": len(opening_days_all(open_sites, *scope.current)),
        }
        previous_totals = {
            "visitors": sum(visitors for visitors, _reoriented in previous.values()),
            "reorientations": sum(reoriented for _visitors, reoriented in previous.values()),
            "interviews": previous_interview_rows[0][0],
            "opening_days": len(opening_days_all(open_sites, *scope.previous)),
        }
        return {
            "filters": {
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "start_label": format_date(self.start, "long"),
                "end_label": format_date(self.end, "long"),
                "site": scope.site.code if scope.site else None,
                "site_label": scope.site.label if scope.site else _("Tous les sites"),
                "pole": scope.pole.code if scope.pole else None,
                "pole_label": scope.pole.label if scope.pole else _("Tous les pôles"),
            },
            "totals": totals,
            "attendance": self._attendance(arrivals["by_day"], interviews["by_day"]),
            "heatmap": self._heatmap(self._cells(arrivals_pivot, arrival_rows, sums)),
            "destinations": self._destinations(sums),
            **flows,
            "interviews": self._interviews(interview_sums, dict(theme_rows), dict(outcome_rows)),
            "profile": self._profile(sums, interview_sums),
            "per_opening_day": self._per_opening_day(totals, sums, interview_sums),
            "year_on_year": self._year_on_year(totals, previous_totals, arrivals["by_day"],
                                               {day: v for day, (v, _r) in previous.items()}),
        }

    # -- the queries

    def _arrivals_query(self) -> tuple[_Pivot, sa.Select]:
        """Sum the period's arrivals per day in one pass, with every breakdown as a column."""
        scope = self.scope
        pivot = _Pivot()
        pivot.add("entries", sa.func.count())
        pivot.add("total", _persons())
        for hour in self.hours:
            pivot.add(("hour", hour), _persons(FlowEntry.local_hour == hour))
        pivot.add(("hour", "other"), _persons(self._outside_hours()))
        for kind in FIXED_DESTINATIONS:
            pivot.add(("destination", kind), _persons(FlowEntry.destination_kind == kind))
        for pole_id in self.poles:
            pivot.add(("pole", pole_id), _persons(FlowEntry.destination_pole_id == pole_id))
        if scope.site is None:
            for site in scope.sites:
                pivot.add(("site", site.id), _persons(FlowEntry.site_id == site.id))
        self._add_profile(pivot, FlowEntry, FlowEntry.destination_pole_id, _persons)
        return pivot, (sa.select(FlowEntry.local_date, *pivot.columns)
                       .where(FlowEntry.kind == "arrival", *scope.flow_where(scope.current))
                       .group_by(FlowEntry.local_date))

    def _interviews_query(self) -> tuple[_Pivot, sa.Select]:
        """Count the period's interviews per day, with every breakdown as a column."""
        scope = self.scope
        pivot = _Pivot()
        pivot.add("total", _count())
        pivot.add("minutes", sa.func.sum(Interview.duration_min))
        for pole_id in self.poles:
            pivot.add(("pole", pole_id), _count(Interview.pole_id == pole_id))
        for partner_id in self.partners:
            pivot.add(("partner", partner_id), _count(Interview.partner_id == partner_id))
        for channel in CHANNELS:
            pivot.add(("channel", channel), _count(Interview.channel == channel))
        lower = 0
        for code, upper in DURATION_BINS:
            within = [Interview.duration_min > lower]
            if upper is not None:
                within.append(Interview.duration_min <= upper)
            pivot.add(("duration", code), _count(*within))
            lower = upper
        if scope.site is None:
            for site in scope.sites:
                pivot.add(("site", site.id), _count(Interview.site_id == site.id))
        self._add_profile(pivot, Interview, Interview.pole_id, _count)
        return pivot, (sa.select(Interview.local_date, *pivot.columns)
                       .where(*scope.interview_where(scope.current))
                       .group_by(Interview.local_date))

    def _outside_hours(self):
        """Return the condition on arrivals logged outside the opening hours' span."""
        if not self.hours:
            return sa.true()
        return sa.or_(FlowEntry.local_hour < self.hours[0], FlowEntry.local_hour > self.hours[-1])

    def _add_profile(self, pivot: _Pivot, model, pole_column, measure) -> None:
        """Add the profile columns: each option of each category, and gender per pole."""
        for category in PROFILE_CATEGORIES:
            column = getattr(model, f"{category}_id")
            for option_id in self.options[category]:
                pivot.add((category, option_id), measure(column == option_id))
        for gender_id in self.options["gender"]:
            for pole_id in self.poles:
                pivot.add(("gender_pole", gender_id, pole_id),
                          measure(pole_column == pole_id, model.gender_id == gender_id))

    def _rare_flows_query(self) -> sa.Select:
        """Group reorientations, and arrivals sent to a partner or an event, by their ids."""
        at_reception = FlowEntry.interview_id.is_(None).label("at_reception")
        return (
            sa.select(FlowEntry.kind, FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                      FlowEntry.destination_partner_id, FlowEntry.event_type_id,
                      FlowEntry.from_pole_id, at_reception, _persons())
            .where(sa.or_(FlowEntry.kind == "reorientation",
                          FlowEntry.destination_kind.in_(("partner", "event"))),
                   *self.scope.flow_where(self.scope.current))
            .group_by(FlowEntry.kind, FlowEntry.destination_kind, FlowEntry.destination_pole_id,
                      FlowEntry.destination_partner_id, FlowEntry.event_type_id,
                      FlowEntry.from_pole_id, sa.literal_column("at_reception")))

    def _previous_flows_query(self) -> sa.Select:
        """Sum visitors and reorientations per day over the same period a year earlier."""
        return (sa.select(FlowEntry.local_date, _persons(FlowEntry.kind == "arrival"),
                          _persons(FlowEntry.kind == "reorientation"))
                .where(*self.scope.flow_where(self.scope.previous))
                .group_by(FlowEntry.local_date))

    # -- the roll-ups

    @staticmethod
    def _sum_per_day(pivot: _Pivot, rows) -> dict:
        """Return the period's sums per column name, and the total of each day."""
        sums: dict = defaultdict(int)
        by_day: dict[date, int] = {}
        for day, *values in rows:
            figures = pivot.read(values)
            by_day[day] = figures["total"]
            for name, value in figures.items():
                sums[name] += value
        return {"sums": sums, "by_day": by_day}

    def _cells(self, pivot: _Pivot, rows, sums: dict) -> dict[tuple[int, int], int]:
        """Return persons per (weekday, hour), looking up the rare taps out of hours."""
        cells: dict[tuple[int, int], int] = defaultdict(int)
        columns = {hour: pivot.names.index(("hour", hour)) + 1 for hour in self.hours}
        for row in rows:
            for hour, index in columns.items():
                cells[row[0].weekday(), hour] += row[index] or 0
        if sums[("hour", "other")]:
            for day, hour, persons in db.session.execute(
                sa.select(FlowEntry.local_date, FlowEntry.local_hour, _persons())
                .where(FlowEntry.kind == "arrival", self._outside_hours(),
                       *self.scope.flow_where(self.scope.current))
                .group_by(FlowEntry.local_date, FlowEntry.local_hour)
            ):
                cells[day.weekday(), hour] += persons
        return cells

    def _attendance(self, visitors: dict, interviews: dict) -> dict:
        """Return visitors and interviews per day, ISO week and month of the period."""
        series: dict[str, dict[str, dict]] = {"day": {}, "week": {}, "month": {}}
        for day in _dates(*self.scope.current):
            iso_year, week, _weekday = day.isocalendar()
            keys = {"day": day.isoformat(), "week": f"{iso_year}-W{week:02d}",
                    "month": day.strftime("%Y-%m")}
            for grain, key in keys.items():
                point = series[grain].get(key)
                if point is None:
                    point = series[grain][key] = {"period": key, "label": self._period_label(
                        grain, day, iso_year, week), "visitors": 0, "interviews": 0}
                point["visitors"] += visitors.get(day, 0)
                point["interviews"] += interviews.get(day, 0)
        return {grain: list(points.values()) for grain, points in series.items()}

    @staticmethod
    def _period_label(grain: str, day: date, iso_year: int, week: int) -> str:
        if grain == "day":
            return format_date(day, "EEE d MMM yyyy")
        if grain == "week":
            return _("sem. %(week)d (%(year)d)", week=week, year=iso_year)
        return format_date(day, "MMMM yyyy")

    def _heatmap(self, cells: dict[tuple[int, int], int]) -> dict:
        hours = sorted(set(self.hours) | {hour for _weekday, hour in cells})
        weekdays = {int(key) for site in self.scope.sites
                    for key, value in (site.opening_hours or {}).items() if value}
        weekdays |= {weekday for (weekday, _hour), value in cells.items() if value}
        monday = date(2024, 1, 1)  # any Monday: only its weekday names are used
        return {
            "hours": [{"hour": hour, "label": _("%(hour)dh", hour=hour)} for hour in hours],
            "rows": [{"weekday": weekday,
                      "label": format_date(monday + timedelta(days=weekday), "EEEE"),
                      "values": [cells.get((weekday, hour), 0) for hour in hours]}
                     for weekday in sorted(weekdays)],
            "max": max(cells.values(), default=0),
        }

    def _shown_poles(self, *used: set) -> list[Ref]:
        """Return the active poles and the inactive ones that still have figures."""
        return [ref for ref in _ordered(self.poles)
                if ref.active or any(ref.id in ids for ids in used)]

    def _destinations(self, sums: dict) -> list[dict]:
        used = {pole_id for pole_id in self.poles if sums[("pole", pole_id)]}
        rows = [{"code": ref.code, "label": ref.label, "value": sums[("pole", ref.id)]}
                for ref in self._shown_poles(used)]
        return rows + [{"code": kind, "label": self.labels[kind],
                        "value": sums[("destination", kind)]} for kind in FIXED_DESTINATIONS]

    def _rare_flows(self, rows) -> dict:
        """Return the reorientation flows and the partner and event-type details."""
        by_partner: dict[int | None, int] = defaultdict(int)
        by_event_type: dict[int | None, int] = defaultdict(int)
        flows: dict[tuple[int | None, str, int | None], int] = defaultdict(int)
        from_interviews = 0
        for (kind, destination, pole_id, partner_id, event_type_id, from_pole_id, reception,
             persons) in rows:
            if kind == "reorientation":
                target = ("pole", pole_id) if destination == "pole" else ("partner", partner_id)
                flows[(from_pole_id, *target)] += persons
                from_interviews += 0 if reception else persons
            elif destination == "partner":
                by_partner[partner_id] += persons
            else:
                by_event_type[event_type_id] += persons
        return {
            "partners_out": [row for row in _breakdown(by_partner, self.partners, self.labels)
                             if row["value"]],
            "event_types": _breakdown(by_event_type, _refs(EventType), self.labels),
            "reorientations": self._reorientations(flows, from_interviews),
        }

    def _reorientations(self, flows: dict, from_interviews: int) -> dict:
        """Return the flows from a pole to a pole or a partner, as a list and a matrix."""
        listed = []
        for (from_id, kind, target_id), persons in flows.items():
            source = self.poles.get(from_id)
            target = (self.poles if kind == "pole" else self.partners).get(target_id)
            listed.append({
                "from": source.code if source else UNSTATED,
                "from_label": source.label if source else self.labels[UNSTATED],
                "to": (target.code if kind == "pole" else f"partner:{target.code}")
                if target else kind,
                "to_label": target.label if target else self.labels[kind],
                "to_kind": kind,
                "count": persons,
            })
        listed.sort(key=lambda flow: (-flow["count"], flow["from"], flow["to"]))
        poles = self._shown_poles({key[0] for key in flows},
                                  {key[2] for key in flows if key[1] == "pole"})
        columns = [{"code": ref.code, "label": ref.label,
                    "short": self.pole_short.get(ref.id) or ref.label} for ref in poles]
        columns.append({"code": "partner", "label": self.labels["partner"],
                        "short": self.labels["partner"]})
        column_of = {ref.id: index for index, ref in enumerate(poles)}
        matrix = {ref.id: [0] * len(columns) for ref in poles}
        for (from_id, kind, target_id), persons in flows.items():
            if from_id in matrix:
                index = column_of.get(target_id, -1) if kind == "pole" else -1
                matrix[from_id][index] += persons
        total = sum(flows.values())
        return {
            "total": total,
            "at_reception": total - from_interviews,
            "from_interviews": from_interviews,
            "flows": listed,
            "columns": columns,
            "rows": [{"code": ref.code, "label": ref.label,
                      "short": self.pole_short.get(ref.id) or ref.label,
                      "values": matrix[ref.id], "total": sum(matrix[ref.id])} for ref in poles],
        }

    def _interviews(self, sums: dict, themes: dict, outcomes: dict) -> dict:
        """Return interviews per pole, partner, channel, duration, theme and outcome."""
        def by(kind, keys):
            return {key: sums[(kind, key)] for key in keys}

        total = sums["total"]
        bins = [code for code, _upper in DURATION_BINS]
        return {
            "total": total,
            "minutes": sums["minutes"],
            "average_duration": round(sums["minutes"] / total, 1) if total else None,
            "by_pole": _breakdown(by("pole", self.poles), self.poles, self.labels),
            "by_partner": [row for row in _breakdown(by("partner", self.partners),
                                                     self.partners, self.labels)
                           if row["value"]],
            "by_theme": [row for row in _breakdown(themes, _refs(Theme), self.labels)
                         if row["value"]],
            "by_outcome": _breakdown(outcomes, _refs(Outcome), self.labels),
            "by_channel": _fixed(CHANNELS, by("channel", CHANNELS), self.labels),
            "duration": _fixed(bins, by("duration", bins), self.labels),
        }

    def _profile(self, arrivals: dict, interviews: dict) -> dict:
        """Return the public's profile: arrivals (persons) and interviews, side by side."""
        categories = {}
        for category in PROFILE_CATEGORIES:
            counts = []
            for sums in (arrivals, interviews):
                values = {option_id: sums[(category, option_id)]
                          for option_id in self.options[category]}
                # Whoever was not described in this category.
                values[None] = sums["total"] - sum(values.values())
                counts.append(values)
            rows = _breakdown(counts[0], self.options[category], self.labels,
                              interviews=counts[1])
            categories[category] = [{"code": row["code"], "label": row["label"],
                                     "arrivals": row["value"], "interviews": row["interviews"]}
                                    for row in rows]
        splits = []
        for sums in (arrivals, interviews):
            per_pole = {}
            for pole_id in self.poles:
                split = {gender_id: sums[("gender_pole", gender_id, pole_id)]
                         for gender_id in self.options["gender"]}
                split[None] = sums[("pole", pole_id)] - sum(split.values())
                per_pole[pole_id] = split
            splits.append(per_pole)
        seen = {gender_id for per_pole in splits for split in per_pole.values()
                for gender_id, value in split.items() if value}
        genders: list[int | None] = [ref.id for ref in _ordered(self.options["gender"])
                                     if ref.active or ref.id in seen]
        labels = [{"code": self.options["gender"][g].code,
                   "label": self.options["gender"][g].label} for g in genders]
        if None in seen:
            genders.append(None)
            labels.append({"code": UNSTATED, "label": self.labels[UNSTATED]})
        used = {pole_id for per_pole in splits for pole_id, split in per_pole.items()
                if any(split.values())}
        poles = [{"code": ref.code, "label": ref.label,
                  "arrivals": [splits[0][ref.id][g] for g in genders],
                  "interviews": [splits[1][ref.id][g] for g in genders]}
                 for ref in self._shown_poles(used)
                 if self.scope.pole is None or ref.id == self.scope.pole.id]
        return {"categories": categories,
                "gender_by_pole": {"genders": labels, "poles": poles}}

    def _per_opening_day(self, totals: dict, sums: dict, interview_sums: dict) -> dict:
        """Return visitors and interviews per opening day, overall and per site."""
        sites = []
        for site in self.scope.sites:
            if self.scope.site is not None:
                visitors, interviews = totals["visitors"], totals["interviews"]
            else:
                visitors, interviews = sums[("site", site.id)], interview_sums[("site", site.id)]
            if not (site.active or visitors or interviews or self.scope.site):
                continue
            days = len(opening_days(site, *self.scope.current))
            sites.append({"code": site.code, "label": site.label, "opening_days": days,
                          "visitors": visitors, "visitors_per_day": _per_day(visitors, days),
                          "interviews": interviews,
                          "interviews_per_day": _per_day(interviews, days)})
        days = totals["opening_days"]
        return {
            "opening_days": days,
            "visitors_per_day": _per_day(totals["visitors"], days),
            "interviews_per_day": _per_day(totals["interviews"], days),
            "by_site": sites,
        }

    def _year_on_year(self, totals: dict, previous: dict, visitors_by_day: dict,
                      previous_by_day: dict) -> dict:
        """Compare the period with the same dates a year earlier, with the change in %."""
        current = {key: totals[key] for key in previous}
        previous = dict(previous)
        for figures in (current, previous):
            figures["visitors_per_day"] = _per_day(figures["visitors"], figures["opening_days"])
            figures["interviews_per_day"] = _per_day(figures["interviews"],
                                                     figures["opening_days"])
        names = {
            "visitors": _("Visiteurs (personnes)"),
            "reorientations": _("Réorientations"),
            "interviews": _("Entretiens"),
            "opening_days": _("Jours d'ouverture"),
            "visitors_per_day": _("Visiteurs par jour d'ouverture"),
            "interviews_per_day": _("Entretiens par jour d'ouverture"),
        }
        months: dict[str, dict] = {}
        for day in _dates(*self.scope.current):
            key = day.strftime("%Y-%m")
            if key not in months:
                months[key] = {"period": key, "label": format_date(day, "MMMM yyyy"),
                               "current": 0, "previous": 0}
            months[key]["current"] += visitors_by_day.get(day, 0)
        for day, visitors in previous_by_day.items():
            # The month it stands for in the chosen period (29 February included).
            months[f"{day.year + 1:04d}-{day.month:02d}"]["previous"] += visitors
        return {
            "previous_start": self.scope.previous[0].isoformat(),
            "previous_end": self.scope.previous[1].isoformat(),
            "previous_start_label": format_date(self.scope.previous[0], "long"),
            "previous_end_label": format_date(self.scope.previous[1], "long"),
            "figures": [{"code": code, "label": label, "current": current[code],
                         "previous": previous[code],
                         "change_pct": _change(current[code], previous[code])}
                        for code, label in names.items()],
            "months": list(months.values()),
        }
