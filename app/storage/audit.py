"""Audit trail: who did what to which object, with before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEventRow


def record(
    session: Session,
    action: str,
    object_type: str,
    object_id: object,
    *,
    user_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> AuditEventRow:
    event = AuditEventRow(action=action, object_type=object_type, object_id=str(object_id), user_id=user_id,
                          before=before, after=after, detail=detail)
    session.add(event)
    return event
