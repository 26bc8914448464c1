"""Neuigkeiten: the page with the user's notices, and the unread count in the header of every page."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for

from app import notifications
from app.context import current_user, db_session

from . import bp
from .guards import page


@bp.app_context_processor
def _unread():
    user = g.get("user")
    if user is None or g.get("via_token"):
        return {"unread_count": 0}
    try:
        return {"unread_count": notifications.unread_count(db_session(), user)}
    except Exception:  # noqa: BLE001 - the header must render even when this count cannot be read
        return {"unread_count": 0}


@bp.get("/neuigkeiten")
@page()
def inbox():
    notices = notifications.latest(db_session(), current_user())
    return render_template("inbox.html", notices=notices)


@bp.get("/neuigkeiten/<int:notice_id>")
@page()
def open_notice(notice_id: int):
    """Follow a notice to its draft; it counts as read from then on."""
    session = db_session()
    user = current_user()
    notice = next((n for n in notifications.latest(session, user, limit=1000) if n.id == notice_id), None)
    if notice is None:
        return redirect(url_for("web.inbox"))
    notifications.mark_read(session, user, notice_id)
    session.commit()
    if notice.profile_id is None:
        return redirect(url_for("web.inbox"))
    return redirect(url_for("web.draft", profile_id=notice.profile_id))


@bp.post("/neuigkeiten/gelesen")
@page()
def inbox_read_all():
    session = db_session()
    notifications.mark_read(session, current_user())
    session.commit()
    return redirect(url_for("web.inbox"))
