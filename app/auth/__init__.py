"""Sign-in for browsers (session cookie) and API clients (bearer tokens)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from app.api.body import json_body
from app.context import db_session
from app.problems import problem
from app.storage.users import authenticate, issue_token, revoke_token

from . import throttle

bp = Blueprint("auth", __name__)


def _client_ip() -> str:
    # Behind a proxy, configure werkzeug's ProxyFix so remote_addr is the client.
    return request.remote_addr or "unbekannt"


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        db = db_session()
        if throttle.locked(db, username, _client_ip()):
            flash(throttle.LOCKED_MESSAGE, "error")
            return render_template("login.html", username=username), 429
        user = authenticate(db, username, password) if username and password else None
        if user is None:
            throttle.failed(db, username, _client_ip())
            flash("Benutzername oder Passwort ist falsch.", "error")
            return render_template("login.html", username=username), 401
        throttle.succeeded(db, username)
        session.clear()
        session["user_id"] = user.id
        return redirect(url_for("web.index"))
    return render_template("login.html", username="")


@bp.route("/abmelden", methods=["POST"])
def logout():
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
    if throttle.locked(session_, username, _client_ip()):
        raise problem(429, throttle.LOCKED_MESSAGE)
    user = authenticate(session_, username, password)
    if user is None:
        throttle.failed(session_, username, _client_ip())
        raise problem(401, "Benutzername oder Passwort ist falsch.")
    throttle.succeeded(session_, username)
    value = issue_token(session_, user)
    session_.commit()
    return {"token": value, "username": user.username, "role": user.role,
            "municipality": user.municipality.name}


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
