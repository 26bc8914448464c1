"""Sign-in for browsers (session cookie) and API clients (bearer tokens)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from app.api.body import json_body
from app.context import db_session
from app.problems import problem
from app.storage.users import authenticate, end_sessions, issue_token, revoke_token, tokens_of

from . import throttle
from .identity import CHANGE_PASSWORD_FIRST, start_session

bp = Blueprint("auth", __name__)


def _client_ip() -> str:
    # Behind the proxy, ProxyFix (TRUSTED_PROXIES=1) makes remote_addr the client's address.
    return request.remote_addr or "unbekannt"


def _throttled(wait: int):
    return problem(429, throttle.locked_message(wait), retry_after=wait)


def _next_page() -> str | None:
    """Where to go after signing in: a same-site path from ``next``, else the start page."""
    from app.web.links import safe_back_path

    target = safe_back_path(request.values.get("next"))
    if target and (target.startswith("/anmelden") or target.startswith("/api/")):
        return None
    return target


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    from app.web.setup import setup_needed

    if setup_needed():
        return redirect(url_for("web.setup"))
    next_page = _next_page()
    if g.get("user") is not None and request.method == "GET" and next_page:
        return redirect(next_page)
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        db = db_session()
        wait = throttle.wait_seconds(db, username, _client_ip())
        if wait:
            flash(throttle.locked_message(wait), "error")
            return (render_template("login.html", username=username, next_page=next_page), 429,
                    {"Retry-After": str(wait)})
        user = authenticate(db, username, password) if username and password else None
        if user is None:
            throttle.failed(db, username, _client_ip())
            flash("Benutzername oder Passwort ist falsch.", "error")
            return render_template("login.html", username=username, next_page=next_page), 401
        throttle.succeeded(db, username, _client_ip())
        start_session(user)
        if user.must_change_password:
            return redirect(url_for("web.account", next=next_page))
        return redirect(next_page or url_for("web.index"))
    return render_template("login.html", username="", next_page=next_page)


@bp.route("/abmelden", methods=["POST"])
def logout():
    """Ends this session server-side too: a copy of the cookie taken before is worthless afterwards."""
    user = g.get("user")
    if user is not None and not g.get("via_token"):
        end_sessions(user)
        db_session().commit()
    session.clear()
    flash("Sie sind abgemeldet.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/api/auth/token", methods=["POST"])
def token():
    body = json_body()
    username = body.get("username")
    password = body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise problem(400, "Bitte Benutzername (username) und Passwort (password) angeben.")
    session_ = db_session()
    if len(username) > 100 or len(password) > 1000:
        raise problem(400, "Benutzername oder Passwort ist zu lang.")
    wait = throttle.wait_seconds(session_, username, _client_ip())
    if wait:
        raise _throttled(wait)
    user = authenticate(session_, username, password)
    if user is None:
        throttle.failed(session_, username, _client_ip())
        raise problem(401, "Benutzername oder Passwort ist falsch.")
    throttle.succeeded(session_, username, _client_ip())
    if user.must_change_password:
        session_.commit()
        raise problem(403, CHANGE_PASSWORD_FIRST)
    lifetime = timedelta(days=current_app.config["TOKEN_LIFETIME_DAYS"])
    value = issue_token(session_, user, lifetime)
    session_.commit()
    return {"token": value, "username": user.username, "role": user.role,
            "municipality": user.municipality.name,
            "expires_at": (datetime.now(timezone.utc) + lifetime).isoformat(timespec="seconds")}


@bp.route("/api/auth/tokens", methods=["GET"])
def list_tokens():
    """The caller's own tokens: when created, last used (to within a few minutes), when they expire."""
    user = g.get("user")
    if user is None:
        raise problem(401)
    return {"tokens": [token_dict(row) for row in tokens_of(db_session(), user)]}


def token_dict(row) -> dict:
    def iso(value):
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat(timespec="seconds")

    return {"id": row.id, "created_at": iso(row.created_at), "last_used_at": iso(row.last_used_at),
            "expires_at": iso(row.expires_at), "revoked": row.revoked_at is not None}


@bp.route("/api/auth/token", methods=["DELETE"])
def revoke():
    """Revoke the bearer token of this request."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or g.get("user") is None:
        raise problem(401, "Zum Widerrufen wird das Token im Authorization-Header benötigt.")
    session_ = db_session()
    revoke_token(session_, header[7:].strip())
    session_.commit()
    return "", 204
