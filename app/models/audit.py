"""Audit trail and scheduled-run bookkeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, now_utc
from app.models.users import User


class AuditEvent(db.Model):
    """Who changed what, and when: undo at reception, corrections of interviews, admin edits."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    # {"field": [old, new], ...}; never free text a visitor could be named in.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    user: Mapped[Optional[User]] = relationship()


class JobRun(db.Model):
    """One run of a scheduled job for one period; the unique key makes runs exactly-once."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    period_key: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(sa.Text, default="")
    files: Mapped[list] = mapped_column(sa.JSON, default=list)
    host: Mapped[str] = mapped_column(sa.String(120), default="")
