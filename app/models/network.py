"""The regional network: each site's closures and services, the sites an account serves."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.flow import DESTINATION_KINDS
from app.models.reference import Site
from app.models.types import UTCDateTime, now_utc

# What a site may offer besides its poles: the destinations a tablet shows.
OFFERED_DESTINATIONS = tuple(kind for kind in DESTINATION_KINDS if kind != "pole")

site_poles = sa.Table(
    "site_poles",
    db.metadata,
    sa.Column("site_id", sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("pole_id", sa.ForeignKey("poles.id"), primary_key=True),
)


class SiteDestination(db.Model):
    """A destination other than a pole (documentation, cyber...) that a site offers."""

    __tablename__ = "site_destinations"
    __table_args__ = (
        sa.CheckConstraint(f"destination_kind IN {OFFERED_DESTINATIONS!r}",
                           name="destination_offered_known"),
    )

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"),
                                         primary_key=True)
    destination_kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)


class SiteClosure(db.Model):
    """Days a site closes beyond public holidays (Christmas week, works...), with the reason."""

    __tablename__ = "site_closures"
    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"),
                                         index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    site: Mapped[Site] = relationship(back_populates="closures")

    def covers(self, day: date) -> bool:
        """Tell whether the site is closed on day by this closure."""
        return self.start_date <= day <= self.end_date

    def __repr__(self) -> str:
        return f"<SiteClosure {self.site_id} {self.start_date}..{self.end_date}>"


# The sites an account serves besides its home site (users.site_id): partners' counsellors
# rotate between centres and record only where they serve.
user_sites = sa.Table(
    "user_sites",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_id", sa.ForeignKey("sites.id"), primary_key=True),
)
