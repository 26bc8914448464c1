"""The interview API: start, talk, finish (see ``shared/CONTRACT.md``)."""

from __future__ import annotations

from typing import get_args

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from app import interviews as service
from app.access import can_see_work_item
from app.auth.identity import login_required
from app.context import current_user, db_session
from app.dialogue.engine import declined_points, open_points
from app.domain.limits import within_limits
from app.domain import ProcessProfile
from app.domain.models import Slot
from app.problems import problem
from app.storage.models import InterviewRow

from . import bp
from .body import parse_body


class StartInterview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=300)
    retrieval: bool = True


class ClerkMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    client_id: str | None = Field(default=None, min_length=1, max_length=100)
    # Optional: the slot of the question this message answers (the client knows the last assistant message).
    answer_to: str | None = Field(default=None, max_length=40)


SLOTS: tuple[str, ...] = get_args(Slot)


def _draft_dict(interview: InterviewRow) -> dict:
    return within_limits(ProcessProfile, interview.draft).model_dump(mode="json")


def load_interview(interview_id: int) -> InterviewRow:
    """Clerks see their own interviews; modellers and admins all of their municipality."""
    user = current_user()
    row = db_session().get(InterviewRow, interview_id)
    if row is None or not can_see_work_item(user, row.municipality_id, row.user_id):
        raise problem(404, f"Ein Interview mit der Nummer {interview_id} gibt es nicht oder es ist für Sie nicht sichtbar.")
    return row


def _owner_only(interview: InterviewRow) -> None:
    """Colleagues may read an interview; only the clerk who holds it writes to it or finishes it."""
    if interview.user_id != current_user().id:
        raise problem(403, "Nur die Person, die dieses Interview führt, kann darin schreiben oder es abschließen.")


@bp.post("/interviews")
@login_required
def start_interview():
    body = parse_body(StartInterview, required=False)
    title = (body.title or "").strip() or None
    interview, turn = service.start(db_session(), current_user(), title, retrieval=body.retrieval)
    return {"id": interview.id, "messages": [turn.reply.model_dump(mode="json")], "draft": _draft_dict(interview),
            "open_points": turn.open_points, "declined_points": declined_points(turn.state)}, 201


@bp.get("/interviews/<int:interview_id>")
@login_required
def get_interview(interview_id: int):
    interview = load_interview(interview_id)
    state = interview.dialogue_state or {}
    return {"id": interview.id, "status": interview.status, "title": interview.title,
            "messages": [service.message_dict(m) for m in interview.messages], "draft": _draft_dict(interview),
            "open_points": open_points(within_limits(ProcessProfile, interview.draft), state),
            "declined_points": declined_points(state), "draft_id": interview.draft_profile_id}


@bp.post("/interviews/<int:interview_id>/messages")
@login_required
def post_message(interview_id: int):
    session = db_session()
    interview = load_interview(interview_id)
    body = parse_body(ClerkMessage, "Die Nachricht ist nicht gültig")
    if body.answer_to is not None and body.answer_to not in SLOTS:
        raise problem(400, f"„answer_to“ nennt keine bekannte Frage: „{body.answer_to}“. Erlaubt sind: "
                           f"{', '.join(SLOTS)}.")
    _owner_only(interview)
    if interview.status != "open":
        raise problem(409, "Dieses Interview ist bereits abgeschlossen. Starten Sie für einen neuen Ablauf ein neues Interview.")
    text = body.text.strip()
    if not text:
        raise problem(422, "Die Nachricht ist leer. Bitte schreiben Sie, wie der Ablauf bei Ihnen ist.")
    if len(text) > service.MAX_MESSAGE_CHARS:
        raise problem(422, f"Die Nachricht ist zu lang ({len(text)} Zeichen). Bitte teilen Sie sie auf; "
                           f"höchstens {service.MAX_MESSAGE_CHARS} Zeichen pro Nachricht.")
    user = current_user()
    clerk = None
    if body.client_id:
        clerk = service.find_clerk(session, interview, body.client_id)
        if clerk is not None:
            earlier = service.reply_to(session, clerk)
            if earlier is not None:  # the same message again: answer once
                return {"reply": service.message_dict(earlier), "draft": _draft_dict(interview), "repeated": True}
            _take_over(session, clerk)  # stored, never answered: its worker died once the lease is over
    if clerk is None:
        try:
            clerk = service.store_clerk_message(session, interview, text, body.client_id, body.answer_to)
        except IntegrityError:
            session.rollback()  # a parallel request with the same client_id won
            clerk = service.find_clerk(session, interview, body.client_id or "")
            if clerk is None:
                raise
            earlier = service.reply_to(session, clerk)
            if earlier is not None:
                return {"reply": service.message_dict(earlier), "draft": _draft_dict(interview), "repeated": True}
            _take_over(session, clerk)
    try:
        reply, turn = service.answer(session, interview, clerk, user)
    except Exception:
        # The clerk's message is already stored; never answer with a 500 here.
        current_app.logger.exception("Interview %s: answering failed", interview.id)
        session.rollback()
        reply = service.apologise(session, interview, clerk)
        return {"reply": service.message_dict(reply), "draft": _draft_dict(interview), "degraded": True}
    return {"reply": service.message_dict(reply), "draft": turn.draft.model_dump(mode="json"),
            "open_points": turn.open_points, "declined_points": declined_points(turn.state)}


def _take_over(session, clerk) -> None:
    try:
        service.claim(session, clerk)
    except service.Busy as busy:
        raise problem(409, "Diese Nachricht wird gerade schon bearbeitet. Bitte einen Moment warten und dann "
                           "erneut senden.", retry_after=busy.seconds) from None


@bp.post("/interviews/<int:interview_id>/finish")
@login_required
def finish_interview(interview_id: int):
    session = db_session()
    interview = load_interview(interview_id)
    _owner_only(interview)
    row = service.finish(session, interview, current_user())
    return {"draft_id": row.id}
