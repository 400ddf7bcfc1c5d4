"""Counselling interviews, recorded by counsellors without personal data."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.flow import ProfileMixin
from app.models.reference import Outcome, Partner, Pole, ProfileOption, Site, Theme
from app.models.types import UTCDateTime, now_utc
from app.models.users import User

CHANNELS = ("in_person", "phone", "video")

interview_themes = sa.Table(
    "interview_themes",
    db.metadata,
    sa.Column(
        "interview_id", sa.Uuid, sa.ForeignKey("interviews.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("theme_id", sa.ForeignKey("themes.id"), primary_key=True),
)


class Interview(ProfileMixin, db.Model):
    """One walk-in interview. The UUID is made by the counsellor's browser."""

    __tablename__ = "interviews"
    __table_args__ = (
        sa.CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        sa.CheckConstraint("duration_min > 0", name="duration_positive"),
        sa.Index("ix_interviews_site_day", "site_id", "local_date"),
        # Lets the theme and outcome joins of the dashboard read ids by day from the index.
        sa.Index("ix_interviews_day_cover", "local_date", "deleted_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(sa.Date, index=True)
    local_hour: Mapped[int] = mapped_column(sa.SmallInteger)
    duration_min: Mapped[int] = mapped_column(sa.SmallInteger)
    channel: Mapped[str] = mapped_column(sa.String(16))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    pole_id: Mapped[int] = mapped_column(sa.ForeignKey("poles.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    counsellor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    note: Mapped[str] = mapped_column(sa.String(280), default="")
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    deleted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))

    site: Mapped[Site] = relationship()
    pole: Mapped[Pole] = relationship()
    partner: Mapped[Partner] = relationship()
    counsellor: Mapped[User] = relationship(foreign_keys=[counsellor_id])
    status: Mapped[Optional[ProfileOption]] = relationship(foreign_keys="Interview.status_id")
    age_band: Mapped[Optional[ProfileOption]] = relationship(foreign_keys="Interview.age_band_id")
    gender: Mapped[Optional[ProfileOption]] = relationship(foreign_keys="Interview.gender_id")
    first_visit: Mapped[Optional[ProfileOption]] = relationship(
        foreign_keys="Interview.first_visit_id"
    )
    themes: Mapped[list[Theme]] = relationship(secondary=interview_themes, order_by=Theme.position)
    outcomes: Mapped[list["InterviewOutcome"]] = relationship(
        back_populates="interview", cascade="all, delete-orphan"
    )


class InterviewOutcome(db.Model):
    """An outcome of an interview, with the partner or pole it points at where it has one."""

    __tablename__ = "interview_outcomes"
    __table_args__ = (sa.UniqueConstraint("interview_id", "outcome_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    outcome_id: Mapped[int] = mapped_column(sa.ForeignKey("outcomes.id"))
    target_partner_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("partners.id"))
    target_pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))

    interview: Mapped[Interview] = relationship(back_populates="outcomes")
    outcome: Mapped[Outcome] = relationship()
    target_partner: Mapped[Optional[Partner]] = relationship()
    target_pole: Mapped[Optional[Pole]] = relationship()
