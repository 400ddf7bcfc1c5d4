"""Reports e-mailed to their subscribers, exactly once per period and address.

Each active subscription receives the latest period of its report once the scheduler has
it due (the weekly summary on Monday, the monthly report on the 1st, the bilan on
2 January). A delivery row is claimed first: its unique (subscription, period) key lets
one process send it, once. A refused or failed send is retried at later passes, with a
growing delay; a period without figures is recorded as such and not sent.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app import mail
from app.extensions import db
from app.figures import trend
from app.figures.scope import Scope
from app.jobs.periods import Period
from app.jobs.runs import Clock
from app.models import ReportDelivery, ReportSubscription, Site
from app.models.bilan import NETWORK
from app.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
# A "sending" row this old was left by a process that died while sending.
SENDING_TIMEOUT = timedelta(minutes=30)



def _claim(subscription_id: int, period_key: str, now: datetime) -> int | None:
    """Claim the (subscription, period) delivery; return its id, or None if not ours now."""
    table = ReportDelivery.__table__
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn:
        try:
            with conn.begin():
                return conn.execute(sa.insert(table).values(
                    subscription_id=subscription_id, period_key=period_key, status="sending",
                    attempts=0, error="", attachment="", updated_at=now)).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            pass  # the unique key arbitrated: this period was claimed before
        with conn.begin():
            row = conn.execute(sa.select(table).where(
                table.c.subscription_id == subscription_id,
                table.c.period_key == period_key)).one()
            retry = (row.status == "failed" and row.attempts < MAX_ATTEMPTS
                     and row.next_attempt_at is not None and row.next_attempt_at <= now)
            abandoned = row.status == "sending" and row.updated_at < now - SENDING_TIMEOUT
            if not (retry or abandoned):
                return None
            # Compare-and-swap: of two passes at once, one only wins the retry.
            swapped = conn.execute(sa.update(table).where(
                table.c.id == row.id, table.c.status == row.status,
                table.c.updated_at == row.updated_at).values(status="sending", updated_at=now))
            return row.id if swapped.rowcount == 1 else None


def _finish(delivery_id: int, now: datetime, **values) -> None:
    table = ReportDelivery.__table__
    with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        conn.execute(sa.update(table).where(table.c.id == delivery_id)
                     .values(updated_at=now, **values))


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait before the next try after `attempts` failed ones."""
    return min(LONGEST_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


def _site_ids(scope: str) -> tuple[int, ...] | None:
    if scope == NETWORK:
        return None
    return tuple(db.session.scalars(sa.select(Site.id).where(Site.code == scope)))


def _compile(sub: ReportSubscription, period: Period, out_dir: Path) -> Path:
    """Write the file a subscription receives for a period; return its path."""
    from app.bilan import services as bilan
    from app.exports.service import write_annual_report, write_period_report

    site = None if sub.scope == NETWORK else sub.scope
    if sub.report == "annual" and sub.fmt == "pdf":
        return bilan.write_pdf(period.start.year, site, sub.edition, out_dir)
    if sub.report == "annual":
        return write_annual_report(period.start.year, site, sub.edition, out_dir)[0]
    kind = "hebdo" if sub.report == "weekly" else "mensuel"
    return write_period_report(kind, period.start, period.end, site, out_dir)[0]


def _subject(sub: ReportSubscription, period: Period, attachment: Path) -> str:
    from app.vocabulary import JOBS

    where = _("réseau") if sub.scope == NETWORK else sub.scope
    return f"Affluence — {JOBS[sub.report]} {period.key} ({where})"


def deliver_due(due: dict[str, Period], clock: Clock = utcnow) -> list[tuple[int, str, str]]:
    """Send every active subscription its report's latest due period; return what happened.

    due maps each report (weekly, monthly, annual) to its latest due period. Returns
    (subscription id, period key, status) for each delivery attempted.
    """
    if not current_app.config.get("MAIL_SERVER"):
        # No server: nothing is claimed, so nothing is lost once one is set (the Reports
        # page says so beside the subscriptions).
        return []
    subs = list(db.session.scalars(sa.select(ReportSubscription).where(
        ReportSubscription.active).order_by(ReportSubscription.id)))
    db.session.rollback()
    done = []
    files: dict[tuple, Path] = {}
    # The mails and their files speak French, whatever process sends them.
    with force_locale("fr"), tempfile.TemporaryDirectory(prefix="affluence-mail-") as folder:
        for sub in subs:
            period = due.get(sub.report)
            if period is None:
                continue
            now = clock()
            delivery_id = _claim(sub.id, period.key, now)
            if delivery_id is None:
                continue
            attempts = db.session.scalar(sa.select(ReportDelivery.attempts).where(
                ReportDelivery.id == delivery_id))
            if not trend.has_figures(Scope(period.start, period.end, _site_ids(sub.scope))):
                db.session.rollback()
                _finish(delivery_id, now, status="empty", error=_(
                    "Aucune donnée pour cette période : rien n'a été envoyé."))
                done.append((sub.id, period.key, "empty"))
                continue
            try:
                key = (sub.report, period.key, sub.scope, sub.edition, sub.fmt)
                if key not in files:
                    files[key] = _compile(sub, period, Path(folder) / str(len(files)))
                db.session.rollback()
                mail.send(sub.email, _subject(sub, period, files[key]),
                          _("Bonjour,\n\nVoici le rapport « %(report)s » de la période %(period)s, "
                            "en pièce jointe.\n\nAffluence",
                            report=_subject(sub, period, files[key]), period=period.key),
                          files[key])
            except Exception as exc:  # noqa: BLE001 - recorded and retried, never lost
                db.session.rollback()
                log.warning("subscription %s %s: %s", sub.id, period.key, exc)
                tries = (attempts or 0) + 1
                _finish(delivery_id, now, status="failed", attempts=tries,
                        error=f"{type(exc).__name__}: {exc}"[:2000],
                        next_attempt_at=(now + retry_delay(tries)
                                         if tries < MAX_ATTEMPTS else None))
                done.append((sub.id, period.key, "failed"))
                continue
            _finish(delivery_id, clock(), status="sent", attempts=(attempts or 0) + 1, error="",
                    attachment=files[key].name, sent_at=clock(), next_attempt_at=None)
            done.append((sub.id, period.key, "sent"))
    return done
