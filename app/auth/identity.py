"""Who is asking: a bearer token or the browser session, resolved once per request."""

from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import g, request, session

from app.context import db_session
from app.problems import problem
from app.storage.models import UserRow
from app.storage.users import TokenExpired, user_for_token

F = TypeVar("F", bound=Callable)


CHANGE_PASSWORD_FIRST = ("Für dieses Konto wurde ein Einmal-Passwort gesetzt. Bitte melden Sie sich im Browser an "
                         "und legen Sie unter „Mein Konto“ ein eigenes Passwort fest; bis dahin gilt kein Token.")


def load_identity() -> None:
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        try:
            user = user_for_token(db_session(), token) if token else None
        except TokenExpired:
            raise problem(401, "Das Zugangstoken ist abgelaufen. Bitte fordern Sie über /api/auth/token ein "
                               "neues an.") from None
        if user is None:
            raise problem(401, "Das Zugangstoken ist ungültig oder wurde widerrufen.")
        if user.must_change_password:
            raise problem(403, CHANGE_PASSWORD_FIRST)
        if db_session().dirty:
            db_session().commit()  # last_used_at, written at most every few minutes
        g.user = user
        g.via_token = True
        return
    user_id = session.get("user_id")
    if user_id is not None:
        user = db_session().get(UserRow, user_id)
        # A session from before the last logout or password change is no longer valid.
        if user is not None and user.active and session.get("sv", 0) == (user.session_version or 0):
            g.user = user
        else:
            session.clear()


def start_session(user: UserRow) -> None:
    """Sign the browser in; the session is bound to the user's current session version."""
    session.clear()
    session["user_id"] = user.id
    session["sv"] = user.session_version or 0


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            raise problem(401)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = g.get("user")
            if user is None:
                raise problem(401)
            if user.role not in roles:
                raise problem(403, "Diese Aktion ist Ihrer Rolle nicht erlaubt.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
