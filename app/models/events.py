"""Events a Cité runs (workshops, information sessions, forums...) and their attendance."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.reference import EventType, Partner, Pole, Site
from app.models.types import UTCDateTime, now_utc

EVENT_STATUSES = ("planned", "held", "cancelled")
# Where an event takes place: in the centre (perhaps a named room) or outside (a place name).
EVENT_LOCATIONS = ("centre", "outside")
# The profile categories attendance may be split by (first visit means nothing for a group).
SPLIT_CATEGORIES = ("gender", "age_band", "status")

event_poles = sa.Table(
    "event_poles", db.metadata,
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("pole_id", sa.ForeignKey("poles.id"), primary_key=True),
)

event_partners = sa.Table(
    "event_partners", db.metadata,
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("partners.id"), primary_key=True),
)


class Event(db.Model):
    """One planned session: a workshop, an information session, a Semaine métiers, a forum.

    The primary key is the UUID its client made, so a replayed creation is stored once. An
    event that lasts several days (a Semaine métiers) is one row from its first to its last
    Paris day.
    """

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {EVENT_STATUSES!r}", name="status_known"),
        sa.CheckConstraint(f"location IN {EVENT_LOCATIONS!r}", name="location_known"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_positive"),
        sa.Index("ix_events_site_days", "site_id", "start_date", "end_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    event_type_id: Mapped[int] = mapped_column(sa.ForeignKey("event_types.id"))
    title: Mapped[str] = mapped_column(sa.String(160))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Paris days of the start and of the end, computed once by app.timeutil.
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    location: Mapped[str] = mapped_column(sa.String(10), default="centre")
    place: Mapped[str] = mapped_column(sa.String(160), default="")
    capacity: Mapped[Optional[int]] = mapped_column(sa.Integer)
    registered: Mapped[Optional[int]] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(10), default="planned")
    # Events created together ("every Tuesday") share a series id.
    series_id: Mapped[Optional[uuid.UUID]] = mapped_column(sa.Uuid, index=True)
    # Persons who attended, once someone entered it (NULL: still to enter).
    attendance: Mapped[Optional[int]] = mapped_column(sa.Integer)
    attendance_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    attendance_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    # Digest of the submitted payload: the same UUID with another payload is a conflict.
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    event_type: Mapped[EventType] = relationship()
    site: Mapped[Site] = relationship()
    poles: Mapped[list[Pole]] = relationship(secondary=event_poles, order_by=Pole.position)
    partners: Mapped[list[Partner]] = relationship(secondary=event_partners,
                                                   order_by=Partner.position)
    splits: Mapped[list["EventAttendanceSplit"]] = relationship(
        back_populates="event", cascade="all, delete-orphan")

    @property
    def outside(self) -> bool:
        """Tell whether the event takes place outside the centre."""
        return self.location == "outside"


class EventAttendanceSplit(db.Model):
    """Persons of an event's attendance with one profile option (a split may be partial)."""

    __tablename__ = "event_attendance_splits"
    __table_args__ = (
        sa.CheckConstraint("persons >= 0", name="persons_positive"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    option_id: Mapped[int] = mapped_column(sa.ForeignKey("profile_options.id"), primary_key=True)
    persons: Mapped[int] = mapped_column(sa.Integer)

    event: Mapped[Event] = relationship(back_populates="splits")
