"""Users and API tokens: password hashing (argon2) and hashed, revocable tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ApiTokenRow, MunicipalityRow, UserRow

ROLES = ("clerk", "modeller", "admin")
_hasher = PasswordHasher()


class UserError(ValueError):
    """A user cannot be created as asked; the message is German for the caller."""


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
    if len(password) < 8:
        raise UserError("Das Passwort muss mindestens 8 Zeichen lang sein.")
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


def issue_token(session: Session, user: UserRow) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiTokenRow(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> UserRow | None:
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = datetime.now(timezone.utc)
    return row.user


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(timezone.utc)
    return True


_DUMMY_HASH = _hasher.hash("prozesslotse-timing-guard")
