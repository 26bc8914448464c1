"""Password-reset links: signed, expiring, single use.

The link carries the user id and a fingerprint of the current password hash
and session version, signed with the app's secret (itsdangerous) and
timestamped. Using it sets a new password, which changes the fingerprint: the
same link (and every older one) is void afterwards, without a table of used
links.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.storage.models import UserRow

SALT = "prozesslotse.password-reset"


class ResetLinkInvalid(Exception):
    """German reason why the link cannot be used."""


def _fingerprint(user: UserRow) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.session_version or 0}".encode()).hexdigest()[:24]


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(secret: str, user: UserRow) -> str:
    return _serializer(secret).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(session: Session, secret: str, token: str, max_age_seconds: int) -> UserRow:
    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise ResetLinkInvalid("Der Link ist abgelaufen. Bitte fordern Sie einen neuen an.") from None
    except BadSignature:
        raise ResetLinkInvalid("Der Link ist ungültig. Bitte fordern Sie einen neuen an.") from None
    user = session.get(UserRow, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active or not hmac.compare_digest(str(data.get("f")), _fingerprint(user)):
        raise ResetLinkInvalid("Der Link wurde schon benutzt oder ist nicht mehr gültig. Bitte fordern Sie bei "
                               "Bedarf einen neuen an.")
    return user
