"""The visitor flow: arrivals logged at reception, and reorientations between poles."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.reference import EventType, Partner, Pole, ProfileOption, ReceptionPoint, Site
from app.models.types import UTCDateTime, now_utc

ENTRY_KINDS = ("arrival", "reorientation")
# Where a visitor is sent. "pole" and "partner" also name which one.
DESTINATION_KINDS = ("pole", "documentation", "cyber", "event", "desk", "partner")


class ProfileMixin:
    """A coarse, optional visitor profile: each part may stay unstated (NULL)."""

    status_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("profile_options.id"))
    age_band_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("profile_options.id"))
    gender_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("profile_options.id"))
    first_visit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("profile_options.id"))


class FlowEntry(ProfileMixin, db.Model):
    """One tap at reception (or a reorientation an interview recorded).

    The primary key is the UUID the tablet made when the agent tapped: the database itself
    refuses a second row for a replayed entry.
    """

    __tablename__ = "flow_entries"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {ENTRY_KINDS!r}", name="kind_known"),
        sa.CheckConstraint(f"destination_kind IN {DESTINATION_KINDS!r}", name="destination_known"),
        sa.CheckConstraint("party_size >= 1", name="party_size_positive"),
        sa.Index("ix_flow_entries_site_day", "site_id", "local_date"),
        # Network-wide statistics filter by kind and day without a site.
        sa.Index("ix_flow_entries_kind_day", "kind", "local_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Paris day and hour of occurred_at, computed once by app.timeutil at insert time.
    local_date: Mapped[date] = mapped_column(sa.Date, index=True)
    local_hour: Mapped[int] = mapped_column(sa.SmallInteger)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    reception_point_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("reception_points.id"))
    destination_kind: Mapped[str] = mapped_column(sa.String(16))
    destination_pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))
    destination_partner_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("partners.id"))
    event_type_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("event_types.id"))
    # The planned event the visitor came for, when the agent picked one (issue 9).
    event_id: Mapped[Optional[uuid.UUID]] = mapped_column(sa.ForeignKey("events.id"), index=True)
    from_pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))
    party_size: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    # Set when an interview's "reoriented" outcome produced this entry.
    interview_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    # Digest of the submitted payload: the same UUID with another payload is a conflict.
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))

    site: Mapped[Site] = relationship()
    reception_point: Mapped[Optional[ReceptionPoint]] = relationship()
    destination_pole: Mapped[Optional[Pole]] = relationship(foreign_keys=[destination_pole_id])
    destination_partner: Mapped[Optional[Partner]] = relationship()
    event_type: Mapped[Optional[EventType]] = relationship()
    from_pole: Mapped[Optional[Pole]] = relationship(foreign_keys=[from_pole_id])
    status: Mapped[Optional[ProfileOption]] = relationship(foreign_keys="FlowEntry.status_id")
    age_band: Mapped[Optional[ProfileOption]] = relationship(foreign_keys="FlowEntry.age_band_id")
    gender: Mapped[Optional[ProfileOption]] = relationship(foreign_keys="FlowEntry.gender_id")
    first_visit: Mapped[Optional[ProfileOption]] = relationship(
        foreign_keys="FlowEntry.first_visit_id"
    )

    @property
    def destination_code(self) -> str:
        """Return the destination as the API spells it (a pole code, 'partner:<code>'...)."""
        if self.destination_kind == "pole":
            return self.destination_pole.code
        if self.destination_kind == "partner":
            return f"partner:{self.destination_partner.code}"
        return self.destination_kind
