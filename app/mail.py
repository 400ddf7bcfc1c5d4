"""Send one e-mail with an attachment through the configured SMTP server (stdlib smtplib)."""

from __future__ import annotations

import mimetypes
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app


class MailNotConfigured(RuntimeError):
    """MAIL_SERVER is not set: nothing can be sent."""


def send(to: str, subject: str, body: str, attachment: Path) -> str:
    """Send the message; return its Message-ID. Raise on any refusal (smtplib's errors)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailNotConfigured("MAIL_SERVER n'est pas défini : aucun courriel ne peut partir.")
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    kind, _encoding = mimetypes.guess_type(attachment.name)
    maintype, subtype = (kind or "application/octet-stream").split("/", 1)
    message.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=attachment.name)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]),
                      timeout=config.get("MAIL_TIMEOUT_SECONDS", 30)) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
    return message["Message-ID"]
