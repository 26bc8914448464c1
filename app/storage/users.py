"""Users and API tokens: password hashing (argon2) and hashed, revocable tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .passwords import password_problem

from .models import ApiTokenRow, MunicipalityRow, UserRow

ROLES = ("clerk", "modeller", "admin")
_hasher = PasswordHasher()
TOKEN_LIFETIME = timedelta(days=90)
# last_used_at is written at most this often: a bearer request must not need a write lock.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


class UserError(ValueError):
    """A user cannot be created as asked; the message is German for the caller."""


_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")


def email_problem(address: str | None) -> str | None:
    """A German reason why an (optional) e-mail address is refused; None when empty or plausible."""
    if not address:
        return None
    if len(address) > 254 or not _EMAIL.match(address):
        return "Bitte eine gültige E-Mail-Adresse angeben (z. B. name@kommune.de) oder das Feld leer lassen."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(session: Session, username: str, password: str, role: str, municipality: MunicipalityRow) -> UserRow:
    username = username.strip()
    if not username:
        raise UserError("Der Benutzername darf nicht leer sein.")
    if role not in ROLES:
        raise UserError(f"Unbekannte Rolle „{role}“. Erlaubt sind: {', '.join(ROLES)}.")
    reason = password_problem(password, username)
    if reason:
        raise UserError(reason)
    if session.scalar(select(UserRow).where(UserRow.username == username)):
        raise UserError(f"Den Benutzernamen „{username}“ gibt es schon.")
    user = UserRow(username=username, password_hash=hash_password(password), role=role, municipality=municipality)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None or not user.active:
        # Spend comparable time so that unknown names are not revealed by timing.
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def set_password(session: Session, user: UserRow, password: str) -> None:
    """A new password ends every other browser session of the user (their session version moves on)."""
    reason = password_problem(password, user.username)
    if reason:
        raise UserError(reason)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    end_sessions(user)


ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def set_one_time_password(user: UserRow) -> str:
    """An admin's reset: a random password the user must replace at the next sign-in; ends their sessions."""
    # Four groups of five from an alphabet without look-alikes (no 0/o, 1/l/i): easy to read out on the phone.
    password = "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(5)) for _ in range(4))
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(user)
    return password


def end_sessions(user: UserRow) -> None:
    user.session_version = (user.session_version or 0) + 1


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands times back without a zone; they are stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def issue_token(session: Session, user: UserRow, lifetime: timedelta | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    session.add(ApiTokenRow(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                            expires_at=now + (lifetime or TOKEN_LIFETIME)))
    session.flush()
    return token


class TokenExpired(Exception):
    """The token was valid but its lifetime is over."""


def user_for_token(session: Session, token: str) -> UserRow | None:
    """The token's user; sets ``last_used_at`` only when it is older than the touch interval."""
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = datetime.now(timezone.utc)
    expires = _aware(row.expires_at)
    if expires is not None and expires <= now:
        raise TokenExpired()
    last = _aware(row.last_used_at)
    if last is None or now - last >= TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user


def tokens_of(session: Session, user: UserRow) -> list[ApiTokenRow]:
    return list(session.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user.id)
                                .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id.desc())))


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(timezone.utc)
    return True


_DUMMY_HASH = _hasher.hash("prozesslotse-timing-guard")
