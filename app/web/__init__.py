"""Server-rendered pages (German)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import func, select

from app.access import readable_profiles
from app.context import current_user, db_session
from app.storage.models import ProfileRow

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    session = db_session()
    visible = session.scalar(select(func.count()).select_from(ProfileRow).where(readable_profiles(user)))
    own = session.scalar(select(func.count()).select_from(ProfileRow)
                         .where(ProfileRow.municipality_id == user.municipality_id))
    return render_template("index.html", user=user, visible=visible, own=own)
