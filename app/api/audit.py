"""``GET /api/audit?object=profile:12`` for admins of the object's municipality."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from app.auth.identity import roles_required
from app.context import current_user, db_session
from app.problems import problem
from app.storage.models import AuditEventRow, InterviewRow, ProfileRow, UserRow
from app.transport import MAX_ID

from . import bp

OBJECTS = {"profile": ProfileRow, "interview": InterviewRow}


@bp.get("/audit")
@roles_required("admin")
def audit():
    raw = (request.args.get("object") or "").strip()
    kind, _, ident = raw.partition(":")
    # ASCII digits only ("²".isdigit() is true, int("²") fails), within the id range.
    if kind not in OBJECTS or not (ident.isascii() and ident.isdigit()) or len(ident) > 10 or int(ident) > MAX_ID:
        raise problem(400, "Bitte das Objekt als „profile:ID“ oder „interview:ID“ angeben (Parameter „object“).")
    session = db_session()
    target = session.get(OBJECTS[kind], int(ident))
    if target is None or target.municipality_id != current_user().municipality_id:
        raise problem(404, f"Das Objekt {raw} gibt es nicht oder es gehört nicht zu Ihrer Kommune.")
    events = session.scalars(select(AuditEventRow).where(AuditEventRow.object_type == kind,
                                                         AuditEventRow.object_id == ident)
                             .order_by(AuditEventRow.at, AuditEventRow.id)).all()
    names = dict(session.execute(select(UserRow.id, UserRow.username)
                                 .where(UserRow.id.in_({e.user_id for e in events if e.user_id}))).all())
    return {"object": raw, "events": [
        {"at": e.at.isoformat(), "user": names.get(e.user_id), "action": e.action, "before": e.before,
         "after": e.after, "detail": e.detail} for e in events]}
