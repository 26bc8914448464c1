"""The one-time set-up page (``/einrichten``); see app/first_run.py for who may use it and why it is race-safe."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from app import first_run
from app.auth.identity import start_session
from app.context import db_session
from app.storage.passwords import password_problem
from app.domain import LAENDER
from app.storage.users import UserError, email_problem

from . import bp

SETUP_FLAG = "prozesslotse.setup_done"


def setup_needed() -> bool:
    """True while no user exists; once one does, remembered for the life of the process."""
    app = current_app
    if app.extensions.get(SETUP_FLAG):
        return False
    if first_run.has_users(db_session()):
        app.extensions[SETUP_FLAG] = True
        return False
    return True


def _allowed() -> bool:
    token = request.args.get("token") or request.form.get("token") or session.get("setup_token")
    if first_run.token_matches(current_app.config["DATA_DIR"], token):
        session["setup_token"] = token  # the token leaves the address bar after the first request
        return True
    return first_run.is_loopback(request.remote_addr)


def _render(form: dict, errors: dict, status: int = 200):
    return render_template("setup.html", form=form, errors=errors, laender=LAENDER), status


@bp.route("/einrichten", methods=["GET", "POST"])
def setup():
    if not setup_needed():
        abort(404)
    if not _allowed():
        return render_template("setup_denied.html"), 403
    if request.method == "GET":
        if request.args.get("token"):
            return redirect(url_for("web.setup"))
        return _render({"land": ""}, {})
    form = {key: (request.form.get(key) or "").strip() for key in ("username", "municipality", "land", "email")}
    password = request.form.get("password") or ""
    errors = _validate(form, password, request.form.get("repeat") or "")
    if errors:
        return _render(form, errors, 422)
    db = db_session()
    try:
        user = first_run.create_first_admin(db, username=form["username"], password=password,
                                            municipality=form["municipality"], land=form["land"] or None,
                                            email=form["email"] or None)
    except first_run.SetupClosed:
        abort(404)
    except UserError as exc:
        db.rollback()
        return _render(form, {"username" if "Benutzername" in str(exc) else "password": str(exc)}, 422)
    current_app.extensions[SETUP_FLAG] = True
    first_run.forget_token(current_app.config["DATA_DIR"])
    start_session(user)
    flash(f"Prozesslotse ist eingerichtet. Sie sind als Administration von {form['municipality']} angemeldet. "
          "Legen Sie unter „Kommunen und Benutzer“ die Konten Ihrer Kolleginnen und Kollegen an.", "info")
    return redirect(url_for("web.admin"))


def _validate(form: dict, password: str, repeat: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form["municipality"]:
        errors["municipality"] = "Bitte den Namen Ihrer Kommune angeben."
    elif len(form["municipality"]) > 200:
        errors["municipality"] = "Der Name der Kommune ist zu lang (höchstens 200 Zeichen)."
    if form["land"] not in LAENDER:
        errors["land"] = "Bitte das Bundesland auswählen."
    if not form["username"]:
        errors["username"] = "Bitte einen Benutzernamen angeben."
    elif len(form["username"]) > 100:
        errors["username"] = "Der Benutzername ist zu lang (höchstens 100 Zeichen)."
    problem = email_problem(form["email"])
    if problem:
        errors["email"] = problem
    reason = password_problem(password, form["username"])
    if reason:
        errors["password"] = reason
    elif password != repeat:
        errors["repeat"] = "Die beiden Passwörter stimmen nicht überein."
    return errors
