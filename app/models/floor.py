"""The floor, live: counsellors' status, occupancy rounds of the spaces, the exit kiosk's answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.reference import Pole, ReferenceMixin, Site
from app.models.types import UTCDateTime, now_utc

PRESENCE_STATUSES = ("available", "in_interview", "away")
SCORES = (1, 2, 3, 4)


class Space(ReferenceMixin, db.Model):
    """A space of a site whose occupancy rounds count people: cyber room, documentation..."""

    __tablename__ = "spaces"
    __table_args__ = (sa.UniqueConstraint("code"),
                      sa.CheckConstraint("capacity IS NULL OR capacity >= 0",
                                         name="capacity_not_negative"))

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    # Seats or places; None when the space has no set capacity.
    capacity: Mapped[Optional[int]] = mapped_column(sa.Integer)
    # The pole whose waiting area this is, if it is one.
    pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))

    site: Mapped[Site] = relationship()
    pole: Mapped[Optional[Pole]] = relationship()


class RoundSchedule(db.Model):
    """When a site's occupancy rounds are due: every N minutes from the hour, within hours."""

    __tablename__ = "round_schedules"
    __table_args__ = (sa.CheckConstraint("every_minutes BETWEEN 15 AND 240",
                                         name="every_minutes_range"),)

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), primary_key=True)
    every_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=60)
    # Paris hours, first and last round of the day (inclusive).
    first_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=10)
    last_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=17)
    active: Mapped[bool] = mapped_column(default=True)


class OccupancyRound(db.Model):
    """One round: an agent counted the people in each space at one moment."""

    __tablename__ = "occupancy_rounds"
    __table_args__ = (sa.Index("ix_occupancy_rounds_site_day", "site_id", "local_date"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(sa.Date)
    local_hour: Mapped[int] = mapped_column(sa.SmallInteger)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class OccupancyCount(db.Model):
    """How many people one round found in one space (zero included)."""

    __tablename__ = "occupancy_counts"
    __table_args__ = (sa.CheckConstraint("people >= 0", name="people_not_negative"),)

    round_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("occupancy_rounds.id", ondelete="CASCADE"), primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("spaces.id"), primary_key=True)
    people: Mapped[int] = mapped_column(sa.Integer)


class CounsellorPresence(db.Model):
    """A counsellor's status now: available, in an interview or away, at a pole."""

    __tablename__ = "counsellor_presence"
    __table_args__ = (sa.CheckConstraint(f"status IN {PRESENCE_STATUSES!r}", name="status_known"),
                      sa.Index("ix_counsellor_presence_site", "site_id", "since"))

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    pole_id: Mapped[int] = mapped_column(sa.ForeignKey("poles.id"))
    status: Mapped[str] = mapped_column(sa.String(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class PresenceChange(db.Model):
    """One status change, kept to tell the hours a pole was short of counsellors."""

    __tablename__ = "presence_changes"
    __table_args__ = (sa.CheckConstraint(f"status IN {PRESENCE_STATUSES!r}", name="status_known"),
                      sa.Index("ix_presence_changes_site_day", "site_id", "local_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    pole_id: Mapped[int] = mapped_column(sa.ForeignKey("poles.id"))
    status: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(sa.Date)


class SatisfactionAnswer(db.Model):
    """One tap at the exit kiosk: a score from 1 to 4, perhaps the pole that helped.

    A tap that came too soon after the kiosk's previous one (a child's burst) is kept,
    marked throttled: counted apart, never in the figures, never silently lost.
    """

    __tablename__ = "satisfaction_answers"
    __table_args__ = (sa.CheckConstraint("score BETWEEN 1 AND 4", name="score_range"),
                      sa.Index("ix_satisfaction_answers_site_day", "site_id", "local_date"),
                      sa.Index("ix_satisfaction_answers_kiosk", "kiosk_id", "answered_at"))

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(sa.Date)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))
    kiosk_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    throttled: Mapped[bool] = mapped_column(default=False)
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
