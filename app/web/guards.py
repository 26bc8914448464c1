"""Login and role checks for pages: redirect to the sign-in page, or a German 403 page."""

from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import flash, g, redirect, render_template, request, url_for

from app.problems import problem

F = TypeVar("F", bound=Callable)

CAPTURE_ROLES = ("clerk", "admin")
REVIEW_ROLES = ("modeller", "admin")
ADMIN_ROLES = ("admin",)


# A user with a password set by an admin (new account or one-time password) sees only these until
# they have chosen their own.
PASSWORD_CHANGE_ENDPOINTS = ("web.account", "web.change_password")


def login_url() -> str:
    """The sign-in page, coming back here afterwards (only for pages one can GET)."""
    if request.method != "GET" or request.endpoint in (None, "web.index"):
        return url_for("auth.login")
    return url_for("auth.login", next=request.full_path.rstrip("?"))


def error_page(status: int, detail: str | None = None):
    return render_template("error.html", problem=problem(status, detail)), status


def page(*roles: str) -> Callable[[F], F]:
    """A page for signed-in users, optionally only for some roles."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = g.get("user")
            if user is None:
                return redirect(login_url())
            if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                flash("Ihr Passwort hat die Administration vergeben. Bitte legen Sie zuerst ein eigenes Passwort fest.",
                      "info")
                return redirect(url_for("web.account", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                return error_page(403, "Diese Seite ist für Ihre Rolle nicht freigegeben. Wenden Sie sich bei "
                                       "Bedarf an die Administration Ihrer Kommune.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
