"""First run: with no user in the database, one set-up page creates the first admin and municipality.

Who may use it: a browser on the same machine (loopback), or anyone holding
the one-time token that ``python -m app.serve`` prints with the URL (the
token lives in ``<data dir>/setup-token``, readable only by the service).
Two concurrent submissions create one admin: each first inserts the single
row of ``instance_setup`` (id 1); the loser's insert fails.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.storage.models import InstanceSetupRow, UserRow
from app.storage.profiles import ensure_municipality
from app.storage.users import create_user

TOKEN_FILE = "setup-token"


class SetupClosed(Exception):
    """Somebody has set the instance up already (or is doing so right now)."""


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(UserRow)))


def token_path(data_dir: Path) -> Path:
    return Path(data_dir) / TOKEN_FILE


def issue_token(data_dir: Path) -> str:
    """A new one-time token, replacing an older one."""
    token = secrets.token_urlsafe(24)
    path = token_path(data_dir)
    path.write_text(token, encoding="utf-8")
    path.chmod(0o600)
    return token


def token_matches(data_dir: Path, given: str | None) -> bool:
    try:
        expected = token_path(data_dir).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return bool(given and expected) and hmac.compare_digest(expected.encode(), given.strip().encode())


def forget_token(data_dir: Path) -> None:
    token_path(data_dir).unlink(missing_ok=True)


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def token_if_needed(data_dir: Path, database_url: str) -> str | None:
    """For ``app.serve``: a fresh token when the database has no user yet, else None (and no token file)."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            empty = not has_users(session)
    finally:
        engine.dispose()
    if not empty:
        forget_token(data_dir)
        return None
    return issue_token(data_dir)


def create_first_admin(session: Session, *, username: str, password: str, municipality: str,
                       land: str | None, email: str | None) -> UserRow:
    """Create the first admin in one transaction; SetupClosed if a user exists or a parallel set-up won."""
    try:
        session.add(InstanceSetupRow(id=1))
        session.flush()
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        raise SetupClosed() from exc
    if has_users(session):
        session.rollback()
        raise SetupClosed()
    row = ensure_municipality(session, municipality, land)
    user = create_user(session, username, password, "admin", row)  # UserError: German reason
    user.email = email
    try:
        session.commit()
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        raise SetupClosed() from exc
    return user
