"""Own account: change the password (ends the other sessions) and see one's API tokens and their last use."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app.auth.identity import start_session
from app.context import current_user, db_session
from app.storage.users import UserError, email_problem, set_password, tokens_of, verify_password

from . import bp
from .guards import page
from .links import safe_back_path


def _render(errors: dict[str, str], status: int = 200):
    from app.auth import token_dict

    tokens = [token_dict(row) for row in tokens_of(db_session(), current_user())]
    return render_template("account.html", errors=errors, tokens=tokens,
                           next_page=safe_back_path(request.values.get("next"))), status


@bp.get("/konto")
@page()
def account():
    return _render({})


@bp.post("/konto/passwort")
@page()
def change_password():
    user = current_user()
    current = request.form.get("current") or ""
    new = request.form.get("password") or ""
    if not verify_password(user.password_hash, current):
        return _render({"current": "Das bisherige Passwort stimmt nicht."}, 422)
    if new != (request.form.get("repeat") or ""):
        return _render({"repeat": "Die beiden neuen Passwörter stimmen nicht überein."}, 422)
    session = db_session()
    try:
        set_password(session, user, new)
    except UserError as exc:
        session.rollback()
        return _render({"password": str(exc)}, 422)
    session.commit()
    start_session(user)  # this browser stays signed in, every other session ends
    flash("Ihr Passwort ist geändert. Andere Sitzungen sind beendet.", "info")
    return redirect(safe_back_path(request.form.get("next")) or url_for("web.account"))


@bp.post("/konto/email")
@page()
def change_email():
    """Optional: where notices and reset links go when SMTP is configured."""
    user = current_user()
    address = (request.form.get("email") or "").strip()
    problem = email_problem(address)
    if problem:
        return _render({"email": problem}, 422)
    user.email = address or None
    db_session().commit()
    flash("Ihre E-Mail-Adresse ist gespeichert." if address else "Ihre E-Mail-Adresse ist entfernt.", "info")
    return redirect(url_for("web.account"))
