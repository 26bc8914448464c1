"""Neuigkeiten: notices to a clerk when a modeller comments on, asks for changes to or publishes their draft.

Notices are rows written in the same transaction as the action; the e-mail
copies wait in ``session.info`` until the action has committed and are sent
afterwards (``deliver``), so a slow or broken mail server never undoes or
fails the action.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import mail
from app.storage.models import NotificationRow, ProfileRow, UserRow

log = logging.getLogger(__name__)
OUTBOX = "prozesslotse.mail_outbox"

SUBJECTS = {
    "comment": "Neuer Kommentar zu Ihrem Entwurf",
    "request_changes": "Änderungen an Ihrem Entwurf erbeten",
    "approve": "Ihr Entwurf ist freigegeben",
    "reject": "Ihr Entwurf wurde abgelehnt",
    "publish": "Ihr Entwurf ist veröffentlicht",
}


def _quote(text: str | None, limit: int = 300) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_for(kind: str, actor: str, title: str, *, text: str | None = None, visibility: str | None = None) -> str:
    if kind == "comment":
        return f"{actor} hat Ihren Entwurf „{title}“ kommentiert: „{_quote(text)}“"
    if kind == "request_changes":
        said = f" Kommentar: „{_quote(text)}“" if text else ""
        return f"{actor} bittet um Änderungen an Ihrem Entwurf „{title}“.{said}"
    if kind == "approve":
        return f"{actor} hat Ihren Entwurf „{title}“ freigegeben."
    if kind == "reject":
        said = f" Kommentar: „{_quote(text)}“" if text else ""
        return f"{actor} hat Ihren Entwurf „{title}“ abgelehnt.{said}"
    where = "im Netzwerk, für alle Kommunen" if visibility == "netzwerk" else "intern, für Ihre Kommune"
    return f"{actor} hat Ihren Entwurf „{title}“ veröffentlicht ({where})."


def notify(session: Session, row: ProfileRow, actor: UserRow, kind: str, *, text: str | None = None,
           visibility: str | None = None) -> NotificationRow | None:
    """A notice for the draft's author, unless the author did it themselves."""
    if row.created_by_id is None or row.created_by_id == actor.id:
        return None
    recipient = session.get(UserRow, row.created_by_id)
    if recipient is None or not recipient.active:
        return None
    notice = NotificationRow(user_id=recipient.id, profile_id=row.id, actor_id=actor.id, kind=kind,
                             text=message_for(kind, actor.username, row.title, text=text, visibility=visibility))
    session.add(notice)
    if recipient.email:
        session.info.setdefault(OUTBOX, []).append(
            {"to": recipient.email, "subject": f"{SUBJECTS[kind]}: {row.title}", "text": notice.text,
             "profile_id": row.id})
    return notice


def deliver(session: Session, config: Mapping[str, Any], link_base: str | None) -> int:
    """Send the e-mails queued by ``notify`` after the commit; returns how many went out. Never raises."""
    queued = session.info.pop(OUTBOX, [])
    sent = 0
    if not queued or not mail.configured(config):
        return 0
    for item in queued:
        try:
            link = f"{link_base}/entwuerfe/{item['profile_id']}" if link_base else ""
            body = (f"Guten Tag,\n\n{item['text']}\n\n"
                    + (f"Zum Entwurf: {link}\n" if link else "")
                    + (f"Alle Neuigkeiten: {link_base}/neuigkeiten\n" if link_base else "")
                    + "\nDiese Nachricht hat Prozesslotse automatisch gesendet.\n")
            sent += mail.send(config, item["to"], item["subject"], body)
        except Exception:  # noqa: BLE001 - a notice must never break anything
            log.exception("Benachrichtigung konnte nicht gesendet werden")
    return sent


def discard(session: Session) -> None:
    """The action was rolled back: its notices are gone, so are their e-mails."""
    session.info.pop(OUTBOX, None)


def unread_count(session: Session, user: UserRow) -> int:
    return session.scalar(select(func.count()).select_from(NotificationRow).where(
        NotificationRow.user_id == user.id, NotificationRow.read_at.is_(None))) or 0


def latest(session: Session, user: UserRow, limit: int = 100) -> list[NotificationRow]:
    return list(session.scalars(select(NotificationRow).where(NotificationRow.user_id == user.id)
                                .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc()).limit(limit)))


def mark_read(session: Session, user: UserRow, notice_id: int | None = None) -> int:
    """Mark one notice (or all) of this user as read; returns how many changed."""
    query = update(NotificationRow).where(NotificationRow.user_id == user.id, NotificationRow.read_at.is_(None))
    if notice_id is not None:
        query = query.where(NotificationRow.id == notice_id)
    result = session.execute(query.values(read_at=datetime.now(timezone.utc)).execution_options(
        synchronize_session=False))
    return result.rowcount or 0


def as_dict(row: NotificationRow) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "text": row.text, "profile_id": row.profile_id,
            "created_at": row.created_at.isoformat(), "read": row.read_at is not None}
