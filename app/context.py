"""Per-request access to the database session and the signed-in user."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from app.storage.db import READ_ONLY, Database

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
from app.storage.models import UserRow


def database() -> Database:
    return current_app.extensions["prozesslotse.db"]


def db_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessions()
        # Read-only requests wait only briefly for database locks, then answer 503 instead of hanging.
        g.db_session.info[READ_ONLY] = has_request_context() and request.method in SAFE_METHODS
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def current_user() -> UserRow | None:
    return g.get("user")
