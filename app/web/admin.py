"""Administration: users of the admin's own municipality, sign-in locks; the whole network only for
network operators (a flag given on the command line, never through the web)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.auth import throttle
from app.context import current_user, db_session
from app.domain import LAENDER
from app.storage.audit import record
from app.storage.models import MunicipalityRow, ProfileRow, UserRow
from app.storage.profiles import ensure_municipality, get_municipality
from app.storage.passwords import password_problem
from app.storage.users import ROLES, UserError, create_user, email_problem, set_one_time_password

from . import bp, labels
from .guards import ADMIN_ROLES, page


def _scope() -> int | None:
    """The municipality this admin manages; None for a network operator (all of them)."""
    user = current_user()
    return None if user.network_operator else user.municipality_id


def _overview() -> dict:
    session = db_session()
    scope = _scope()
    municipalities_q = select(MunicipalityRow).order_by(MunicipalityRow.name)
    users_q = select(UserRow).order_by(UserRow.username)
    if scope is not None:
        municipalities_q = municipalities_q.where(MunicipalityRow.id == scope)
        users_q = users_q.where(UserRow.municipality_id == scope)
    municipalities = session.scalars(municipalities_q).all()
    users = session.scalars(users_q).all()
    profile_counts = dict(session.execute(select(ProfileRow.municipality_id, func.count())
                                          .group_by(ProfileRow.municipality_id)).all())
    user_counts = dict(session.execute(select(UserRow.municipality_id, func.count())
                                       .group_by(UserRow.municipality_id)).all())
    locks = throttle.throttled(session, None if scope is None else {u.username for u in users})
    return {"municipalities": municipalities, "users": users, "profile_counts": profile_counts,
            "user_counts": user_counts, "roles": [(r, labels.role_label(r)) for r in ROLES], "laender": LAENDER,
            "operator": scope is None, "own_municipality": current_user().municipality.name, "locks": locks}


@bp.get("/verwaltung")
@page(*ADMIN_ROLES)
def admin():
    return render_template("admin.html", form={}, errors={}, **_overview())


def _validate(form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form["username"]:
        errors["username"] = "Bitte einen Benutzernamen angeben."
    elif len(form["username"]) > 100:
        errors["username"] = "Der Benutzername ist zu lang (höchstens 100 Zeichen)."
    reason = password_problem(form["password"], form["username"])
    if reason:
        errors["password"] = reason
    if email_problem(form.get("email")):
        errors["email"] = email_problem(form.get("email")) or ""
    if form["role"] not in ROLES:
        errors["role"] = "Bitte eine Rolle auswählen."
    if not form["municipality"]:
        errors["municipality"] = "Bitte die Kommune angeben."
    elif len(form["municipality"]) > 200:
        errors["municipality"] = "Der Name der Kommune ist zu lang (höchstens 200 Zeichen)."
    if form["land"] and form["land"] not in LAENDER:
        errors["land"] = "Bitte ein Bundesland aus der Liste wählen."
    if not errors.get("municipality") and _scope() is not None and form["municipality"] != current_user().municipality.name:
        errors["municipality"] = ("Sie verwalten nur die Benutzer Ihrer Kommune. Benutzer anderer Kommunen legt der "
                                  "Netzbetrieb an.")
    elif not errors.get("municipality") and not form["land"] and get_municipality(db_session(), form["municipality"]) is None:
        errors["land"] = "Die Kommune ist neu: Bitte das Bundesland angeben."
    return errors


@bp.post("/verwaltung/benutzer")
@page(*ADMIN_ROLES)
def admin_create_user():
    form = {key: (request.form.get(key) or "").strip() for key in ("username", "role", "municipality", "land", "email")}
    form["password"] = request.form.get("password") or ""
    if _scope() is not None and not form["municipality"]:
        form["municipality"] = current_user().municipality.name
    errors = _validate(form)
    session = db_session()
    if not errors:
        try:
            municipality = ensure_municipality(session, form["municipality"], form["land"] or None)
            created = create_user(session, form["username"], form["password"], form["role"], municipality)
            created.email = form["email"] or None
            # The admin knows this password: like a one-time password it must be replaced at the first sign-in.
            created.must_change_password = True
            session.commit()
        except UserError as exc:
            session.rollback()
            message = str(exc)
            field = "username" if "Benutzername" in message else "password" if "Passwort" in message else "role"
            errors[field] = message
    if errors:
        form.pop("password")
        status = 403 if "Netzbetrieb" in errors.get("municipality", "") else 422
        return render_template("admin.html", form=form, errors=errors, **_overview()), status
    flash(f"Benutzer „{form['username']}“ ({labels.role_label(form['role'])}) für {form['municipality']} angelegt. "
          "Bei der ersten Anmeldung muss ein eigenes Passwort festgelegt werden.", "info")
    return redirect(url_for("web.admin"))


@bp.post("/verwaltung/benutzer/<int:user_id>/einmalpasswort")
@page(*ADMIN_ROLES)
def admin_one_time_password(user_id: int):
    """Passwort vergessen: a random one-time password, shown once here; the user must replace it at sign-in."""
    session = db_session()
    user = session.get(UserRow, user_id)
    if user is None or (_scope() is not None and user.municipality_id != _scope()):
        return render_template("admin.html", form={}, errors={},
                               unlock_error="Sie können nur Benutzern Ihrer Kommune ein Einmal-Passwort setzen.",
                               **_overview()), 403
    password = set_one_time_password(user)
    throttle.unlock(session, user.username, None)
    record(session, "user.one_time_password", "user", user.id, user_id=current_user().id)
    session.commit()
    return render_template("admin.html", form={}, errors={}, one_time={"username": user.username, "password": password},
                           **_overview())


@bp.post("/verwaltung/entsperren")
@page(*ADMIN_ROLES)
def admin_unlock():
    """Lift a sign-in delay: for a user of this municipality (operators: any name or address)."""
    username = (request.form.get("username") or "").strip()[:100]
    ip = (request.form.get("ip") or "").strip()[:64]
    session = db_session()
    if _scope() is not None:
        user = session.scalar(select(UserRow).where(func.lower(UserRow.username) == username.lower()))
        if not username or user is None or user.municipality_id != _scope():
            return render_template("admin.html", form={}, errors={},
                                   unlock_error="Sie können nur Benutzer Ihrer Kommune entsperren.",
                                   **_overview()), 403
    removed = throttle.unlock(session, username or None, ip or None)
    session.commit()
    flash(f"Anmeldesperre aufgehoben ({removed} Fehlversuche gelöscht).", "info")
    return redirect(url_for("web.admin"))
