"""Review workflow on stored profiles: edits with versions, transitions, comments, audit.

Flask-free service functions; the API maps their German errors to problems.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import ProcessProfile
from app.domain.lifecycle import TransitionError, may_edit, next_state, state_after_edit
from app import notifications
from app.storage.audit import record
from app.storage.models import ProfileRow, ProfileVersionRow, ReviewCommentRow, UserRow, utcnow
from app.storage.profiles import save_profile, to_domain

# Fields a PATCH may change; identity, ownership and state have their own paths.
PATCHABLE = ("title", "category", "leika_key", "ozg_id", "description", "trigger", "result", "customer", "org_unit",
             "participants", "legal_basis", "it_systems", "documents", "case_volume_per_year", "minutes_per_case",
             "waiting", "exceptions", "steps", "decisions", "process_key")


# What a second approval is about: the process model, not its wording around it.
MODEL_FIELDS = ("steps", "decisions")


class ReviewError(ValueError):
    def __init__(self, message: str, status: int = 409, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or []


def edit(session: Session, row: ProfileRow, user: UserRow, changes: dict[str, Any]) -> ProfileRow:
    """Apply a partial profile; every accepted change is a new immutable version and an audit event."""
    unknown = sorted(set(changes) - set(PATCHABLE))
    if unknown:
        raise ReviewError(f"Diese Felder können hier nicht geändert werden: {', '.join(unknown)}.", 422)
    current = to_domain(row)
    if not may_edit(current.state, user.role):
        raise ReviewError(f"Ein Prozess im Status „{current.state}“ kann von Ihnen nicht bearbeitet werden.", 409)
    updated = apply_changes(current, changes)
    before = current.model_dump(mode="json")
    model_changed = any(before[k] != updated.model_dump(mode="json")[k] for k in MODEL_FIELDS)
    state = state_after_edit(current.state, model_changed)
    note = "Bearbeitet"
    if state != current.state:
        updated = updated.model_copy(update={"state": state})
        note = "Bearbeitet nach Freigabe; Ablauf geändert, erneute Freigabe nötig"
    result = save_profile(session, updated, municipality=row.municipality, row=row, author_id=user.id, note=note)
    if result.changed:
        record(session, "profile.edit", "profile", row.id, user_id=user.id,
               before={k: before[k] for k in changes}, after={k: updated.model_dump(mode="json")[k] for k in changes})
    if state != current.state:
        record(session, "profile.reopen", "profile", row.id, user_id=user.id, before={"state": current.state},
               after={"state": state}, detail="Schritte oder Entscheidungen nach der Freigabe geändert")
    return row


def apply_changes(current: ProcessProfile, changes: dict[str, Any]) -> ProcessProfile:
    """The profile with a partial change applied and validated as a whole (German 422 errors).

    One rule for the review page and the interview's draft panel.
    """
    unknown = sorted(set(changes) - set(PATCHABLE))
    if unknown:
        raise ReviewError(f"Diese Felder können hier nicht geändert werden: {', '.join(unknown)}.", 422)
    data = current.model_dump(mode="json")
    data.update(changes)
    if "steps" in changes and isinstance(changes["steps"], list):
        # Numbers follow the order sent; a client reorders by sending the new order.
        data["steps"] = [dict(step, n=i + 1) if isinstance(step, dict) else step
                         for i, step in enumerate(changes["steps"])]
    try:
        return ProcessProfile.model_validate(data)
    except ValidationError as exc:
        from app.domain.errors import describe, german_validation_errors

        errors = german_validation_errors(exc)
        raise ReviewError(f"Die Änderung ist nicht gültig: {describe(errors)}", 422, errors) from exc


def transition(session: Session, row: ProfileRow, user: UserRow, action: str, *, comment: str | None = None,
               visibility: str | None = None) -> ProfileRow:
    current = to_domain(row)
    try:
        target = next_state(current.state, action, user.role)
    except TransitionError as exc:
        raise ReviewError(str(exc), exc.status) from exc
    if action == "submit" and not current.steps:
        raise ReviewError("Der Entwurf hat noch keine Arbeitsschritte. Beschreiben Sie bitte zuerst, was Sie der "
                          "Reihe nach tun; ohne Schritte kann er nicht zur Prüfung gehen.", 409)
    if action in ("approve", "request_changes", "reject", "publish", "archive") and row.created_by_id == user.id \
            and user.role != "admin" and action != "archive":
        raise ReviewError("Ein Entwurf wird von einer anderen Person geprüft als der, die ihn erstellt hat.", 403)
    update: dict[str, Any] = {"state": target}
    if visibility is not None:
        update["visibility"] = visibility
    save_profile(session, current.model_copy(update=update), municipality=row.municipality, row=row,
                 author_id=user.id, note=f"Status: {target}")
    if comment:
        # Only a request for changes leaves something to do; the note on any other decision is a record.
        settled = action != "request_changes"
        session.add(ReviewCommentRow(profile_id=row.id, author_id=user.id, text=comment, resolved=settled,
                                     resolved_by_id=user.id if settled else None,
                                     resolved_at=utcnow() if settled else None))
    record(session, f"profile.{action}", "profile", row.id, user_id=user.id,
           before={"state": current.state, "visibility": current.visibility},
           after={"state": target, "visibility": update.get("visibility", current.visibility)}, detail=comment)
    if action in notifications.SUBJECTS:
        notifications.notify(session, row, user, action, text=comment, visibility=update.get("visibility"))
    return row


def versions(session: Session, row: ProfileRow) -> list[dict[str, Any]]:
    rows = session.scalars(select(ProfileVersionRow).where(ProfileVersionRow.profile_id == row.id)
                           .order_by(ProfileVersionRow.version)).all()
    authors = _usernames(session, {v.author_id for v in rows})
    return [{"version": v.version, "created_at": v.created_at.isoformat(), "author": authors.get(v.author_id),
             "note": v.note, "state": v.content.get("state")} for v in rows]


def version_profile(session: Session, row: ProfileRow, number: int) -> ProcessProfile:
    version = session.scalar(select(ProfileVersionRow).where(ProfileVersionRow.profile_id == row.id,
                                                             ProfileVersionRow.version == number))
    if version is None:
        raise ReviewError(f"Version {number} gibt es nicht (vorhanden: 1 bis {row.version}).", 404)
    return ProcessProfile.model_validate(version.content)


def add_comment(session: Session, row: ProfileRow, user: UserRow, text: str, step_n: int | None) -> ReviewCommentRow:
    text = text.strip()
    if not text:
        raise ReviewError("Der Kommentar ist leer.", 422)
    if step_n is not None and not 1 <= step_n <= row.step_count:
        raise ReviewError(f"Einen Schritt {step_n} gibt es in diesem Prozess nicht.", 422)
    comment = ReviewCommentRow(profile_id=row.id, author_id=user.id, text=text[:4000], step_n=step_n)
    session.add(comment)
    session.flush()
    record(session, "comment.add", "profile", row.id, user_id=user.id, after={"comment": comment.id,
                                                                              "step_n": step_n, "text": text[:200]})
    if user.role in ("modeller", "admin"):
        notifications.notify(session, row, user, "comment", text=(f"Schritt {step_n}: " if step_n else "") + text)
    return comment


def resolve_comment(session: Session, row: ProfileRow, user: UserRow, comment_id: int) -> ReviewCommentRow:
    comment = session.get(ReviewCommentRow, comment_id)
    if comment is None or comment.profile_id != row.id:
        raise ReviewError(f"Einen Kommentar {comment_id} gibt es zu diesem Prozess nicht.", 404)
    comment.resolved = True
    comment.resolved_by_id = user.id
    comment.resolved_at = datetime.now(timezone.utc)
    record(session, "comment.resolve", "profile", row.id, user_id=user.id, after={"comment": comment_id})
    return comment


def comments(session: Session, row: ProfileRow) -> list[dict[str, Any]]:
    rows = session.scalars(select(ReviewCommentRow).where(ReviewCommentRow.profile_id == row.id)
                           .order_by(ReviewCommentRow.created_at, ReviewCommentRow.id)).all()
    names = _usernames(session, {c.author_id for c in rows} | {c.resolved_by_id for c in rows})
    return [{"id": c.id, "text": c.text, "step_n": c.step_n, "author": names.get(c.author_id),
             "created_at": c.created_at.isoformat(), "resolved": c.resolved,
             "resolved_by": names.get(c.resolved_by_id),
             "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None} for c in rows]


def _usernames(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(ids))).all())
