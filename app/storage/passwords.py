"""Password rules: long enough and not one of the passwords attackers try first.

The list (``data/common_passwords.txt``) holds only entries of at least the
minimum length; shorter ones are refused by length anyway.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 200
_LIST = Path(__file__).resolve().parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """A German reason why the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(password) > MAX_LENGTH:
        return f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte wählen Sie ein anderes."
    if len(username.strip()) >= 4 and username.strip().lower() in lowered:
        return "Das Passwort darf den Benutzernamen nicht enthalten."
    return None
