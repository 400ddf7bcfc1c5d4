"""Subscriptions to the reports: who receives which report by e-mail (sent by
app.jobs.deliveries at each scheduler pass)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.access import site_ids_of
from app.extensions import db
from app.models import ReportDelivery, ReportSubscription, Site
from app.models.bilan import NETWORK, SUBSCRIPTION_FORMATS, SUBSCRIPTION_REPORTS

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class SubscriptionRefused(ValueError):
    """A subscription cannot be made; field names it and message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def subscribe(email: str, report: str, edition: str, site_code: str | None, fmt: str,
              user_id: int | None) -> ReportSubscription:
    """Add a subscription; raise SubscriptionRefused naming the field."""
    email = (email or "").strip()
    if len(email) > 254 or not EMAIL.match(email):
        raise SubscriptionRefused("email", _("adresse électronique invalide"))
    if report not in SUBSCRIPTION_REPORTS:
        raise SubscriptionRefused("report", _("rapport inconnu"))
    if edition not in ("internal", "public"):
        raise SubscriptionRefused("edition", _("édition inconnue"))
    if fmt not in SUBSCRIPTION_FORMATS:
        raise SubscriptionRefused("fmt", _("format inconnu"))
    if fmt == "pdf" and report != "annual":
        raise SubscriptionRefused("fmt", _("le PDF n'existe que pour le bilan annuel"))
    if report != "annual" and edition != "internal":
        raise SubscriptionRefused("edition", _("les synthèses hebdomadaire et mensuelle "
                                               "n'existent qu'en édition interne"))
    scope = site_code or NETWORK
    if site_code and db.session.scalar(sa.select(Site.id).where(Site.code == site_code)) is None:
        raise SubscriptionRefused("site", _("site inconnu"))
    same = db.session.scalar(sa.select(ReportSubscription.id).where(
        sa.func.lower(ReportSubscription.email) == email.lower(),
        ReportSubscription.report == report, ReportSubscription.edition == edition,
        ReportSubscription.scope == scope, ReportSubscription.fmt == fmt,
        ReportSubscription.active))
    if same is not None:
        raise SubscriptionRefused("email", _("cette adresse reçoit déjà ce rapport"))
    row = ReportSubscription(email=email, report=report, edition=edition, scope=scope, fmt=fmt,
                             created_by_id=user_id)
    db.session.add(row)
    db.session.commit()
    return row


def _scopes_of(user) -> set[str] | None:
    """Return the scopes (site codes) of the subscriptions user may see; None for all."""
    ids = site_ids_of(user) if user is not None else None
    if ids is None:
        return None
    return set(db.session.scalars(sa.select(Site.code).where(Site.id.in_(ids))))


def unsubscribe(subscription_id: int, user=None) -> bool:
    """Stop a subscription (kept, with its deliveries, for the record); False if unknown.

    A site director sees and stops only their own sites' subscriptions (issue 10).
    """
    row = db.session.get(ReportSubscription, subscription_id)
    scopes = _scopes_of(user)
    if row is None or not row.active or (scopes is not None and row.scope not in scopes):
        return False
    row.active = False
    db.session.commit()
    return True


@dataclass(frozen=True)
class SubscriptionRow:
    """A subscription as the Reports page lists it, with its latest delivery."""

    id: int
    email: str
    report: str
    edition: str
    scope: str
    fmt: str
    last_period: str | None
    last_status: str | None
    last_error: str
    attempts: int
    sent_at: datetime | None


def list_subscriptions(user=None) -> list[SubscriptionRow]:
    """Return the active subscriptions (those of user's sites), each with its latest delivery."""
    subscriptions = db.session.scalars(sa.select(ReportSubscription).where(
        ReportSubscription.active).order_by(ReportSubscription.report, ReportSubscription.email))
    scopes = _scopes_of(user)
    rows = []
    for sub in subscriptions:
        if scopes is not None and sub.scope not in scopes:
            continue
        last = db.session.scalar(sa.select(ReportDelivery).where(
            ReportDelivery.subscription_id == sub.id).order_by(ReportDelivery.id.desc()).limit(1))
        rows.append(SubscriptionRow(
            sub.id, sub.email, sub.report, sub.edition, sub.scope, sub.fmt,
            last.period_key if last else None, last.status if last else None,
            last.error if last else "", last.attempts if last else 0,
            last.sent_at if last else None))
    return rows


