"""Reference lists an administrator maintains: sites, reception points, poles, partners..."""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.vocabulary import in_language

PROFILE_CATEGORIES = ("status", "age_band", "gender", "first_visit")


class ReferenceMixin:
    """Code, label, order and an active flag: reference rows are deactivated, never deleted.

    The label is French, with an optional English one. ``row.label`` reads in the page's
    language (English falls back to French); in SQL, ``Model.label`` is the French column,
    which the reports print on purpose. ``label_fr`` and ``label_en`` are the stored texts.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    label_fr: Mapped[str] = mapped_column("label", sa.String(160))
    label_en: Mapped[Optional[str]] = mapped_column(sa.String(160))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Set when an administrator edits the row, so seeding never overwrites the change.
    customised: Mapped[bool] = mapped_column(default=False)

    @hybrid_property
    def label(self) -> str:
        """Return the label in the page's language."""
        return in_language(self.label_fr, self.label_en)

    @label.inplace.setter
    def _label_setter(self, value: str) -> None:
        self.label_fr = value

    @label.inplace.expression
    @classmethod
    def _label_expression(cls):
        return cls.label_fr

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Site(ReferenceMixin, db.Model):
    """A Cité des Métiers site or one of its associated centres."""

    __tablename__ = "sites"
    __table_args__ = (sa.UniqueConstraint("code"),)

    city: Mapped[str] = mapped_column(sa.String(120), default="")
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("sites.id"))
    # {"0": [["10:00", "12:30"], ["13:30", "18:00"]], ...} keyed by ISO weekday - 1 (Monday
    # is "0"): the day's opening ranges. A single ["10:00", "18:00"] (before issue 10) reads
    # as one range: app.stats.calendar.day_ranges reads both.
    opening_hours: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Weekdays on which counsellors hold interviews, same keys.
    interview_days: Mapped[list] = mapped_column(sa.JSON, default=list)
    # False once an administrator lists the services the site offers (app/models/network.py).
    offers_all_services: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    parent: Mapped[Optional["Site"]] = relationship(remote_side="Site.id")
    closures: Mapped[list["SiteClosure"]] = relationship(  # noqa: F821 (app.models.network)
        back_populates="site", order_by="SiteClosure.start_date")
    offered_poles: Mapped[list["Pole"]] = relationship(secondary="site_poles",
                                                       order_by="Pole.position")
    offered_destinations: Mapped[list["SiteDestination"]] = relationship(  # noqa: F821
        cascade="all, delete-orphan")
    reception_points: Mapped[list["ReceptionPoint"]] = relationship(
        back_populates="site", order_by="ReceptionPoint.position"
    )


class ReceptionPoint(ReferenceMixin, db.Model):
    """A reception desk, one per floor, where agents log arrivals."""

    __tablename__ = "reception_points"
    __table_args__ = (sa.UniqueConstraint("code"),)

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    floor: Mapped[str] = mapped_column(sa.String(60), default="")

    site: Mapped[Site] = relationship(back_populates="reception_points")


class Pole(ReferenceMixin, db.Model):
    """A counselling pole: a field of professional life."""

    __tablename__ = "poles"
    __table_args__ = (sa.UniqueConstraint("code"),)

    short_label_fr: Mapped[str] = mapped_column("short_label", sa.String(60), default="")
    short_label_en: Mapped[Optional[str]] = mapped_column(sa.String(60))

    @hybrid_property
    def short_label(self) -> str:
        """Return the short label (tablet buttons) in the page's language."""
        return in_language(self.short_label_fr, self.short_label_en)

    @short_label.inplace.setter
    def _short_label_setter(self, value: str) -> None:
        self.short_label_fr = value

    @short_label.inplace.expression
    @classmethod
    def _short_label_expression(cls):
        return cls.short_label_fr


class Partner(ReferenceMixin, db.Model):
    """A partner institution: seconds counsellors, or receives visitors sent out to it."""

    __tablename__ = "partners"
    __table_args__ = (sa.UniqueConstraint("code"),)

    description: Mapped[str] = mapped_column(sa.String(300), default="")
    seconds_counsellors: Mapped[bool] = mapped_column(default=False)
    # The institution's own public contacts; the privacy guard lets them through.
    public_contacts: Mapped[list] = mapped_column(sa.JSON, default=list)


class ProfileOption(ReferenceMixin, db.Model):
    """One value of a coarse profile category (status, age band, gender, first visit)."""

    __tablename__ = "profile_options"
    __table_args__ = (sa.UniqueConstraint("category", "code"),)

    category: Mapped[str] = mapped_column(sa.String(20), index=True)


class EventType(ReferenceMixin, db.Model):
    """A kind of event visitors can be sent to: workshop, information session, forum..."""

    __tablename__ = "event_types"
    __table_args__ = (sa.UniqueConstraint("code"),)


class Theme(ReferenceMixin, db.Model):
    """A theme of a visitor's question, listed under a pole."""

    __tablename__ = "themes"
    __table_args__ = (sa.UniqueConstraint("code"),)

    pole_id: Mapped[int] = mapped_column(sa.ForeignKey("poles.id"), index=True)
    pole: Mapped[Pole] = relationship()


class Outcome(ReferenceMixin, db.Model):
    """What followed an interview; some outcomes name a target partner or pole."""

    __tablename__ = "outcomes"
    __table_args__ = (sa.UniqueConstraint("code"),)

    # None, "partner" or "pole": what the outcome points at.
    target_kind: Mapped[Optional[str]] = mapped_column(sa.String(10))
