"""Passwort vergessen: whom to ask, and (with SMTP) a reset link by e-mail."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from app import mail
from app.api.drafts import public_base
from app.auth import throttle
from app.context import db_session
from app.password_reset import ResetLinkInvalid, make_token, user_for_token
from app.storage.models import UserRow
from app.storage.users import UserError, set_password

from . import bp

log = logging.getLogger(__name__)


def _max_age() -> int:
    return int(current_app.config["PASSWORD_RESET_MINUTES"]) * 60


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def password_help():
    can_mail = mail.configured(current_app.config)
    if request.method == "POST" and can_mail:
        given = (request.form.get("who") or "").strip()[:254]
        session = db_session()
        ip = request.remote_addr or "unbekannt"
        key = f"reset:{given.lower()}"  # counted apart from sign-ins: asking for a link never locks a login
        if given and not throttle.wait_seconds(session, key, ip):
            throttle.failed(session, key, ip)  # every request counts: nobody mails a user into the ground
            session.commit()
            user = session.scalar(select(UserRow).where(or_(UserRow.username == given,
                                                            func.lower(UserRow.email) == given.lower())))
            if user is not None and user.active and user.email:
                _send_link(user)
        # The same answer whether or not the account exists: the page reveals no names.
        return render_template("password_help.html", can_mail=can_mail, sent=True)
    return render_template("password_help.html", can_mail=can_mail, sent=False)


def _send_link(user: UserRow) -> None:
    token = make_token(current_app.config["SECRET_KEY"], user)
    link = f"{public_base()}{url_for('web.password_reset', token=token)}"
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    body = (f"Guten Tag,\n\nfür das Konto „{user.username}“ bei Prozesslotse wurde ein neues Passwort angefordert.\n\n"
            f"Mit diesem Link legen Sie es fest (gültig {minutes} Minuten, nur einmal verwendbar):\n{link}\n\n"
            "Wenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren; Ihr Passwort bleibt "
            "unverändert.\n")
    mail.send(current_app.config, user.email or "", "Prozesslotse: Passwort zurücksetzen", body)


@bp.route("/passwort-neu/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    session = db_session()
    try:
        user = user_for_token(session, current_app.config["SECRET_KEY"], token[:500], _max_age())
    except ResetLinkInvalid as exc:
        return render_template("password_reset.html", invalid=str(exc), errors={}), 410
    if request.method == "GET":
        return render_template("password_reset.html", invalid=None, errors={}, username=user.username)
    password = request.form.get("password") or ""
    if password != (request.form.get("repeat") or ""):
        return render_template("password_reset.html", invalid=None, username=user.username,
                               errors={"repeat": "Die beiden Passwörter stimmen nicht überein."}), 422
    try:
        set_password(session, user, password)  # ends every session; the link is void from now on
    except UserError as exc:
        session.rollback()
        return render_template("password_reset.html", invalid=None, username=user.username,
                               errors={"password": str(exc)}), 422
    throttle.unlock(session, user.username, None)
    session.commit()
    flash("Ihr neues Passwort ist gespeichert. Bitte melden Sie sich damit an.", "info")
    return redirect(url_for("auth.login"))
