"""The signed-in user's notices ("Neuigkeiten"): list with unread count, mark as read."""

from __future__ import annotations

from app import notifications
from app.auth.identity import login_required
from app.context import current_user, db_session

from . import bp


@bp.get("/notifications")
@login_required
def list_notifications():
    session = db_session()
    user = current_user()
    return {"unread": notifications.unread_count(session, user),
            "notifications": [notifications.as_dict(n) for n in notifications.latest(session, user)]}


@bp.post("/notifications/read")
@login_required
def read_notifications():
    session = db_session()
    changed = notifications.mark_read(session, current_user())
    session.commit()
    return {"marked": changed, "unread": 0}
