"""Demo data of the floor (issue 11): hourly occupancy rounds and the exit kiosk's answers.

Called by app.demo.generate_year for the days it wrote, with the same seed, so a demo year
shows rounds and satisfaction beside its visitors.
"""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher

from app.extensions import db
from app.models import (
    OccupancyCount,
    OccupancyRound,
    Pole,
    SatisfactionAnswer,
    Site,
    Space,
    User,
)
from app.timeutil import PARIS, local_day_and_hour

# Share of the answers per score (1 to 4): most visitors leave satisfied.
SCORE_WEIGHTS = (0.04, 0.11, 0.40, 0.45)
# How full each space is at its busiest hour, as a share of its capacity.
PEAK_LOAD = {"cyber": 0.9, "documentation": 0.5}


def _demo_kiosk(site: Site) -> int:
    username = f"borne-demo-{site.code}"[:80]  # not "demo-": those are counsellors
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        # A random password nobody sees, on an inactive account: it cannot log in.
        user = User(username=username, display_name="Démo borne", role="kiosk",
                    password_hash=PasswordHasher(time_cost=1, memory_cost=8192).hash(
                        secrets.token_urlsafe(32)), site_id=site.id, active=False)
        db.session.add(user)
        db.session.flush()
    return user.id


def generate_floor(site: Site, days: list[date], slots_of, weight_of, now: datetime,
                   seed: int, scale: float = 1.0) -> tuple[int, int]:
    """Write rounds every hour of the opening slots and kiosk answers; return (rounds, answers)."""
    rng = random.Random(seed * 7919 + 11)
    kiosk = _demo_kiosk(site)
    spaces = list(db.session.scalars(sa.select(Space).where(Space.site_id == site.id,
                                                            Space.active)))
    poles = list(db.session.scalars(sa.select(Pole.id).where(Pole.active)))
    if days:
        first, last = min(days), max(days)
        old = sa.select(OccupancyRound.id).where(OccupancyRound.site_id == site.id,
                                                 OccupancyRound.local_date.between(first, last))
        db.session.execute(sa.delete(OccupancyCount).where(OccupancyCount.round_id.in_(old)))
        db.session.execute(sa.delete(OccupancyRound).where(
            OccupancyRound.site_id == site.id, OccupancyRound.local_date.between(first, last)))
        db.session.execute(sa.delete(SatisfactionAnswer).where(
            SatisfactionAnswer.site_id == site.id,
            SatisfactionAnswer.local_date.between(first, last)))
    rounds, counts, answers = [], [], []
    small = site.parent_id is not None
    for day in days:
        hours = sorted({slot[0] for slot in slots_of(site, day)})
        for hour in hours:
            at = datetime.combine(day, time(hour, rng.randint(0, 9)), tzinfo=PARIS)
            if at > now:
                break
            round_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            local_date, local_hour = local_day_and_hour(at)
            rounds.append({"id": round_id, "taken_at": at, "local_date": local_date,
                           "local_hour": local_hour, "site_id": site.id, "payload_digest": "demo",
                           "created_by_id": kiosk, "received_at": at})
            for space in spaces:
                load = PEAK_LOAD.get(space.code, 0.35) * weight_of(hour)
                capacity = space.capacity or 10
                people = max(0, min(capacity + 2, round(rng.gauss(capacity * load, 1.5))))
                counts.append({"round_id": round_id, "space_id": space.id, "people": people})
        per_day = (2 if small else 14) * scale
        for _answer in range(max(0, round(rng.gauss(per_day, per_day ** 0.5)))):
            hour = rng.choice(hours) if hours else 12
            at = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)),
                                  tzinfo=PARIS)
            if at > now:
                continue
            score = rng.choices((1, 2, 3, 4), SCORE_WEIGHTS)[0]
            answers.append({"id": uuid.UUID(int=rng.getrandbits(128), version=4),
                            "answered_at": at, "local_date": day, "site_id": site.id,
                            "score": score,
                            "pole_id": rng.choice(poles) if poles and rng.random() < 0.6 else None,
                            "kiosk_id": kiosk, "throttled": rng.random() < 0.02,
                            "payload_digest": "demo", "received_at": at})
    for model, rows in ((OccupancyRound, rounds), (OccupancyCount, counts),
                        (SatisfactionAnswer, answers)):
        for start in range(0, len(rows), 2000):
            db.session.execute(sa.insert(model.__table__), rows[start:start + 2000])
    db.session.commit()
    return len(rounds), len(answers)
