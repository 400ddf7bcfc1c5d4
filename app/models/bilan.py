"""The bilan's foreword, report subscriptions and their deliveries, report fingerprints."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, now_utc

SUBSCRIPTION_REPORTS = ("weekly", "monthly", "annual")
SUBSCRIPTION_FORMATS = ("pdf", "xlsx")
DELIVERY_STATUSES = ("sending", "sent", "failed", "empty")
# The scope of a foreword or a subscription: a site code, or this word for every site.
NETWORK = "reseau"


class BilanForeword(db.Model):
    """The director's foreword to one year's bilan, for one site or the whole network."""

    __tablename__ = "bilan_forewords"
    __table_args__ = (sa.UniqueConstraint("year", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    scope: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))


class ReportSubscription(db.Model):
    """An address that receives a report by e-mail each period."""

    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    report: Mapped[str] = mapped_column(sa.String(16))
    edition: Mapped[str] = mapped_column(sa.String(16), default="internal")
    scope: Mapped[str] = mapped_column(sa.String(40), default=NETWORK)
    fmt: Mapped[str] = mapped_column(sa.String(8), default="pdf")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))


class ReportDelivery(db.Model):
    """One period's report sent (or being sent) to one subscription: unique, so sent once."""

    __tablename__ = "report_deliveries"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("report_subscriptions.id"),
                                                 index=True)
    period_key: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16), default="sending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    attachment: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())


class ReportStamp(db.Model):
    """The fingerprint of the figures a scheduled run compiled; stale once they change."""

    __tablename__ = "report_stamps"

    run_id: Mapped[int] = mapped_column(sa.ForeignKey("job_runs.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    stale_since: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
