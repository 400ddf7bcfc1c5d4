"""Reports e-mailed on schedule, against a real SMTP server (aiosmtpd) the suite starts."""

from __future__ import annotations

import email
import io
import socket
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from pypdf import PdfReader

from app import jobs
from app.extensions import db
from app.models import ReportDelivery
from tests.conftest import Auth
from tests.factories import Builder
from tests.test_jobs import empty_reports, fixed, paris  # noqa: F401 (fixture)


class Inbox:
    """An SMTP handler that keeps each message, after refusing the first `refuse` ones."""

    def __init__(self, refuse: int = 0):
        self.refuse = refuse
        self.messages: list[email.message.EmailMessage] = []
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    """Start a real SMTP server on loopback and point the app's MAIL_* settings at it."""
    servers = []

    def start(refuse: int = 0) -> Inbox:
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        controller.start()
        servers.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                          MAIL_FROM="affluence@cite-des-metiers.test", MAIL_USE_TLS=False)
        return inbox

    yield start
    for controller in servers:
        controller.stop()
    app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def _director(app, make_user, role: str = "network-director", **kwargs) -> Auth:
    client = app.test_client()
    auth = Auth(client)
    auth.login(make_user(role, **kwargs).username)
    return auth


def _subscribe(auth: Auth, **fields):
    data = {"csrf_token": auth.token, "subscription-edition": "internal",
            "subscription-site": "", "subscription-fmt": "xlsx"}
    data.update({f"subscription-{name}": value for name, value in fields.items()})
    return auth.client.post("/rapports/abonnements", data=data)


def _deliveries() -> list[tuple[str, str, int]]:
    rows = db.session.execute(sa.select(ReportDelivery.period_key, ReportDelivery.status,
                                        ReportDelivery.attempts)
                              .order_by(ReportDelivery.id)).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def test_a_bad_subscription_is_refused_naming_the_field(app, make_user):
    auth = _director(app, make_user)
    bad = _subscribe(auth, email="not an address", report="monthly")
    assert bad.status_code == 400
    assert "Adresse électronique" in bad.get_data(as_text=True)
    weekly_pdf = _subscribe(auth, email="direction@cite.test", report="weekly", fmt="pdf")
    assert weekly_pdf.status_code == 400
    assert "le PDF n&#39;existe que pour le bilan annuel" in weekly_pdf.get_data(as_text=True)
    assert _subscribe(auth, email="direction@cite.test", report="monthly").status_code == 302
    again = _subscribe(auth, email="Direction@cite.test", report="monthly")
    assert again.status_code == 400 and "reçoit déjà ce rapport" in again.get_data(as_text=True)


def test_the_bilan_reaches_its_subscriber_once_with_its_pdf(app, make_user, smtp,
                                                           empty_reports):
    inbox = smtp()
    build = Builder(app)
    for day in range(1, 25):
        build.entry(f"2025-03-{day:02d}T10:00+01:00", party=2)
    auth = _director(app, make_user)
    assert _subscribe(auth, email="comite@partenaire.test", report="annual", edition="public",
                      fmt="pdf").status_code == 302
    with app.app_context():
        jobs.catch_up(clock=fixed(paris(2026, 1, 2, 7)), only=["annual"])
        jobs.catch_up(clock=fixed(paris(2026, 1, 2, 8)), only=["annual"])
        assert _deliveries() == [("2025", "sent", 1)]
    [message] = inbox.messages
    assert message["To"] == "comite@partenaire.test"
    assert message["Subject"] == "Affluence — Bilan d'activité annuel 2025 (réseau)"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "bilan_2025_reseau_public.pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        attachment.get_content())).pages)
    assert "Visiteurs accueillis (personnes) 48" in text.replace("\n", " ")
    page = auth.client.get("/rapports/").get_data(as_text=True)
    assert "comite@partenaire.test" in page and "Envoyé" in page


def test_a_refusing_server_is_tried_again_until_it_accepts(app, make_user, smtp,
                                                          empty_reports):
    inbox = smtp(refuse=1)
    Builder(app).entry("2025-11-12T10:00+01:00", party=3)
    auth = _director(app, make_user)
    _subscribe(auth, email="direction@cite.test", report="monthly")
    with app.app_context():
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 7)), only=["monthly"])
        assert _deliveries() == [("2025-11", "failed", 1)]
        error = db.session.scalar(sa.select(ReportDelivery.error))
        assert "451" in error and "try again later" in error
        # Too early for the next try (five minutes later at the soonest).
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 7, 2)), only=["monthly"])
        assert _deliveries() == [("2025-11", "failed", 1)]
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 8)), only=["monthly"])
        assert _deliveries() == [("2025-11", "sent", 2)]
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 9)), only=["monthly"])
    assert inbox.refused == 1
    [message] = inbox.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "affluence_mensuel_2025-11_reseau.xlsx"
    summary = load_workbook(io.BytesIO(attachment.get_content()))["Synthèse"]
    values = {row[0].value: row[1].value for row in summary.iter_rows() if row[0].value}
    assert values["Visiteurs accueillis (personnes)"] == 3


def test_a_period_without_data_is_not_sent(app, make_user, smtp, empty_reports):
    inbox = smtp()
    auth = _director(app, make_user)
    _subscribe(auth, email="direction@cite.test", report="weekly")
    with app.app_context():
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 8)), only=["weekly"])
        assert _deliveries() == [("2025-W48", "empty", 0)]
    assert inbox.messages == []
    assert "Aucune donnée, rien envoyé" in auth.client.get("/rapports/").get_data(as_text=True)


def test_without_a_mail_server_nothing_is_claimed_and_the_page_says_so(app, make_user,
                                                                      empty_reports):
    Builder(app).entry("2025-11-12T10:00+01:00", party=3)
    auth = _director(app, make_user)
    _subscribe(auth, email="direction@cite.test", report="monthly")
    with app.app_context():
        jobs.catch_up(clock=fixed(paris(2025, 12, 1, 7)), only=["monthly"])
        assert _deliveries() == []
    page = auth.client.get("/rapports/").get_data(as_text=True)
    assert "Aucun serveur de courrier n'est configuré (MAIL_SERVER)" in page


def test_a_site_director_subscribes_and_sees_their_own_site_only(app, make_user):
    network = _director(app, make_user)
    assert _subscribe(network, email="reseau@cite.test", report="monthly").status_code == 302
    assert _subscribe(network, email="marseille@cite.test", report="monthly",
                      site="marseille").status_code == 302
    gap = _director(app, make_user, "director", site="gap")
    refused = _subscribe(gap, email="gap@cite.test", report="monthly")
    assert refused.status_code == 400  # the network's report is not theirs to send
    assert _subscribe(gap, email="marseille@cite.test", report="weekly",
                      site="marseille").status_code == 400
    assert _subscribe(gap, email="gap@cite.test", report="monthly", site="gap").status_code == 302
    page = gap.client.get("/rapports/").get_data(as_text=True)
    assert "gap@cite.test" in page
    assert "reseau@cite.test" not in page and "marseille@cite.test" not in page
    with app.app_context():
        from app.models import ReportSubscription
        ids = dict(db.session.execute(sa.select(ReportSubscription.email,
                                                ReportSubscription.id)).all())
        db.session.rollback()
    stop = gap.client.post(f"/rapports/abonnements/{ids['reseau@cite.test']}/arreter",
                           data={"csrf_token": gap.token})
    assert stop.status_code == 404
    assert "reseau@cite.test" in network.client.get("/rapports/").get_data(as_text=True)
