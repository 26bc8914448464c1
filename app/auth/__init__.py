"""Sign-in for browsers (session cookie) and API clients (bearer tokens)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from app.api.body import json_body
from app.context import db_session
from app.problems import problem
from app.storage.users import authenticate, issue_token

bp = Blueprint("auth", __name__)


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = authenticate(db_session(), username, password) if username and password else None
        if user is None:
            flash("Benutzername oder Passwort ist falsch.", "error")
            return render_template("login.html", username=username), 401
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
    user = authenticate(session_, username, password)
    if user is None:
        raise problem(401, "Benutzername oder Passwort ist falsch.")
    value = issue_token(session_, user)
    session_.commit()
    return {"token": value, "username": user.username, "role": user.role,
            "municipality": user.municipality.name}
