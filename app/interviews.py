"""Interview sessions: storing every clerk message before answering, running the
interviewer, and turning a finished interview into a draft for review."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import search as search_service
from app.dialogue.engine import Interviewer, Template, Turn
from app.domain import InterviewMessage, ProcessProfile, SearchResult
from app.nlp.gazetteer import Gazetteer
from app.storage.audit import record
from app.storage.models import InterviewMessageRow, InterviewRow, ProfileRow, UserRow
from app.storage.profiles import save_profile, to_domain
from retrieval.filters import Filters

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 4000


def gazetteer() -> Gazetteer:
    """Software names known to the network, loaded once per process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("prozesslotse.gazetteer")
    if cached is None:
        from app.context import database

        names: set[str] = set()
        with database().session() as session:
            for content in session.scalars(select(ProfileRow.content)):
                names.update(content.get("it_systems") or [])
                names.update(s.get("it_system") for s in content.get("steps") or [] if s.get("it_system"))
        cached = app.extensions["prozesslotse.gazetteer"] = Gazetteer(n for n in names if n and len(n) <= 40)
    return cached


def template_search(session: Session, user: UserRow):
    """Similar profiles for the interviewer: other municipalities first, loaded with their steps."""

    def run(query: str) -> list[Template]:
        try:
            response = search_service.search(query[:500], k=10, mode="hybrid", group=False,
                                             filters=Filters(reader_municipality_id=user.municipality_id))
        except Exception:  # search must never stall the chat
            log.exception("Template search failed")
            return []
        hits = sorted(response.results, key=lambda h: h.metadata.get("municipality_id") == user.municipality_id)
        rows = {r.id: r for r in session.scalars(select(ProfileRow).where(ProfileRow.id.in_([h.id for h in hits])))}
        templates = []
        for hit in hits:
            row = rows.get(hit.id)
            if row is None:
                continue
            result = SearchResult.model_validate(search_service.result_dict(hit))
            templates.append(Template(result=result, profile=to_domain(row)))
        return templates

    return run


def extractor():
    """The LLM extractor when an LLM is configured (one per process), else None."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("LLM_PROVIDER"):
        return None
    if "prozesslotse.llm" not in app.extensions:
        from app.dialogue.llm import LLMExtractor, build_chat_model

        try:
            model = app.extensions.get("prozesslotse.chat_model") or build_chat_model(app.config)
            app.extensions["prozesslotse.llm"] = LLMExtractor(
                model, timeout=float(app.config["LLM_TIMEOUT_SECONDS"]),
                method=app.config.get("LLM_STRUCTURED_METHOD"), fallbacks=fallback_log())
        except Exception as exc:
            log.error("LLM not usable, the built-in interviewer answers: %s", exc)
            fallback_log().record(f"LLM nicht nutzbar: {exc}")
            return None
    return app.extensions["prozesslotse.llm"]


def fallback_log():
    from app.dialogue.llm import FallbackLog

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("prozesslotse.llm_fallback_log", FallbackLog())


def interviewer(session: Session, user: UserRow) -> Interviewer:
    return Interviewer(search=template_search(session, user), gazetteer=gazetteer(), extractor=extractor())


def _message_row(interview: InterviewRow, seq: int, message: InterviewMessage, client_id: str | None = None,
                 reply_to: int | None = None) -> InterviewMessageRow:
    return InterviewMessageRow(interview_id=interview.id, seq=seq, role=message.role, text=message.text,
                               slot=message.slot, suggestions=[s.model_dump() for s in message.suggestions],
                               client_id=client_id, reply_to_id=reply_to)


def message_dict(row: InterviewMessageRow) -> dict[str, Any]:
    return {"role": row.role, "text": row.text, "slot": row.slot, "suggestions": row.suggestions or []}


def _next_seq(session: Session, interview_id: int) -> int:
    return (session.scalar(select(func.max(InterviewMessageRow.seq)).where(
        InterviewMessageRow.interview_id == interview_id)) or 0) + 1


def start(session: Session, user: UserRow, title: str | None, retrieval: bool = True) -> tuple[InterviewRow, Turn]:
    turn = interviewer(session, user).start(title, retrieval=retrieval)
    interview = InterviewRow(title=title, municipality_id=user.municipality_id, user_id=user.id,
                             draft=turn.draft.model_dump(mode="json"), dialogue_state=turn.state)
    session.add(interview)
    session.flush()
    session.add(_message_row(interview, 1, turn.reply))
    record(session, "interview.start", "interview", interview.id, user_id=user.id)
    session.commit()
    return interview, turn


def find_reply(session: Session, interview: InterviewRow, client_id: str) -> InterviewMessageRow | None:
    clerk = session.scalar(select(InterviewMessageRow).where(InterviewMessageRow.interview_id == interview.id,
                                                             InterviewMessageRow.client_id == client_id))
    if clerk is None:
        return None
    return session.scalar(select(InterviewMessageRow).where(InterviewMessageRow.reply_to_id == clerk.id))


def store_clerk_message(session: Session, interview: InterviewRow, text: str, client_id: str | None) -> InterviewMessageRow:
    """Commit the clerk's words before anything else happens, so nothing typed is ever lost."""
    row = _message_row(interview, _next_seq(session, interview.id), InterviewMessage(role="clerk", text=text),
                       client_id=client_id)
    session.add(row)
    session.commit()
    return row


def answer(session: Session, interview: InterviewRow, clerk: InterviewMessageRow, user: UserRow) -> tuple[InterviewMessageRow, Turn]:
    draft = ProcessProfile.model_validate(interview.draft)
    turn = interviewer(session, user).reply(draft, dict(interview.dialogue_state or {}), clerk.text)
    reply = _message_row(interview, _next_seq(session, interview.id), turn.reply, reply_to=clerk.id)
    session.add(reply)
    interview.draft = turn.draft.model_dump(mode="json")
    interview.dialogue_state = turn.state
    if turn.draft.title and turn.draft.title != interview.title:
        interview.title = turn.draft.title
    session.commit()
    return reply, turn


def apologise(session: Session, interview: InterviewRow, clerk: InterviewMessageRow) -> InterviewMessageRow:
    """A reply when the interviewer failed: the message is kept, the clerk can go on."""
    slot = (interview.dialogue_state or {}).get("slot")
    text = ("Entschuldigung, bei der Auswertung Ihrer Nachricht ist ein Fehler aufgetreten. Ihre Nachricht ist "
            "gespeichert. Bitte formulieren Sie sie etwas anders oder fahren Sie mit der nächsten Angabe fort.")
    reply = _message_row(interview, _next_seq(session, interview.id),
                         InterviewMessage(role="assistant", text=text, slot=slot), reply_to=clerk.id)
    session.add(reply)
    session.commit()
    return reply


def finish(session: Session, interview: InterviewRow, user: UserRow) -> ProfileRow:
    """Turn the interview's draft into a profile in state ``draft``, linked to the interview and its templates."""
    if interview.draft_profile_id:
        existing = session.get(ProfileRow, interview.draft_profile_id)
        if existing is not None:
            return existing
    draft = ProcessProfile.model_validate(interview.draft)
    draft = draft.model_copy(update={"state": "draft", "visibility": "intern", "source": f"Interview {interview.id}"})
    result = save_profile(session, draft, municipality=user.municipality, author_id=user.id,
                          note="Aus Interview erstellt")
    row = result.row
    row.interview_id = interview.id
    row.reused_profile_ids = list((interview.dialogue_state or {}).get("reused", []))
    interview.status = "finished"
    interview.draft_profile_id = row.id
    record(session, "interview.finish", "interview", interview.id, user_id=user.id, after={"draft_id": row.id})
    session.commit()
    return row
