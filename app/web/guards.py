"""Login and role checks for pages: redirect to the sign-in page, or a German 403 page."""

from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import g, redirect, render_template, url_for

from app.problems import problem

F = TypeVar("F", bound=Callable)

CAPTURE_ROLES = ("clerk", "admin")
REVIEW_ROLES = ("modeller", "admin")
ADMIN_ROLES = ("admin",)


def error_page(status: int, detail: str | None = None):
    return render_template("error.html", problem=problem(status, detail)), status


def page(*roles: str) -> Callable[[F], F]:
    """A page for signed-in users, optionally only for some roles."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = g.get("user")
            if user is None:
                return redirect(url_for("auth.login"))
            if roles and user.role not in roles:
                return error_page(403, "Diese Seite ist für Ihre Rolle nicht freigegeben. Wenden Sie sich bei "
                                       "Bedarf an die Administration Ihrer Kommune.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
