"""The past years: monthly aggregates imported from a workbook, and the batches that brought them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, now_utc

# What a monthly aggregate counts: persons welcomed, persons sent to a destination,
# interviews held in a pole, events of a type and the persons who attended them.
HISTORY_MEASURES = ("visitors", "orientations", "interviews", "events", "attendance")
BATCH_STATUSES = ("pending", "applied", "discarded")


class HistoryBatch(db.Model):
    """One upload of the history workbook: parsed rows kept server-side until confirmed."""

    __tablename__ = "history_batches"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="history_batch_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A random token names the batch in the confirm form: ids are guessable, tokens are not.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(sa.String(16), default="web")  # web or cli
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    # The validated rows, as plain codes and numbers: the preview never re-reads the file.
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)
    added: Mapped[int] = mapped_column(default=0)
    replaced: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    captured_months: Mapped[int] = mapped_column(default=0)
    applied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())


class HistoryMonth(db.Model):
    """One imported figure of one site and month (an aggregate: no visitor behind it)."""

    __tablename__ = "history_months"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "month", "measure", "key", name="uq_history_months_key"),
        sa.CheckConstraint(f"measure IN {HISTORY_MEASURES!r}", name="history_measure_known"),
        sa.CheckConstraint("value >= 0", name="history_value_not_negative"),
        sa.Index("ix_history_months_month_site", "month", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"))
    month: Mapped[date] = mapped_column(sa.Date)  # the first day of the month
    measure: Mapped[str] = mapped_column(sa.String(16))
    # What the figure is broken down by, as one unique text: "" (visitors), a fixed
    # destination ("cyber"), "pole:<id>" or "event_type:<id>".
    key: Mapped[str] = mapped_column(sa.String(40), default="")
    destination: Mapped[Optional[str]] = mapped_column(sa.String(16))
    pole_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("poles.id"))
    event_type_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("event_types.id"))
    value: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("history_batches.id"))
