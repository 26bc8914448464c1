"""Administration: municipalities and users of the network."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.context import db_session
from app.domain import LAENDER
from app.storage.models import MunicipalityRow, ProfileRow, UserRow
from app.storage.profiles import ensure_municipality, get_municipality
from app.storage.users import ROLES, UserError, create_user

from . import bp, labels
from .guards import ADMIN_ROLES, page


def _overview() -> dict:
    session = db_session()
    municipalities = session.scalars(select(MunicipalityRow).order_by(MunicipalityRow.name)).all()
    users = session.scalars(select(UserRow).order_by(UserRow.username)).all()
    profile_counts = dict(session.execute(select(ProfileRow.municipality_id, func.count())
                                          .group_by(ProfileRow.municipality_id)).all())
    user_counts = dict(session.execute(select(UserRow.municipality_id, func.count())
                                       .group_by(UserRow.municipality_id)).all())
    return {"municipalities": municipalities, "users": users, "profile_counts": profile_counts,
            "user_counts": user_counts, "roles": [(r, labels.role_label(r)) for r in ROLES], "laender": LAENDER}


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
    if len(form["password"]) < 8:
        errors["password"] = "Das Passwort muss mindestens 8 Zeichen lang sein."
    if form["role"] not in ROLES:
        errors["role"] = "Bitte eine Rolle auswählen."
    if not form["municipality"]:
        errors["municipality"] = "Bitte die Kommune angeben."
    elif len(form["municipality"]) > 200:
        errors["municipality"] = "Der Name der Kommune ist zu lang (höchstens 200 Zeichen)."
    if form["land"] and form["land"] not in LAENDER:
        errors["land"] = "Bitte ein Bundesland aus der Liste wählen."
    if not errors.get("municipality") and not form["land"] and get_municipality(db_session(), form["municipality"]) is None:
        errors["land"] = "Die Kommune ist neu: Bitte das Bundesland angeben."
    return errors


@bp.post("/verwaltung/benutzer")
@page(*ADMIN_ROLES)
def admin_create_user():
    form = {key: (request.form.get(key) or "").strip() for key in ("username", "role", "municipality", "land")}
    form["password"] = request.form.get("password") or ""
    errors = _validate(form)
    session = db_session()
    if not errors:
        try:
            municipality = ensure_municipality(session, form["municipality"], form["land"] or None)
            create_user(session, form["username"], form["password"], form["role"], municipality)
            session.commit()
        except UserError as exc:
            session.rollback()
            message = str(exc)
            field = "username" if "Benutzername" in message else "password" if "Passwort" in message else "role"
            errors[field] = message
    if errors:
        form.pop("password")
        return render_template("admin.html", form=form, errors=errors, **_overview()), 422
    flash(f"Benutzer „{form['username']}“ ({labels.role_label(form['role'])}) für {form['municipality']} angelegt.",
          "info")
    return redirect(url_for("web.admin"))
