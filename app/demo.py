"""Realistic demo data: a year of arrivals, reorientations and interviews, in seconds.

Volumes come from DOMAIN.md: the Marseille site saw about 62,000 visitors and 6,676
interviews in a year; Paris-La Villette 1,000 to 1,200 visitors a day. Rows are written
with Core ``insert(...)`` executemany in chunks, inside BEGIN IMMEDIATE transactions (ORM
objects would take minutes for a Villette year). A fixed seed gives the same data again.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from time import perf_counter

import sqlalchemy as sa
from argon2 import PasswordHasher

from app import reference as refs
from app.extensions import db
from app.events.demo import generate_programme
from app.figures import rollups
from app.models import (
    EventType,
    FlowEntry,
    Interview,
    InterviewOutcome,
    Outcome,
    Partner,
    Pole,
    ReceptionPoint,
    Site,
    SiteClosure,
    SiteDestination,
    Theme,
    User,
    interview_themes,
)
from app.models.network import OFFERED_DESTINATIONS
from app.offers import offer_of
from app.stats import calendar
from app.stats.calendar import day_ranges
from app.timeutil import day_start_utc, local_day_and_hour, to_local, utcnow

CHUNK = 5_000
# Demo accounts never log in (inactive, password never shown): a cheap Argon2id hash of a
# random secret spares ~0.7 s per account; a real login would be asked to rehash anyway.
_DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Rows marked so that anyone looking at the database can tell demo data from real taps.
DEMO_DIGEST = "demo"


@dataclass(frozen=True)
class DemoProfile:
    """The size and habits of a centre."""

    name: str
    visitors_per_year: int       # persons, party sizes included
    interviews_per_year: int
    groups_per_week: float       # school classes sent to events, in term time
    small_centre_visitors: int   # an associated centre (a site with a parent site)
    small_centre_interviews: int


PROFILES = {
    # Marseille 2010: ~62,000 visitors, 6,676 interviews; the region's seven associated
    # centres shared the other ~33,000 visitors.
    "marseille": DemoProfile("marseille", 62_000, 6_700, 3.0, 4_700, 480),
    # La Villette: 1,000-1,200 visitors a day over ~300 opening days.
    "villette": DemoProfile("villette", 325_000, 30_000, 14.0, 325_000, 30_000),
}

# Weights; codes missing from the reference data are ignored, unknown ones weigh 1.
MONTH_WEIGHTS = {1: 1.15, 2: 1.10, 3: 1.15, 4: 0.95, 5: 0.85, 6: 0.90,
                 7: 0.70, 8: 0.40, 9: 1.30, 10: 1.25, 11: 1.00, 12: 0.80}
WEEKDAY_WEIGHTS = {0: 1.25, 1: 1.20, 2: 1.00, 3: 0.95, 4: 0.85, 5: 0.70, 6: 0.50}
POLE_WEIGHTS = {"orientation": 30, "formation": 24, "emploi": 36, "creation": 10}
DESTINATION_WEIGHTS = {"pole": 56, "documentation": 12, "cyber": 13, "event": 6, "desk": 9,
                       "partner": 4}
OUTSIDE_PARTNERS = {"cci": 3, "cma": 3, "apec": 3, "cap-emploi": 2, "maison-emploi": 3,
                    "france-travail": 4, "mission-locale": 3}
EVENT_WEIGHTS = {"atelier": 40, "info-metiers": 25, "info-collective": 20,
                 "journee-thematique": 8, "forum": 5, "semaine-metiers": 2, "visite-groupe": 0}
GROUP_EVENT_WEIGHTS = {"visite-groupe": 50, "info-metiers": 25, "forum": 15,
                       "semaine-metiers": 10}
# Which partners' counsellors sit at which pole.
POLE_PARTNERS = {
    "orientation": {"cio": 25, "cite": 20, "fongecif": 15, "mission-locale": 15, "cidff": 10,
                    "metierama": 10, "afij": 5},
    "formation": {"afpa": 25, "cnam": 20, "fongecif": 15, "cio": 15, "mission-locale": 15,
                  "cite": 10},
    "emploi": {"france-travail": 35, "mission-locale": 20, "plie": 15, "afij": 10, "cidff": 10,
               "cite": 10},
    "creation": {"cite": 40, "france-travail": 20, "cidff": 20, "plie": 10, "afij": 10},
}
STATUS_WEIGHTS = {"demandeur-emploi": 36, "salarie": 19, "etudiant": 12, "scolaire": 9,
                  "inactif": 6, "independant": 3, "retraite": 2, "autre": 3, None: 10}
# Age band given the status: a retiree is not 16, a pupil not 50.
AGE_BY_STATUS = {
    "scolaire": {"moins-16": 55, "16-25": 43, None: 2},
    "etudiant": {"16-25": 85, "26-44": 12, None: 3},
    "retraite": {"55-plus": 95, "45-54": 3, None: 2},
    None: {"16-25": 15, "26-44": 20, "45-54": 10, "55-plus": 5, None: 50},
}
AGE_DEFAULT = {"16-25": 22, "26-44": 45, "45-54": 19, "55-plus": 9, None: 5}
GENDER_WEIGHTS = {"femme": 55, "homme": 40, "autre": 1, None: 4}
FIRST_VISIT_WEIGHTS = {"oui": 44, "non": 46, None: 10}
CHANNEL_WEIGHTS = {"in_person": 86, "phone": 10, "video": 4}
DURATION_WEIGHTS = {10: 4, 15: 9, 20: 15, 25: 17, 30: 18, 35: 11, 40: 10, 45: 8, 50: 4,
                    55: 2, 60: 2}
OUTCOME_WEIGHTS = {"information": 55, "documentation": 18, "atelier": 14,
                   "orientation-organisme": 14, "rdv-organisme": 7, "second-entretien": 9,
                   "reorientation": 3}
PARTY_SIZES = ((1, 2, 3), (95.5, 4.0, 0.5))
REORIENTATION_RATE = 0.045   # of pole arrivals, logged at reception; interviews add ~0.5 %
TERM_MONTHS = {1, 2, 3, 4, 5, 6, 9, 10, 11, 12}   # school groups come in term time


class DemoError(Exception):
    """The demo data cannot be written as asked (the message says why)."""


@dataclass
class DemoSummary:
    """What a generation wrote."""

    site: str
    year: int
    arrivals: int = 0
    visitors: int = 0
    reorientations: int = 0
    interviews: int = 0
    opening_days: int = 0
    replaced: int = 0
    seconds: float = 0.0
    events: int = 0


class _Picker:
    """Weighted choice among values, fast for many draws (cumulative weights, bisect)."""

    def __init__(self, weights: dict):
        items = [(value, weight) for value, weight in weights.items() if weight > 0]
        if not items:
            raise DemoError("nothing to choose from: check the reference data")
        self.values = [value for value, _ in items]
        self.cumulative = list(accumulate(weight for _, weight in items))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]

    def many(self, rng: random.Random, count: int) -> list:
        return rng.choices(self.values, cum_weights=self.cumulative, k=count)


def _by_code(weights: dict, rows: dict, default: float | None = None) -> dict:
    """Map code weights onto reference ids; None keys (unstated) are kept as None."""
    mapped = {}
    for code, row in rows.items():
        weight = weights.get(code, default)
        if weight:
            mapped[row.id] = weight
    if None in weights:
        mapped[None] = weights[None]
    return mapped


def opening_slots(site: Site, day: date) -> list[tuple[int, int, int]]:
    """Return (hour, first minute, last minute + 1) slots the site is open on day."""
    slots = []
    # Several ranges a day (a lunch break) give several runs of slots (issue 10).
    for opens, closes in day_ranges((site.opening_hours or {}).get(str(day.weekday()))):
        (open_h, open_m), (close_h, close_m) = (map(int, text.split(":")) for text in (opens, closes))
        start, end = open_h * 60 + open_m, close_h * 60 + close_m
        for hour in range(open_h, math.ceil(end / 60)):
            first, last = max(start, hour * 60) - hour * 60, min(end, hour * 60 + 60) - hour * 60
            if last > first:
                slots.append((hour, first, last))
    return slots


def opening_days(site: Site, year: int) -> list[date]:
    """Return the days of year the site opens: its calendar (hours, holidays, closures)."""
    return calendar.opening_days(site, date(year, 1, 1), date(year, 12, 31))


def hour_weight(hour: int) -> float:
    """Return the relative attendance of an hour: peaks late morning and early afternoon."""
    middle = hour + 0.5
    return (0.3 + 1.0 * math.exp(-((middle - 11.4) ** 2) / 1.2)
            + 0.9 * math.exp(-((middle - 14.6) ** 2) / 1.4))


def _hour_starts(day: date) -> dict[int, datetime]:
    """Return the UTC instant each Paris hour of day starts at (DST days have 23 or 25)."""
    midnight = day_start_utc(day)
    starts: dict[int, datetime] = {}
    for step in range(26):
        instant = midnight + timedelta(hours=step)
        local_date, local_hour = local_day_and_hour(instant)
        if local_date == day:
            starts.setdefault(local_hour, instant)
    return starts


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class _Writer:
    """Buffers rows per table and writes them in chunks inside BEGIN IMMEDIATE transactions."""

    ORDER = (Interview.__table__, interview_themes, InterviewOutcome.__table__,
             FlowEntry.__table__)

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.rows: dict[sa.Table, list[dict]] = defaultdict(list)

    def add(self, table: sa.Table, row: dict) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        """Write everything buffered, parents before children, in one transaction."""
        with self.connection.begin():
            for table in self.ORDER:
                rows = self.rows.pop(table, [])
                for first in range(0, len(rows), CHUNK):
                    self.connection.execute(sa.insert(table), rows[first:first + CHUNK])


class _Reference:
    """Reference rows the generator draws from, read once through the one reference loader."""

    def __init__(self, site: Site):
        self.points = [p for p in refs.active(ReceptionPoint) if p.site_id == site.id]
        if not self.points:
            raise DemoError(f"site {site.code!r} has no active reception point")
        self.poles = refs.active_by_code(Pole)
        if not site.offers_all_services:  # a centre's tablets show only what it offers
            offered = {pole.id for pole in site.offered_poles}
            self.poles = {code: pole for code, pole in self.poles.items() if pole.id in offered}
        self.destinations = offer_of(site.id).destinations
        if len(self.poles) < 2:
            raise DemoError("at least two active poles are needed")
        self.partners = refs.active_by_code(Partner)
        self.event_types = refs.active_by_code(EventType)
        self.outcomes = refs.active_by_code(Outcome)
        self.themes: dict[int, list[int]] = defaultdict(list)
        for theme in refs.active(Theme):
            self.themes[theme.pole_id].append(theme.id)
        self.options = refs.profile_options()


def ensure_demo_counsellors(site: Site, reference: _Reference) -> dict[int, int]:
    """Create an inactive demo counsellor per seconding partner if missing; map partner->user."""
    seconding = [p for p in reference.partners.values() if p.seconds_counsellors]
    if not seconding:
        raise DemoError("no active partner seconds counsellors")
    home_pole = {}
    for pole_code, partners in POLE_PARTNERS.items():
        for code, _weight in sorted(partners.items(), key=lambda item: -item[1]):
            home_pole.setdefault(code, pole_code)
    users = {}
    first_pole = next(iter(reference.poles.values()))
    for partner in seconding:
        username = f"demo-{partner.code}"[:80]
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            pole = reference.poles.get(home_pole.get(partner.code, ""), first_pole)
            # A random password nobody sees, on an inactive account: it cannot log in.
            user = User(username=username, display_name=f"Démo {partner.label}"[:120],
                        password_hash=_DEMO_HASHER.hash(secrets.token_urlsafe(32)),
                        role="counsellor", site_id=site.id, pole_id=pole.id,
                        partner_id=partner.id, active=False)
            db.session.add(user)
            db.session.flush()
        users[partner.id] = user.id
    db.session.commit()
    return users


def _existing_rows(site_id: int, year: int) -> int:
    first, last = date(year, 1, 1), date(year, 12, 31)
    flows = db.session.scalar(sa.select(sa.func.count()).select_from(FlowEntry).where(
        FlowEntry.site_id == site_id, FlowEntry.local_date.between(first, last)))
    interviews = db.session.scalar(sa.select(sa.func.count()).select_from(Interview).where(
        Interview.site_id == site_id, Interview.local_date.between(first, last)))
    db.session.rollback()
    return flows + interviews


def _delete_year(connection: sa.Connection, site_id: int, year: int) -> int:
    first, last = date(year, 1, 1), date(year, 12, 31)
    flow, interviews = FlowEntry.__table__, Interview.__table__
    with connection.begin():
        deleted = connection.execute(sa.delete(flow).where(
            flow.c.site_id == site_id, flow.c.local_date.between(first, last))).rowcount
        # Themes, outcomes and the reorientations they produced go by ON DELETE CASCADE.
        deleted += connection.execute(sa.delete(interviews).where(
            interviews.c.site_id == site_id,
            interviews.c.local_date.between(first, last))).rowcount
        # Hard deletes are retention to the rollup triggers: recount the year instead.
        rollups.rebuild(connection, first, last)
    return deleted


def generate_year(year: int, profile: str = "marseille", *, seed: int | None = None,
                  site_code: str | None = None, replace: bool = False,
                  scale: float = 1.0, now: datetime | None = None) -> DemoSummary:
    """Write a realistic year of activity for one site; refuse if it has data, unless replace.

    The current year stops at now: nothing is written after it (a floor board at 05:36 must
    not show the afternoon), and the days written keep their usual volumes.
    """
    started = perf_counter()
    now = now or utcnow()
    if profile not in PROFILES:
        raise DemoError(f"unknown profile {profile!r}: use one of {sorted(PROFILES)}")
    if site_code:
        site = db.session.scalar(sa.select(Site).where(Site.code == site_code))
        if site is None:
            raise DemoError(f"unknown site {site_code!r}")
    else:
        site = db.session.scalar(sa.select(Site).where(Site.parent_id.is_(None), Site.active)
                                 .order_by(Site.position))
        if site is None:
            raise DemoError("no site: run `flask seed` first")
    summary = DemoSummary(site.code, year)
    existing = _existing_rows(site.id, year)
    if existing and not replace:
        raise DemoError(f"{site.code} already holds {existing:,} entries in {year}: "
                        "pass --replace to overwrite them")
    demo_calendar(site, year)  # issue 10: closures and services of an unconfigured centre
    reference = _Reference(site)
    counsellors = ensure_demo_counsellors(site, reference)
    shape = PROFILES[profile]
    small = site.parent_id is not None
    visitors = (shape.small_centre_visitors if small else shape.visitors_per_year) * scale
    interviews = (shape.small_centre_interviews if small else shape.interviews_per_year) * scale
    # Per site: two centres generated for one year must not draw the same entry ids.
    rng = random.Random(seed if seed is not None else f"{year}:{site.code}")
    days = opening_days(site, year)
    if not days:
        raise DemoError(f"{site.code} has no opening day in {year}: check its opening hours")
    today = to_local(now).date()
    if days[0] > today:
        raise DemoError(f"{year} has not begun: demo data stops at now")
    interview_weekdays = {int(d) for d in (site.interview_days or [])}

    generator = _YearGenerator(rng, site, reference, counsellors, summary, now)
    day_weight = {day: MONTH_WEIGHTS[day.month] * WEEKDAY_WEIGHTS[day.weekday()] for day in days}
    visitor_scale = visitors / sum(day_weight.values())
    interview_days = [day for day in days if day.weekday() in interview_weekdays]
    interview_scale = interviews / max(sum(day_weight[day] for day in interview_days), 1e-9)
    # Groups scale with the centre: a small associated centre sees a class now and then.
    groups_per_day = shape.groups_per_week * visitors / shape.visitors_per_year / 6

    connection = db.engine.connect().execution_options(sqlite_immediate=True)
    try:
        if existing:
            summary.replaced = _delete_year(connection, site.id, year)
        writer = _Writer(connection)
        month = days[0].month
        # Volumes are shaped on the whole year, then only the days begun so far are written.
        summary.opening_days = sum(1 for day in days if day <= today)
        for day in (day for day in days if day <= today):
            if day.month != month:
                writer.flush()  # one transaction a month: taps at reception interleave
                month = day.month
            slots = opening_slots(site, day)
            starts = _hour_starts(day)
            slots = [slot for slot in slots if slot[0] in starts]
            if not slots:
                continue
            noise = max(0.3, rng.gauss(1.0, 0.08))
            groups = 0
            if day.month in TERM_MONTHS and groups_per_day > 0:
                groups = _poisson(rng, groups_per_day * (1.3 if day.month in (1, 2, 3, 10) else 1))
            expected = visitor_scale * day_weight[day] * noise
            group_visitors = generator.groups(writer, day, slots, starts, groups)
            generator.arrivals(writer, day, slots, starts, max(0, expected - group_visitors))
            if day.weekday() in interview_weekdays:
                count = round(interview_scale * day_weight[day] * max(0.3, rng.gauss(1.0, 0.1)))
                generator.interviews(writer, day, slots, starts, count)
        writer.flush()
    finally:
        connection.close()
        # End the session's read: its snapshot predates the rows just written.
        db.session.rollback()
    summary.events = generate_programme(site, year, random.Random(rng.random()), now)
    _floor_demo(site, [day for day in days if day <= today], now, rng.randrange(2**31), scale)
    summary.seconds = perf_counter() - started
    return summary


def _floor_demo(site: Site, days: list[date], now: datetime, seed: int, scale: float) -> None:
    """Add the floor's rounds and kiosk answers to the demo year (issue 11)."""
    from app.floor.demo import generate_floor

    max_weight = max(hour_weight(hour) for hour in range(24)) or 1.0
    generate_floor(site, days, opening_slots, lambda hour: hour_weight(hour) / max_weight,
                   now, seed, scale)


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson count (Knuth; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class _YearGenerator:
    """Draws the rows of one site's days."""

    def __init__(self, rng, site, reference: _Reference, counsellors, summary, now: datetime):
        self.rng = rng
        self.now = now
        self.site = site
        self.ref = reference
        self.summary = summary
        self.counsellors = counsellors
        poles = reference.poles
        self.pole_ids = [pole.id for pole in poles.values()]
        self.pole_pick = _Picker(_by_code(POLE_WEIGHTS, poles, default=10))
        weights = [70, 20, 10] + [5] * max(0, len(reference.points) - 3)
        self.point_pick = _Picker({p.id: w for p, w in zip(reference.points, weights)})
        self.partner_out_pick = _Picker(_by_code(OUTSIDE_PARTNERS, reference.partners)
                                        or {p.id: 1 for p in reference.partners.values()})
        self.event_pick = (_Picker(_by_code(EVENT_WEIGHTS, reference.event_types, default=5))
                           if reference.event_types else None)
        self.group_event_pick = (
            _Picker(_by_code(GROUP_EVENT_WEIGHTS, reference.event_types) or
                    {e.id: 1 for e in reference.event_types.values()})
            if reference.event_types else None)
        kinds = {kind: weight if kind == "pole" or kind in reference.destinations else 0
                 for kind, weight in DESTINATION_WEIGHTS.items()}
        if not reference.event_types:
            kinds["event"] = 0
        self.kind_pick = _Picker(kinds)
        options = reference.options
        self.status_pick = _Picker(_by_code(STATUS_WEIGHTS, options["status"]))
        codes = {o.id: code for code, o in options["status"].items()}
        self.age_pick = {status_id: _Picker(_by_code(AGE_BY_STATUS.get(codes.get(status_id),
                                                                       AGE_DEFAULT),
                                                     options["age_band"]))
                         for status_id in self.status_pick.values}
        self.gender_pick = _Picker(_by_code(GENDER_WEIGHTS, options["gender"]))
        self.first_pick = _Picker(_by_code(FIRST_VISIT_WEIGHTS, options["first_visit"]))
        self.channel_pick = _Picker(CHANNEL_WEIGHTS)
        self.duration_pick = _Picker(DURATION_WEIGHTS)
        seconding = {p.code: p for p in reference.partners.values() if p.id in counsellors}
        self.partner_for_pole = {}
        for pole in poles.values():
            weights = {seconding[c].id: w for c, w in POLE_PARTNERS.get(pole.code, {}).items()
                       if c in seconding}
            self.partner_for_pole[pole.id] = _Picker(weights or
                                                     {p.id: 1 for p in seconding.values()})
        outcomes = reference.outcomes
        self.outcome_pick = _Picker(_by_code(OUTCOME_WEIGHTS, outcomes, default=2))
        self.outcome_target = {o.id: o.target_kind for o in outcomes.values()}

    # --- helpers

    def _profile(self) -> dict:
        status = self.status_pick(self.rng)
        return {"status_id": status, "age_band_id": self.age_pick[status](self.rng),
                "gender_id": self.gender_pick(self.rng), "first_visit_id": self.first_pick(self.rng)}

    def _hour_pick(self, slots) -> _Picker:
        return _Picker({index: hour_weight(slot[0]) * (slot[2] - slot[1]) / 60
                        for index, slot in enumerate(slots)})

    def _instant(self, slot, starts) -> tuple[datetime, int]:
        hour, first, last = slot
        offset = timedelta(minutes=self.rng.randrange(first, last), seconds=self.rng.randrange(60))
        return starts[hour] + offset, hour

    def _flow(self, writer, *, kind, occurred_at, day, hour, point_id, destination_kind,
              pole_id=None, partner_id=None, event_type_id=None, from_pole_id=None,
              party_size=1, profile, interview_id=None, created_by_id=None) -> None:
        if occurred_at > self.now:
            return  # the rest of today has not happened yet
        writer.add(FlowEntry.__table__, {
            "id": _uuid(self.rng), "kind": kind, "occurred_at": occurred_at, "local_date": day,
            "local_hour": hour, "site_id": self.site.id, "reception_point_id": point_id,
            "destination_kind": destination_kind, "destination_pole_id": pole_id,
            "destination_partner_id": partner_id, "event_type_id": event_type_id,
            "from_pole_id": from_pole_id, "party_size": party_size,
            "interview_id": interview_id, "payload_digest": DEMO_DIGEST,
            "created_by_id": created_by_id,
            "received_at": min(occurred_at + timedelta(seconds=self.rng.randrange(1, 90)),
                               self.now),
            "deleted_at": None, "deleted_by_id": None, **profile,
        })
        if kind == "arrival":
            self.summary.arrivals += 1
            self.summary.visitors += party_size
        else:
            self.summary.reorientations += 1

    def _reorientation(self, writer, arrival_at, point_id, from_pole, profile, closing,
                       interview_id=None, to_pole=None, created_by_id=None) -> None:
        rng = self.rng
        later = arrival_at + timedelta(minutes=rng.randrange(15, 61))
        if later >= closing:
            later = closing - timedelta(minutes=1)
        if later <= arrival_at:
            later = arrival_at
        local_date, local_hour = local_day_and_hour(later)
        if to_pole is None and rng.random() < 0.25:
            partner_id = self.partner_out_pick(rng)
            destination = {"destination_kind": "partner", "partner_id": partner_id}
        else:
            pole = to_pole or rng.choice([p for p in self.pole_ids if p != from_pole])
            destination = {"destination_kind": "pole", "pole_id": pole}
        self._flow(writer, kind="reorientation", occurred_at=later, day=local_date,
                   hour=local_hour, point_id=point_id, from_pole_id=from_pole,
                   profile=profile, interview_id=interview_id, created_by_id=created_by_id,
                   **destination)

    # --- a day's rows

    def groups(self, writer, day, slots, starts, count) -> int:
        """Write school groups sent to events; return their visitors."""
        if not count or self.group_event_pick is None:
            return 0
        rng = self.rng
        total = 0
        # Groups come in the morning or early afternoon, in classes of 15 to 35.
        for _ in range(count):
            slot = rng.choice(slots[:max(1, len(slots) - 2)])
            occurred, hour = self._instant(slot, starts)
            size = rng.randint(15, 35)
            self._flow(writer, kind="arrival", occurred_at=occurred, day=day, hour=hour,
                       point_id=self.point_pick(rng), destination_kind="event",
                       event_type_id=self.group_event_pick(rng), party_size=size,
                       profile={"status_id": self.ref.options["status"]["scolaire"].id
                                if "scolaire" in self.ref.options["status"] else None,
                                "age_band_id": None, "gender_id": None,
                                "first_visit_id": None})
            total += size
        return total

    def arrivals(self, writer, day, slots, starts, visitors: float) -> None:
        """Write the day's individual arrivals and the reorientations some of them lead to."""
        rng = self.rng
        count = round(visitors / 1.05)  # mean party size of individual taps
        if count <= 0:
            return
        hour_pick = self._hour_pick(slots)
        slot_indexes = sorted(hour_pick.many(rng, count))
        kinds = self.kind_pick.many(rng, count)
        sizes = rng.choices(PARTY_SIZES[0], weights=PARTY_SIZES[1], k=count)
        last_hour, _first, last_end = slots[-1]
        closing = starts[last_hour] + timedelta(minutes=last_end)
        for index, kind, size in zip(slot_indexes, kinds, sizes):
            occurred, hour = self._instant(slots[index], starts)
            profile = self._profile()
            point = self.point_pick(rng)
            pole_id = partner_id = event_type_id = None
            if kind == "pole":
                pole_id = self.pole_pick(rng)
            elif kind == "partner":
                partner_id = self.partner_out_pick(rng)
            elif kind == "event":
                event_type_id = self.event_pick(rng)
            self._flow(writer, kind="arrival", occurred_at=occurred, day=day, hour=hour,
                       point_id=point, destination_kind=kind, pole_id=pole_id,
                       partner_id=partner_id, event_type_id=event_type_id, party_size=size,
                       profile=profile)
            if pole_id is not None and rng.random() < REORIENTATION_RATE:
                self._reorientation(writer, occurred, point, pole_id, profile, closing)

    def interviews(self, writer, day, slots, starts, count) -> None:
        """Write the day's interviews with their themes and outcomes."""
        if count <= 0:
            return
        rng = self.rng
        # Counsellors start their last interview at least half an hour before closing.
        usable = slots[:-1] if len(slots) > 1 else slots
        hour_pick = self._hour_pick(usable)
        last_hour, _first, last_end = slots[-1]
        closing = starts[last_hour] + timedelta(minutes=last_end)
        for index in sorted(hour_pick.many(rng, count)):
            started, hour = self._instant(usable[index], starts)
            pole_id = self.pole_pick(rng)
            partner_id = self.partner_for_pole[pole_id](rng)
            counsellor = self.counsellors[partner_id]
            duration = self.duration_pick(rng)
            channel = self.channel_pick(rng)
            profile = self._profile()
            interview_id = _uuid(rng)
            finished = started + timedelta(minutes=duration)
            if finished > self.now:
                continue  # not over yet, so not recorded yet
            writer.add(Interview.__table__, {
                "id": interview_id, "started_at": started, "local_date": day, "local_hour": hour,
                "duration_min": duration, "channel": channel, "site_id": self.site.id,
                "pole_id": pole_id, "partner_id": partner_id, "counsellor_id": counsellor,
                "note": "", "payload_digest": DEMO_DIGEST, "created_at": finished,
                "updated_at": None, "deleted_at": None, "deleted_by_id": None, **profile,
            })
            self.summary.interviews += 1
            themes = self.ref.themes.get(pole_id, [])
            if themes:
                how_many = min(len(themes), rng.choices((1, 2, 3), weights=(65, 30, 5))[0])
                for theme_id in rng.sample(themes, how_many):
                    writer.add(interview_themes, {"interview_id": interview_id,
                                                  "theme_id": theme_id})
            how_many = rng.choices((1, 2, 3), weights=(60, 35, 5))[0]
            chosen = {self.outcome_pick(rng) for _ in range(how_many)}
            for outcome_id in chosen:
                target = self.outcome_target[outcome_id]
                target_partner = target_pole = None
                if target == "partner":
                    target_partner = self.partner_out_pick(rng)
                elif target == "pole":
                    target_pole = rng.choice([p for p in self.pole_ids if p != pole_id])
                writer.add(InterviewOutcome.__table__, {
                    "interview_id": interview_id, "outcome_id": outcome_id,
                    "target_partner_id": target_partner, "target_pole_id": target_pole})
                if target_pole is not None:
                    # The interview's reorientation reaches the flow, as the capture does.
                    self._reorientation(writer, finished - timedelta(minutes=15), None, pole_id,
                                        profile, closing, interview_id=interview_id,
                                        to_pole=target_pole, created_by_id=counsellor)


# ---------------------------------------------------------------- the past years (issue 12)

# Marseille's visitors per year since the 2005 opening: 391,907 by the end of 2011 and
# about 62,000 in 2010 (DOMAIN.md); the later years settle a little lower.
HISTORY_MARSEILLE = {2005: 38_000, 2006: 48_000, 2007: 54_000, 2008: 58_500, 2009: 60_500,
                     2010: 62_000, 2011: 70_907, 2012: 68_000, 2013: 66_500, 2014: 65_000,
                     2015: 64_000}
HISTORY_INTERVIEW_RATE = 6_676 / 62_000   # Marseille 2010
# The associated centres shared the region's other ~33,000 visitors of 2010.
HISTORY_CENTRES_FROM, HISTORY_CENTRE_VISITORS = 2008, 4_700
# Events a year at Marseille (about a tenth of the ten years' counts): count, persons each.
HISTORY_EVENTS = {"atelier": (175, 11), "info-metiers": (170, 14), "info-collective": (60, 18),
                  "journee-thematique": (15, 460), "semaine-metiers": (5, 1_100),
                  "forum": (2, 900), "visite-groupe": (60, 25)}


def _split(total: int, weights: dict, rng: random.Random) -> dict:
    """Split total over weights' keys (with a little noise), the parts summing to total."""
    noisy = {key: weight * rng.uniform(0.93, 1.07) for key, weight in weights.items() if weight}
    scale = sum(noisy.values())
    exact = {key: total * weight / scale for key, weight in noisy.items()}
    parts = {key: int(value) for key, value in exact.items()}
    left = total - sum(parts.values())
    for key in sorted(exact, key=lambda k: exact[k] - parts[k], reverse=True)[:left]:
        parts[key] += 1
    return parts


def history_rows(first: int = 2005, last: int = 2015, seed: int = 2005) -> dict[str, list[list]]:
    """Return the history template's rows for first..last, shaped like the seeds' figures."""
    rng = random.Random(seed)
    sites = {row.code: row for row in db.session.scalars(sa.select(Site))}
    poles = {row.code for row in db.session.scalars(sa.select(Pole))}
    types = {row.code for row in db.session.scalars(sa.select(EventType))}
    rows: dict[str, list[list]] = {"visitors": [], "orientations": [], "interviews": [],
                                   "events": []}
    destination_weights = {**{code: DESTINATION_WEIGHTS["pole"] * weight / 100
                              for code, weight in POLE_WEIGHTS.items() if code in poles},
                           **{code: weight for code, weight in DESTINATION_WEIGHTS.items()
                              if code != "pole"}}
    pole_weights = {code: weight for code, weight in POLE_WEIGHTS.items() if code in poles}
    for year in range(first, last + 1):
        yearly = {"marseille": HISTORY_MARSEILLE.get(year, 64_000)}
        if year >= HISTORY_CENTRES_FROM:
            for code, site in sites.items():
                if site.parent_id is not None:
                    yearly[code] = int(HISTORY_CENTRE_VISITORS * rng.uniform(0.8, 1.2))
        for code, visitors in yearly.items():
            if code not in sites:
                continue
            by_month = _split(visitors, MONTH_WEIGHTS, rng)
            interviews = _split(round(visitors * HISTORY_INTERVIEW_RATE), MONTH_WEIGHTS, rng)
            for month in range(1, 13):
                key = f"{year:04d}-{month:02d}"
                rows["visitors"].append([code, key, by_month[month]])
                for dest, count in _split(by_month[month], destination_weights, rng).items():
                    rows["orientations"].append([code, key, dest, count])
                for pole, count in _split(interviews[month], pole_weights, rng).items():
                    rows["interviews"].append([code, key, pole, count])
                if code != "marseille":
                    continue
                for kind, (per_year, persons) in HISTORY_EVENTS.items():
                    if kind not in types:
                        continue
                    if kind == "semaine-metiers":
                        count = per_year if month == 3 else 0
                    else:
                        count = round(per_year * MONTH_WEIGHTS[month] / 12 * rng.uniform(0.8, 1.2))
                    if count:
                        rows["events"].append([code, key, kind, count,
                                               round(count * persons * rng.uniform(0.85, 1.15))])
    return rows


def write_history_template(path, first: int = 2005, last: int = 2015) -> dict[str, int]:
    """Write the history template filled for first..last to path; return rows per sheet."""
    from app.history.template import build_template

    rows = history_rows(first, last)
    with open(path, "wb") as out:
        out.write(build_template(rows))
    return {kind: len(values) for kind, values in rows.items()}
# ---------------------------------------------------------------- the regional network (issue 10)

# An associated centre offers part of the services (DOMAIN.md): no business creation pole,
# no cyber space, no referral desk of its own.
DEMO_CENTRE_OFFER = ("orientation", "formation", "emploi", "documentation", "event", "desk",
                     "partner")
DEMO_CHRISTMAS = "Vacances de Noël (démo)"


def demo_calendar(site: Site, year: int) -> None:
    """Give a site nobody has configured a demo calendar: Christmas week closed and, for an
    associated centre, a reduced service list. What an administrator set is left alone."""
    first, last = date(year, 12, 24), date(year, 12, 31)
    if not any(c.start_date <= last and first <= c.end_date for c in site.closures):
        db.session.add(SiteClosure(site=site, start_date=first, end_date=last,
                                   reason=DEMO_CHRISTMAS))
    if site.parent_id is not None and site.offers_all_services:
        poles = [pole for pole in db.session.scalars(sa.select(Pole).where(
            Pole.active, Pole.code.in_(DEMO_CENTRE_OFFER)))]
        if len(poles) >= 2:
            site.offers_all_services = False
            site.offered_poles = poles
            site.offered_destinations = [SiteDestination(destination_kind=kind)
                                         for kind in DEMO_CENTRE_OFFER
                                         if kind in OFFERED_DESTINATIONS]
    db.session.commit()
