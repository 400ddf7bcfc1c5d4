"""Accounts: who logs in, with which role, for which site."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.access import holds_role, site_ids_of
from app.extensions import db
from app.models.network import user_sites
from app.models.reference import Partner, Pole, Site
from app.models.types import UTCDateTime, now_utc

# A director sees their own site; a network director every site and their consolidation;
# a kiosk account only answers the exit satisfaction question (issue 11).
ROLES = ("agent", "counsellor", "director", "network-director", "admin", "kiosk")


class User(UserMixin, db.Model):
    """A staff account. Visitors never have one."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))
    partner_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("partners.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped at logout and password change: copied session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # Superseded by LoginThrottle (a lock per account let anyone lock anyone out); no
    # longer set, kept until the admin tests stop reading them.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # Set when someone else chose the password (admin creation, reset, CLI): the account
    # must choose its own before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Remembered form defaults (interview channel, duration...).
    preferences: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    site: Mapped[Site] = relationship()
    # Sites served besides the home site (app/access.py reads them).
    other_sites: Mapped[list[Site]] = relationship(secondary="user_sites",
                                                   order_by="Site.position")
    pole: Mapped[Optional[Pole]] = relationship()
    partner: Mapped[Optional[Partner]] = relationship()

    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    def get_id(self) -> str:
        """Identify the session by user and session version (see PITFALLS: logout)."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        """Tell whether the account holds one of the roles (a network director is a director)."""
        return holds_role(self, *roles)

    @property
    def extra_site_ids(self) -> frozenset[int]:
        """Return the ids of the sites served besides the home site (read once per request)."""
        if "other_sites" in self.__dict__:
            return frozenset(site.id for site in self.other_sites)
        cached = self.__dict__.get("_extra_site_ids")
        if cached is None:
            # The ids alone, not the sites: capture never reads a reference table (issue 8).
            cached = frozenset(db.session.scalars(
                sa.select(user_sites.c.site_id).where(user_sites.c.user_id == self.id)))
            self.__dict__["_extra_site_ids"] = cached
        return cached

    @property
    def site_ids(self) -> frozenset[int] | None:
        """Return the ids of the sites the account works at, or None for every site."""
        return site_ids_of(self)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginThrottle(db.Model):
    """Recent login failures of one typed username from one source address.

    Keyed by the name as typed, not by account: an unknown name is throttled exactly like
    an existing one, so the answers never tell them apart. Keyed by source as well: a
    guesser elsewhere never slows the reception floor, whose tablets share one address.
    """

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc,
                                                      index=True)
    # No attempt from this source on this name is checked before then.
    blocked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    @staticmethod
    def key_for(username: str) -> str:
        """Return the name a row is kept under: as typed, trimmed, case folded."""
        return username.strip().lower()[:80]

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.username} {self.source} {self.failures}>"
