"""Login throttling: too many failed sign-ins for a name or from an address are refused for a while.

Failures are stored in the database so all gunicorn workers see them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.storage.models import LoginAttemptRow

WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_IP = 30


def locked(session: Session, username: str, ip: str) -> bool:
    since = datetime.now(timezone.utc) - WINDOW
    by_name = session.scalar(select(func.count()).select_from(LoginAttemptRow).where(
        LoginAttemptRow.username == username.lower(), LoginAttemptRow.at >= since)) or 0
    by_ip = session.scalar(select(func.count()).select_from(LoginAttemptRow).where(
        LoginAttemptRow.ip == ip, LoginAttemptRow.at >= since)) or 0
    return by_name >= MAX_PER_USERNAME or by_ip >= MAX_PER_IP


def failed(session: Session, username: str, ip: str) -> None:
    session.add(LoginAttemptRow(username=username.lower()[:100], ip=ip[:64]))
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < datetime.now(timezone.utc) - 2 * WINDOW))
    session.commit()


def succeeded(session: Session, username: str) -> None:
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.username == username.lower()))
    session.commit()


LOCKED_MESSAGE = ("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten und versuchen Sie es dann "
                  "erneut.")
