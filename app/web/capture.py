"""Clerks: capture a process in the chat, and the list of their interviews and drafts."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import func, select

from app import interview_draft as panel
from app import interviews as service
from app.access import readable_profiles
from app.api.catalogue import kinds as api_kinds
from app.api.interviews import load_interview
from app.context import current_user, db_session
from app.dialogue.engine import PLACEHOLDER_TITLE, declined_points, open_points
from app.domain import ProcessProfile
from app.storage.models import InterviewMessageRow, InterviewRow, ProfileRow
from app.storage.profiles import to_domain

from . import bp, labels
from .guards import CAPTURE_ROLES, page

MAX_TITLE = 300


@bp.route("/erfassen", methods=["GET", "POST"])
@page(*CAPTURE_ROLES)
def capture():
    if request.method == "POST":
        title = (request.form.get("title") or "").strip()
        if len(title) > MAX_TITLE:
            return render_template("capture_start.html", title=title,
                                   error=f"Der Name ist zu lang (höchstens {MAX_TITLE} Zeichen)."), 422
        retrieval = request.form.get("retrieval", "1") != "0"
        interview, _turn = service.start(db_session(), current_user(), title or None, retrieval=retrieval)
        return redirect(url_for("web.interview", interview_id=interview.id))
    user = current_user()
    open_ones = db_session().scalars(select(InterviewRow).where(
        InterviewRow.user_id == user.id, InterviewRow.status == "open").order_by(InterviewRow.updated_at.desc())
        .limit(5)).all()
    return render_template("capture_start.html", title="", error=None, open_interviews=open_ones)


def offered_title(messages: list[dict]) -> str | None:
    """The template the last assistant message offers, when it asks to confirm one.

    No longer used by the page (every card has its own button, chat.js); tests/test_web.py still checks it."""
    last = next((m for m in reversed(messages) if m["role"] == "assistant"), None)
    if last is None or last.get("slot") != "confirm_template":
        return None
    for suggestion in last.get("suggestions") or []:
        if f"„{suggestion['title']}“" in last["text"]:
            return suggestion["title"]
    return ""  # offered, but not one of the cards


def usable_cards(messages: list[dict], user) -> list[dict]:
    """The suggestion cards that can serve as a template, each with its number of steps.

    A profile without steps (or one the reader can no longer see) cannot be taken over: its card would
    only push the assistant's question out of view, so it is not shown. chat.js does the same for the
    cards of a new reply."""
    ids = {s.get("id") for m in messages for s in m.get("suggestions") or [] if isinstance(s.get("id"), int)}
    steps: dict[int, int] = {}
    if ids:
        steps = dict(db_session().execute(select(ProfileRow.id, ProfileRow.step_count).where(
            ProfileRow.id.in_(ids), readable_profiles(user))).all())
    return [dict(m, suggestions=[dict(s, steps=steps[s["id"]]) for s in m.get("suggestions") or []
                                 if steps.get(s.get("id"))]) for m in messages]


@bp.get("/interviews/<int:interview_id>")
@page()
def interview(interview_id: int):
    row = load_interview(interview_id)  # the API's visibility rule
    user = current_user()
    messages = usable_cards([service.message_dict(m) for m in row.messages], user)
    draft = ProcessProfile.model_validate(row.draft).model_dump(mode="json")
    state = row.dialogue_state or {}
    points = open_points(ProcessProfile.model_validate(row.draft), state)
    can_write = row.status == "open" and row.user_id == user.id
    draft_row = db_session().get(ProfileRow, row.draft_profile_id) if row.draft_profile_id else None
    if draft_row is not None:
        # Finished: the stored draft (perhaps edited since on its page) is what the panel shows.
        draft = to_domain(draft_row).model_dump(mode="json")
    data = {"id": row.id, "status": row.status, "messages": messages, "draft": draft, "open_points": points,
            "declined_points": declined_points(state),
            "slot_total": labels.slot_total(), "max_message_chars": service.MAX_MESSAGE_CHARS, "kinds": api_kinds()["kinds"], "can_write": can_write,
            "draft_id": row.draft_profile_id,
            "can_undo": can_write and panel.can_undo(db_session(), row)}
    named = row.title and row.title != PLACEHOLDER_TITLE
    return render_template("interview.html", interview=row, messages=messages, data=data, draft=draft,
                           heading=row.title if named else "Neuen Prozess erfassen",
                           open_points=points, can_write=can_write, draft_row=draft_row)


@bp.get("/meine")
@page(*CAPTURE_ROLES)
def mine():
    user = current_user()
    session = db_session()
    counts = dict(session.execute(
        select(InterviewMessageRow.interview_id, func.count()).join(InterviewRow).where(
            InterviewRow.user_id == user.id, InterviewMessageRow.role == "clerk")
        .group_by(InterviewMessageRow.interview_id)).all())
    interviews = session.scalars(select(InterviewRow).where(InterviewRow.user_id == user.id)
                                 .order_by(InterviewRow.updated_at.desc())).all()
    drafts = session.scalars(select(ProfileRow).where(ProfileRow.created_by_id == user.id,
                                                      ProfileRow.municipality_id == user.municipality_id)
                             .order_by(ProfileRow.updated_at.desc())).all()
    return render_template("mine.html", interviews=interviews, drafts=drafts, counts=counts,
                           interview_status=labels.INTERVIEW_STATUS, placeholder=PLACEHOLDER_TITLE)



