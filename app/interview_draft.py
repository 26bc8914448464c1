"""The clerk edits the interview's draft directly (draft panel): versions and undo.

The draft of an open interview lives on the interview row (``interview.draft``)
and is what ``finish`` turns into the stored profile, so editing it there
keeps chat, panel and the later stored draft one and the same. Each panel
change is validated like ``PATCH /api/drafts/<id>`` (``review.apply_changes``)
and written as a version; before the first panel change after chat turns,
the draft as the conversation left it is written too, so undo can go back to
it. Undo reverts the last change only while it is still the last one (a chat
turn after it makes it history, not something to undo blindly).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import ProcessProfile
from app.review import ReviewError, apply_changes
from app.storage.audit import record
from app.storage.models import InterviewDraftVersionRow, InterviewRow, UserRow

# Fields shown and edited in the panel; state, ownership and identity stay with the workflow.
FIELD_NOTES = {"steps": "Schritte", "decisions": "Entscheidungen"}


def _versions(session: Session, interview: InterviewRow) -> list[InterviewDraftVersionRow]:
    return list(session.scalars(select(InterviewDraftVersionRow).where(
        InterviewDraftVersionRow.interview_id == interview.id).order_by(InterviewDraftVersionRow.version)))


def _add(session: Session, interview: InterviewRow, number: int, kind: str, content: dict, user: UserRow,
         note: str) -> InterviewDraftVersionRow:
    row = InterviewDraftVersionRow(interview_id=interview.id, version=number, kind=kind, content=content,
                                   author_id=user.id, note=note[:500])
    session.add(row)
    return row


def can_undo(session: Session, interview: InterviewRow) -> bool:
    versions = _versions(session, interview)
    return bool(versions) and versions[-1].kind == "edit" and versions[-1].content == interview.draft


def state(session: Session, interview: InterviewRow) -> dict[str, Any]:
    versions = _versions(session, interview)
    return {"version": versions[-1].version if versions else 0,
            "can_undo": bool(versions) and versions[-1].kind == "edit" and versions[-1].content == interview.draft}


def _note(changes: dict[str, Any]) -> str:
    names = [FIELD_NOTES.get(key, key) for key in changes]
    return "Im Entwurf bearbeitet: " + ", ".join(names)


def edit(session: Session, interview: InterviewRow, user: UserRow, changes: dict[str, Any]) -> bool:
    """Apply a partial change to the interview's draft; False when it changed nothing. Caller commits."""
    if not isinstance(changes, dict) or not changes:
        raise ReviewError("Es wurde keine Änderung gesendet.", 422)
    if "state" in changes or "visibility" in changes:
        raise ReviewError("Der Status wird hier nicht geändert.", 422)
    current = ProcessProfile.model_validate(interview.draft)
    updated = apply_changes(current, changes).model_dump(mode="json")
    if updated == interview.draft:
        return False
    versions = _versions(session, interview)
    number = versions[-1].version if versions else 0
    if not versions or versions[-1].content != interview.draft:
        number += 1
        _add(session, interview, number, "chat", interview.draft, user, "Stand aus dem Gespräch")
    _add(session, interview, number + 1, "edit", updated, user, _note(changes))
    record(session, "interview.draft_edit", "interview", interview.id, user_id=user.id,
           before={k: current.model_dump(mode="json").get(k) for k in changes},
           after={k: updated.get(k) for k in changes})
    _store(interview, updated)
    _mark_filled(interview, changes, updated)
    return True


# Profile fields whose interview question has another name.
SLOT_OF_FIELD = {"case_volume_per_year": "case_volume", "minutes_per_case": "processing_time"}


def _mark_filled(interview: InterviewRow, changes: dict[str, Any], updated: dict[str, Any]) -> None:
    """What the clerk filled in the panel is no longer an open point, and the interviewer does not ask for it."""
    from app.dialogue.questions import ORDER

    state = dict(interview.dialogue_state or {})
    filled = list(state.get("filled") or [])
    for field in changes:
        slot = SLOT_OF_FIELD.get(field, field)
        if slot in ORDER and slot not in filled and updated.get(field) not in (None, "", []):
            filled.append(slot)
    if filled != list(state.get("filled") or []):
        interview.dialogue_state = dict(state, filled=filled)


def undo(session: Session, interview: InterviewRow, user: UserRow) -> None:
    versions = _versions(session, interview)
    if not versions or versions[-1].kind != "edit" or versions[-1].content != interview.draft or len(versions) < 2:
        raise ReviewError("Es gibt keine Änderung im Entwurf, die sich rückgängig machen lässt. Nach einer Antwort "
                          "im Gespräch gilt dessen Stand.", 409)
    last, previous = versions[-1], versions[-2]
    _add(session, interview, last.version + 1, "undo", previous.content, user, f"Rückgängig: {last.note or ''}")
    record(session, "interview.draft_undo", "interview", interview.id, user_id=user.id,
           after={"version": previous.version})
    _store(interview, previous.content)


def _store(interview: InterviewRow, content: dict[str, Any]) -> None:
    interview.draft = content
    title = content.get("title")
    if title and title != interview.title:
        interview.title = title
