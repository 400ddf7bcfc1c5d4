"""A realistic programme of events for `demo generate` (issue 9).

Shaped on the seeds (DOMAIN.md): over ten years the Marseille Cité and its associated
centres held about 1,700 job information sessions, 1,750 workshops, 150 themed days for
69,000 people (about 460 each) and more than 50 Semaines métiers for 55,121 people (about
1,100 each), and recruitment forums, one in the open air on the Vieux-Port. The main site
gets weekly workshops, job information sessions twice a week, monthly collective
information sessions, a themed day most months, one Semaine métiers and one forum outside;
an associated centre a weekly workshop and a monthly session.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Event,
    EventAttendanceSplit,
    EventType,
    FlowEntry,
    Partner,
    Pole,
    ProfileOption,
    Site,
    event_partners,
    event_poles,
)
from app.stats.calendar import opening_days
from app.timeutil import PARIS, local_day_and_hour

DEMO_DIGEST = "demo"
# Paris summer: no workshop in August, fewer sessions in July.
QUIET_MONTHS = {8}


@dataclass(frozen=True)
class Series:
    """A recurring event: its type, title, weekday, hours, capacity, attendance and partners."""

    type: str
    title: str
    weekday: int | None            # None: once a month (first such weekday) or one-off
    start: time
    hours: float
    capacity: int | None
    mean: float                    # mean attendance
    spread: float
    poles: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    monthly: bool = False


MAIN_SERIES = (
    Series("atelier", "Atelier CV", 1, time(14), 2, 12, 9.5, 2.0, ("emploi",), ("france-travail",)),
    Series("atelier", "Atelier lettre de motivation", 3, time(10), 2, 12, 8.5, 2.2, ("emploi",),
           ("france-travail", "cite")),
    Series("atelier", "Atelier réussir son entretien d'embauche", 4, time(14), 2, 12, 9, 2.0,
           ("emploi",), ("plie",)),
    Series("atelier", "Atelier créer son activité : les premiers pas", 2, time(10), 2.5, 15, 10,
           2.5, ("creation",), ("cci", "cma")),
    Series("info-metiers", "Info métiers", 0, time(14), 1.5, 30, 19, 6, ("orientation",),
           ("cio", "afpa")),
    Series("info-metiers", "Info métiers", 2, time(14), 1.5, 30, 17, 6, ("orientation",),
           ("cio", "metierama")),
    Series("info-collective", "Information collective : la VAE", 0, time(10), 2, 25, 16, 4,
           ("formation",), ("afpa",), monthly=True),
    Series("info-collective", "Information collective : créer ou reprendre une entreprise", 3,
           time(10), 2, 25, 18, 4, ("creation",), ("cci",), monthly=True),
)
SMALL_SERIES = (
    Series("atelier", "Atelier CV", 1, time(14), 2, 10, 6.5, 2.0, ("emploi",), ("france-travail",)),
    Series("info-collective", "Information collective : se former", 3, time(10), 2, 20, 10, 3,
           ("formation",), ("afpa",), monthly=True),
)
TRADES = ("les métiers du soin", "la logistique", "le numérique", "le bâtiment", "l'hôtellerie",
          "la restauration", "l'aide à domicile", "l'industrie", "le transport", "la mer",
          "l'énergie", "la petite enfance", "le commerce", "la fonction publique")
THEMED_DAYS = ("Journée de l'apprentissage", "Journée des métiers de la mer",
               "Journée égalité femmes-hommes dans les métiers", "Journée handicap et emploi",
               "Journée de la reconversion", "Journée jobs d'été", "Journée de la création",
               "Journée des métiers du numérique", "Journée de la formation continue",
               "Journée de l'alternance")
GENDER_SHARE = {"femme": 0.55, "homme": 0.43, "autre": 0.005}
AGE_SHARE = {"16-25": 0.34, "26-44": 0.41, "45-54": 0.16, "55-plus": 0.07}


class _Ids:
    """Reference ids by code, read once."""

    def __init__(self):
        def codes(model):
            return {code: row_id for code, row_id in db.session.execute(sa.select(model.code, model.id))}

        self.types, self.poles, self.partners = codes(EventType), codes(Pole), codes(Partner)
        self.options = {(c, code): i for c, code, i in db.session.execute(
            sa.select(ProfileOption.category, ProfileOption.code, ProfileOption.id))}


def _instant(day: date, start: time) -> datetime:
    return datetime.combine(day, start, tzinfo=PARIS)


def _weekdays(year: int, weekday: int) -> list[date]:
    day = date(year, 1, 1)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    days = []
    while day.year == year:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def _plan(site: Site, year: int, rng: random.Random) -> list[dict]:
    """Return the year's events of the site as plain dicts, before attendance."""
    small = site.parent_id is not None
    holidays = _closed_days(site, year)
    planned = []
    trades = iter(rng.sample(TRADES, len(TRADES)) * 30)
    for series in SMALL_SERIES if small else MAIN_SERIES:
        days = _weekdays(year, series.weekday)
        if series.monthly:
            days = [d for d in days if d.day <= 7]
        series_id = uuid.uuid4()
        for day in days:
            if day.month in QUIET_MONTHS or day in holidays or (day.month == 7 and rng.random() < .5):
                continue
            title = f"{series.title} : {next(trades)}" if series.type == "info-metiers" \
                else series.title
            planned.append({"series": series, "day": day, "title": title, "days": 1,
                            "series_id": series_id, "outside": False, "place": "Salle 2"})
    if not small:
        for month in (1, 2, 3, 4, 5, 9, 11, 12):  # themed days most months; the week, October
            day = date(year, month, 10 + rng.randrange(10))
            while day.weekday() > 4 or day in holidays:
                day += timedelta(days=1)
            planned.append({"series": Series("journee-thematique", "", None, time(10), 7, None,
                                             460, 120, ("orientation", "emploi"), ("cite",)),
                            "day": day, "title": THEMED_DAYS[month % len(THEMED_DAYS)],
                            "days": 1, "series_id": None, "outside": False,
                            "place": "Tout le centre"})
        week = date(year, 10, 1) + timedelta(days=(0 - date(year, 10, 1).weekday()) % 7 + 7)
        planned.append({"series": Series("semaine-metiers", "", None, time(9, 30), 8.5, 1500,
                                          1100, 200, ("orientation", "formation", "emploi"),
                                          ("cio", "france-travail", "mission-locale", "afpa")),
                        "day": week, "title": f"Semaine des métiers {year}", "days": 5,
                        "series_id": None, "outside": False, "place": "Tout le centre"})
        forum = date(year, 6, 1) + timedelta(days=(3 - date(year, 6, 1).weekday()) % 7 + 7)
        planned.append({"series": Series("forum", "", None, time(10), 7, None, 3000, 500,
                                          ("emploi",), ("france-travail", "mission-locale",
                                                        "cap-emploi", "apec")),
                        "day": forum, "title": "Forum de l'emploi du Vieux-Port", "days": 1,
                        "series_id": None, "outside": True, "place": "Quai du Port, Vieux-Port"})
    return planned


def _closed_days(site: Site, year: int) -> set[date]:
    open_days = set(opening_days(site, date(year, 1, 1), date(year, 12, 31)))
    return {date(year, 1, 1) + timedelta(days=n) for n in range(366)
            if (date(year, 1, 1) + timedelta(days=n)).year == year} - open_days


def _splits(rng: random.Random, total: int, ids: _Ids) -> list[dict]:
    """Return a partial split, as staff enter it: gender mostly, the age band sometimes."""
    rows = []
    if total and rng.random() < 0.7:
        counted = round(total * rng.uniform(0.75, 1.0))
        for code, share in GENDER_SHARE.items():
            persons = round(counted * share * rng.uniform(0.85, 1.15))
            persons = min(persons, counted - sum(r["persons"] for r in rows
                                                 if r["category"] == "gender"))
            if persons > 0 and ("gender", code) in ids.options:
                rows.append({"category": "gender", "option_id": ids.options[("gender", code)],
                             "persons": persons})
    if total and rng.random() < 0.35:
        left = round(total * rng.uniform(0.6, 0.95))
        for code, share in AGE_SHARE.items():
            persons = min(round(left * share), left)
            if persons > 0 and ("age_band", code) in ids.options:
                rows.append({"category": "age_band", "option_id": ids.options[("age_band", code)],
                             "persons": persons})
    return rows


def generate_programme(site: Site, year: int, rng: random.Random, now: datetime) -> int:
    """Write the site's events of the year (replacing earlier demo ones); return how many.

    Events already over get an attendance, except the last two (a list of events waiting
    for their attendance is then not empty); the reception's "event" taps of an event's day
    and type are linked to it.
    """
    ids = _Ids()
    first, last = date(year, 1, 1), date(year, 12, 31)
    old = sa.select(Event.id).where(Event.site_id == site.id, Event.payload_digest == DEMO_DIGEST,
                                    Event.start_date.between(first, last))
    db.session.execute(sa.update(FlowEntry).where(FlowEntry.event_id.in_(old))
                       .values(event_id=None))
    for table in (EventAttendanceSplit.__table__, event_poles, event_partners):
        db.session.execute(sa.delete(table).where(table.c.event_id.in_(old)))
    db.session.execute(sa.delete(Event).where(Event.id.in_(old.scalar_subquery())))
    rows, poles, partners, splits = [], [], [], []
    plan = sorted(_plan(site, year, rng), key=lambda p: p["day"])
    over = [p for p in plan if _instant(p["day"], p["series"].start)
            + timedelta(days=p["days"] - 1, hours=p["series"].hours) <= now]
    unentered = {id(p) for p in over[-2:]}
    for item in plan:
        series = item["series"]
        starts_at = _instant(item["day"], series.start)
        ends_at = starts_at + timedelta(days=item["days"] - 1, hours=series.hours)
        event_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        attendance = None
        if ends_at <= now and id(item) not in unentered:
            attendance = max(0, round(rng.gauss(series.mean, series.spread)))
            if series.capacity:
                attendance = min(attendance, round(series.capacity * 1.1))
            splits += [{"event_id": event_id, **row} for row in _splits(rng, attendance, ids)]
        rows.append({
            "id": event_id, "event_type_id": ids.types[series.type], "title": item["title"],
            "site_id": site.id, "starts_at": starts_at, "ends_at": ends_at,
            "start_date": item["day"], "end_date": item["day"] + timedelta(days=item["days"] - 1),
            "location": "outside" if item["outside"] else "centre", "place": item["place"],
            "capacity": series.capacity, "registered": None,
            "status": "held" if attendance is not None else "planned",
            "series_id": item["series_id"], "attendance": attendance,
            "attendance_at": ends_at if attendance is not None else None,
            "payload_digest": DEMO_DIGEST, "created_at": now,
        })
        poles += [{"event_id": event_id, "pole_id": ids.poles[c]} for c in series.poles
                  if c in ids.poles]
        partners += [{"event_id": event_id, "partner_id": ids.partners[c]}
                     for c in series.partners if c in ids.partners]
    for table, values in ((Event.__table__, rows), (event_poles, poles),
                          (event_partners, partners), (EventAttendanceSplit.__table__, splits)):
        if values:
            db.session.execute(sa.insert(table), values)
    _link_arrivals(site, rows)
    db.session.commit()
    return len(rows)


def _link_arrivals(site: Site, rows: list[dict]) -> None:
    """Point the day's reception taps for an event of that type at the planned event."""
    for row in rows:
        if row["location"] == "outside":
            continue  # the Vieux-Port's public never came through the reception
        day, _hour = local_day_and_hour(row["starts_at"])
        db.session.execute(
            sa.update(FlowEntry)
            .where(FlowEntry.site_id == site.id, FlowEntry.kind == "arrival",
                   FlowEntry.destination_kind == "event", FlowEntry.event_id.is_(None),
                   FlowEntry.event_type_id == row["event_type_id"],
                   FlowEntry.local_date.between(day, row["end_date"]))
            .values(event_id=row["id"]))
