"""The draft panel of an interview: ``PATCH /api/interviews/<id>/draft`` and ``POST …/draft/undo``.

Same partial-profile body and German validation as ``PATCH /api/drafts/<id>``;
answers ``{"draft", "open_points", "version", "can_undo"}``. Once the interview
is finished its draft is a stored profile: edit that one (``/api/drafts``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from app import interview_draft as service
from app.auth.identity import login_required
from app.context import current_user, db_session
from app.dialogue.engine import open_points
from app.domain.limits import within_limits
from app.domain import ProcessProfile
from app.problems import problem
from app.review import ReviewError
from app.storage.models import InterviewRow

from . import bp
from .body import json_body
from .interviews import _owner_only, load_interview


def _writable(interview_id: int) -> InterviewRow:
    interview = load_interview(interview_id)
    _owner_only(interview)
    if interview.status != "open":
        detail = "Dieses Interview ist abgeschlossen."
        if interview.draft_profile_id:
            detail += f" Bearbeiten Sie den gespeicherten Entwurf {interview.draft_profile_id} auf seiner Seite."
        raise problem(409, detail, **({"draft_id": interview.draft_profile_id} if interview.draft_profile_id else {}))
    return interview


def _answer(interview: InterviewRow) -> dict:
    draft = within_limits(ProcessProfile, interview.draft)
    return {"draft": draft.model_dump(mode="json"), "open_points": open_points(draft, interview.dialogue_state or {}),
            **service.state(db_session(), interview)}


def _run(action, interview: InterviewRow, *args) -> dict:
    session = db_session()
    # PostgreSQL: one panel change at a time per interview (SQLite has a single writer anyway).
    session.execute(select(InterviewRow.id).where(InterviewRow.id == interview.id).with_for_update())
    session.refresh(interview)
    try:
        action(session, interview, current_user(), *args)
        session.commit()
    except ReviewError as exc:
        session.rollback()
        raise problem(exc.status, str(exc), **({"errors": exc.errors} if exc.errors else {})) from exc
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        raise problem(409, "Der Entwurf wurde gerade an anderer Stelle geändert. Bitte laden Sie die Seite neu.") from exc
    return _answer(interview)


@bp.get("/interviews/<int:interview_id>/draft")
@login_required
def get_interview_draft(interview_id: int):
    return _answer(load_interview(interview_id))


@bp.patch("/interviews/<int:interview_id>/draft")
@login_required
def patch_interview_draft(interview_id: int):
    interview = _writable(interview_id)
    return _run(service.edit, interview, json_body())


@bp.post("/interviews/<int:interview_id>/draft/undo")
@login_required
def undo_interview_draft(interview_id: int):
    interview = _writable(interview_id)
    return _run(service.undo, interview)
