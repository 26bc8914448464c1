"""Login throttling per (name, address) pair with growing delays, and a higher ceiling per address.

A name alone is never locked: an attacker elsewhere must not lock the right
user out. The right user at their own address sees at most the delay their
own mistakes caused. One address sending very many failures (a script, or a
whole office behind one NAT gone wrong) is refused for a while; an admin can
lift both. Failures live in the database so that all workers see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.storage.models import LoginAttemptRow

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 3          # per pair without any delay
BASE_DELAY_SECONDS = 2     # then 2, 4, 8, … seconds after the last failure
MAX_DELAY_SECONDS = 15 * 60
MAX_PER_IP = 100           # failures per address and window before the address is refused


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def pair_delay(failures: int) -> int:
    """Seconds to wait after the last of ``failures`` failures of one pair."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (failures - FREE_FAILURES))


def wait_seconds(session: Session, username: str, ip: str) -> int:
    """0 when a sign-in may be tried now, else how many seconds to wait."""
    now = _now()
    since = now - WINDOW
    count, last = session.execute(select(func.count(), func.max(LoginAttemptRow.at)).where(
        LoginAttemptRow.username == username.lower()[:100], LoginAttemptRow.ip == ip[:64],
        LoginAttemptRow.at >= since)).one()
    wait = 0
    if count and last is not None:
        wait = int((_aware(last) + timedelta(seconds=pair_delay(count)) - now).total_seconds() + 0.999)
    by_ip, first = session.execute(select(func.count(), func.min(LoginAttemptRow.at)).where(
        LoginAttemptRow.ip == ip[:64], LoginAttemptRow.at >= since)).one()
    if by_ip >= MAX_PER_IP and first is not None:
        wait = max(wait, int((_aware(first) + WINDOW - now).total_seconds() + 0.999))
    return max(0, wait)


def failed(session: Session, username: str, ip: str) -> None:
    session.add(LoginAttemptRow(username=username.lower()[:100], ip=ip[:64], at=_now()))
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < _now() - 2 * WINDOW))
    session.commit()


def succeeded(session: Session, username: str, ip: str) -> None:
    """The right password from this address clears this pair's failures (not those from elsewhere)."""
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.username == username.lower()[:100],
                                                  LoginAttemptRow.ip == ip[:64]))
    session.commit()


@dataclass(frozen=True)
class Throttled:
    username: str
    ip: str
    failures: int
    wait_seconds: int


def throttled(session: Session, usernames: set[str] | None = None) -> list[Throttled]:
    """Pairs that currently have to wait, for the admin page (``usernames`` limits to one municipality)."""
    since = _now() - WINDOW
    query = (select(LoginAttemptRow.username, LoginAttemptRow.ip, func.count())
             .where(LoginAttemptRow.at >= since).group_by(LoginAttemptRow.username, LoginAttemptRow.ip))
    if usernames is not None:
        query = query.where(LoginAttemptRow.username.in_({u.lower() for u in usernames}))
    result = []
    for username, ip, count in session.execute(query).all():
        wait = wait_seconds(session, username, ip)
        if wait > 0:
            result.append(Throttled(username, ip, count, wait))
    return sorted(result, key=lambda t: (t.username, t.ip))


def unlock(session: Session, username: str | None = None, ip: str | None = None) -> int:
    """Forget failures of a name (every address), of an address, or of one pair; returns how many."""
    if not username and not ip:
        return 0
    query = delete(LoginAttemptRow)
    if username:
        query = query.where(LoginAttemptRow.username == username.lower()[:100])
    if ip:
        query = query.where(LoginAttemptRow.ip == ip[:64])
    return session.execute(query).rowcount or 0


def locked_message(seconds: int) -> str:
    if seconds >= 120:
        span = f"{(seconds + 59) // 60} Minuten"
    else:
        span = f"{seconds} Sekunden" if seconds != 1 else "1 Sekunde"
    return (f"Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie {span} und versuchen Sie es dann erneut. "
            "Ihre Administration kann die Sperre auch aufheben.")
