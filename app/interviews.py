"""Interview sessions: storing every clerk message before answering, running the
interviewer, and turning a finished interview into a draft for review."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app import search as search_service
from app.dialogue.engine import Interviewer, Template, Turn
from app.domain.limits import within_limits
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


def find_clerk(session: Session, interview: InterviewRow, client_id: str) -> InterviewMessageRow | None:
    return session.scalar(select(InterviewMessageRow).where(InterviewMessageRow.interview_id == interview.id,
                                                            InterviewMessageRow.client_id == client_id))


def reply_to(session: Session, clerk: InterviewMessageRow) -> InterviewMessageRow | None:
    return session.scalar(select(InterviewMessageRow).where(InterviewMessageRow.reply_to_id == clerk.id)
                          .order_by(InterviewMessageRow.id).limit(1))


def find_reply(session: Session, interview: InterviewRow, client_id: str) -> InterviewMessageRow | None:
    clerk = find_clerk(session, interview, client_id)
    return None if clerk is None else reply_to(session, clerk)


def lease_seconds() -> float:
    """How long a clerk message stays claimed by the request answering it (longer than an LLM call)."""
    config = current_app.config
    return float(config.get("INTERVIEW_LEASE_SECONDS") or (float(config["LLM_TIMEOUT_SECONDS"]) + 10))


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Busy(Exception):
    """Another request is answering this message right now; retry after ``seconds``."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def claim(session: Session, clerk: InterviewMessageRow) -> None:
    """Take over answering a stored clerk message whose lease has expired (its worker died); else Busy."""
    now = _now()
    taken = session.execute(update(InterviewMessageRow).where(
        InterviewMessageRow.id == clerk.id,
        or_(InterviewMessageRow.lease_until.is_(None), InterviewMessageRow.lease_until < now),
    ).values(lease_until=now + timedelta(seconds=lease_seconds())).execution_options(synchronize_session=False))
    session.commit()
    if taken.rowcount != 1:
        session.refresh(clerk)
        until = clerk.lease_until
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=timezone.utc)
        raise Busy(max(1, int(((until or now) - now).total_seconds()) + 1))


ATTEMPTS = 8


def _append(session: Session, interview: InterviewRow,
            build: Callable[[int], InterviewMessageRow], before_commit: Callable[[], None] | None = None
            ) -> InterviewMessageRow:
    """Add a message with the next ``seq``, serialised per interview.

    PostgreSQL: the interview row is locked while the number is taken. SQLite
    has one writer anyway; a collision there (two tabs) is retried. Either
    way two tabs never produce a 500.
    """
    for attempt in range(ATTEMPTS):
        try:
            session.execute(select(InterviewRow.id).where(InterviewRow.id == interview.id).with_for_update())
            row = build(_next_seq(session, interview.id))
            session.add(row)
            if before_commit is not None:
                before_commit()
            session.commit()
            return row
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, IntegrityError) and "client_id" in str(exc.orig).lower():
                raise
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def store_clerk_message(session: Session, interview: InterviewRow, text: str, client_id: str | None,
                        answer_to: str | None = None) -> InterviewMessageRow:
    """Commit the clerk's words before anything else happens, so nothing typed is ever lost.

    ``answer_to`` (the slot of the question the message answers, when the client says so) is kept
    in the clerk message's ``slot``, so that a retry after a crashed worker answers it the same way.

    The message is leased to this request while it is answered; if the worker
    dies, a retry with the same ``client_id`` after the lease answers it.
    """
    lease = _now() + timedelta(seconds=lease_seconds())

    def build(seq: int) -> InterviewMessageRow:
        row = _message_row(interview, seq, InterviewMessage(role="clerk", text=text, slot=answer_to),
                           client_id=client_id)
        row.lease_until = lease
        return row

    return _append(session, interview, build)


def _reply_once(session: Session, interview: InterviewRow, clerk: InterviewMessageRow,
                message: InterviewMessage, apply: Callable[[], None] | None = None) -> InterviewMessageRow:
    """Store the reply unless one exists already (a retry that took over finished first)."""
    existing: list[InterviewMessageRow] = []

    def check() -> None:
        with session.no_autoflush:  # the reply being added must not find itself
            found = reply_to(session, clerk)
        if found is not None:
            existing.append(found)
            raise _AlreadyAnswered()
        if apply is not None:
            apply()

    try:
        return _append(session, interview, lambda seq: _message_row(interview, seq, message, reply_to=clerk.id),
                       before_commit=check)
    except _AlreadyAnswered:
        session.rollback()
        return existing[0]


class _AlreadyAnswered(Exception):
    pass


def answer(session: Session, interview: InterviewRow, clerk: InterviewMessageRow, user: UserRow) -> tuple[InterviewMessageRow, Turn]:
    draft = within_limits(ProcessProfile, interview.draft)
    turn = interviewer(session, user).reply(draft, dict(interview.dialogue_state or {}), clerk.text,
                                            answer_to=clerk.slot if clerk.role == "clerk" else None)

    def apply() -> None:
        interview.draft = within_limits(ProcessProfile, turn.draft.model_dump(mode="json")).model_dump(mode="json")
        interview.dialogue_state = turn.state
        if turn.draft.title and turn.draft.title != interview.title:
            interview.title = turn.draft.title

    reply = _reply_once(session, interview, clerk, turn.reply, apply)
    return reply, turn


def apologise(session: Session, interview: InterviewRow, clerk: InterviewMessageRow) -> InterviewMessageRow:
    """A reply when the interviewer failed: the message is kept, the clerk can go on."""
    slot = (interview.dialogue_state or {}).get("slot")
    text = ("Entschuldigung, bei der Auswertung Ihrer Nachricht ist ein Fehler aufgetreten. Ihre Nachricht ist "
            "gespeichert. Bitte formulieren Sie sie etwas anders oder fahren Sie mit der nächsten Angabe fort.")
    return _reply_once(session, interview, clerk, InterviewMessage(role="assistant", text=text, slot=slot))


def finish(session: Session, interview: InterviewRow, user: UserRow) -> ProfileRow:
    """Turn the interview's draft into a profile in state ``draft``, linked to the interview and its templates."""
    if interview.draft_profile_id:
        existing = session.get(ProfileRow, interview.draft_profile_id)
        if existing is not None:
            return existing
    draft = within_limits(ProcessProfile, interview.draft)
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
