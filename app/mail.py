"""Sending e-mail over SMTP (stdlib smtplib), configured by the ``SMTP_*`` settings.

Sending is a courtesy, never part of the action that caused it: every
failure is logged and reported as False, nothing is raised.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Mapping

log = logging.getLogger(__name__)


def configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SMTP_HOST"))


def sender(config: Mapping[str, Any]) -> str:
    return config.get("SMTP_FROM") or config.get("SMTP_USER") or "prozesslotse@localhost"


def send(config: Mapping[str, Any], to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; False (and a log entry) when unconfigured or anything fails."""
    if not configured(config) or not to:
        return False
    message = EmailMessage()
    message["From"] = sender(config)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="prozesslotse")
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587),
                          timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 10)) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.error("E-Mail an %s konnte nicht gesendet werden: %s", to, exc)
        return False
