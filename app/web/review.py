"""Modellers: review queue and the draft page (edit, diagram, comments, versions, decisions)."""

from __future__ import annotations

import json

from flask import render_template, request, url_for
from sqlalchemy import select

from app import review as review_service
from app.api.catalogue import kinds as api_kinds
from app.api.drafts import load_draft, profile_body
from app.context import current_user, db_session
from app.domain.lifecycle import may_edit
from app.storage.models import AuditEventRow, ProfileRow, UserRow
from app.storage.profiles import to_domain

from . import bp, labels
from .diagrams import inline_svg, legend
from .guards import REVIEW_ROLES, page
from .pages import _similar

QUEUE_STATES = ("in_review", "changes_requested", "approved")


@bp.get("/pruefung")
@page(*REVIEW_ROLES)
def queue():
    user = current_user()
    session = db_session()
    rows = session.scalars(select(ProfileRow).where(ProfileRow.municipality_id == user.municipality_id,
                                                    ProfileRow.state.in_(QUEUE_STATES))
                           .order_by(ProfileRow.updated_at.desc())).all()
    authors = dict(session.execute(select(UserRow.id, UserRow.username).where(
        UserRow.id.in_({r.created_by_id for r in rows if r.created_by_id}))).all())
    groups = [(state, labels.state_label(state), [r for r in rows if r.state == state]) for state in QUEUE_STATES]
    return render_template("queue.html", groups=groups, authors=authors)


def _abilities(row: ProfileRow) -> dict[str, bool]:
    user = current_user()
    reviewer = user.role in REVIEW_ROLES
    own = row.created_by_id == user.id
    may_decide = reviewer and (not own or user.role == "admin")
    return {
        "edit": may_edit(row.state, user.role),
        "submit": row.state in ("draft", "changes_requested"),
        "review": may_decide and row.state == "in_review",
        "publish": may_decide and row.state == "approved",
        "archive": reviewer and row.state in ("published", "approved", "rejected"),
        "reviewer": reviewer,
        "own": own,
    }


def status_history(session, row: ProfileRow) -> list[dict]:
    """The profile's status changes (submitted, approved, published …) from the audit trail, oldest first.

    They are shown beside the versions but are none: a version is a change of the content."""
    events = session.scalars(select(AuditEventRow).where(
        AuditEventRow.object_type == "profile", AuditEventRow.object_id == str(row.id),
        AuditEventRow.action.like("profile.%")).order_by(AuditEventRow.at, AuditEventRow.id)).all()
    changes = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        if "state" not in after:
            continue  # an edit, a comment, a renumbering: not a status change
        if before.get("state") == after["state"] and before.get("visibility") == after.get("visibility"):
            continue
        changes.append((event, after))
    names = dict(session.execute(select(UserRow.id, UserRow.username).where(
        UserRow.id.in_({e.user_id for e, _ in changes if e.user_id}))).all()) if changes else {}
    return [{"created_at": event.at.isoformat(), "author": names.get(event.user_id), "action": event.action,
             "state": after["state"], "visibility": after.get("visibility")} for event, after in changes]


def _analysis_context(row: ProfileRow) -> dict:
    profile = to_domain(row)
    body = profile_body(row)
    return {"profile": profile, "figures": body["figures"], "version": row.version,
            "svg": inline_svg(profile, f"dgm-{row.id}"), "legend": legend()}


@bp.get("/entwuerfe/<int:profile_id>")
@page()
def draft(profile_id: int):
    row = load_draft(profile_id)  # the API's visibility rule: own drafts, or the municipality's for modellers
    session = db_session()
    abilities = _abilities(row)
    body = profile_body(row)
    comments = review_service.comments(session, row)
    versions = review_service.versions(session, row)
    history = status_history(session, row)
    author = session.get(UserRow, row.created_by_id) if row.created_by_id else None
    similar, similar_error = _similar(row.id) if abilities["reviewer"] else ([], None)
    data = {"id": row.id, "profile": {k: v for k, v in body.items() if k != "figures"}, "comments": comments,
            "versions": versions, "status_history": history, "kinds": api_kinds()["kinds"],
            "can_edit": abilities["edit"],
            "preview_url": url_for("web.draft_preview", profile_id=row.id),
            "labels": {"fields": labels.FIELD_LABELS, "steps": labels.STEP_FIELD_LABELS,
                       "states": labels.STATE_LABELS, "visibility": labels.VISIBILITY_LABELS}}
    done = labels.DONE_MESSAGES.get(request.args.get("erledigt", ""))
    return render_template("draft.html", row=row, body=body, abilities=abilities, comments=comments,
                           versions=versions, author=author, similar=similar, similar_error=similar_error,
                           data=data, done=done, kinds=labels.kinds_by_group(), field_labels=labels.FIELD_LABELS,
                           list_fields=labels.LIST_FIELDS, **_analysis_context(row))


@bp.get("/entwuerfe/<int:profile_id>/vorschau")
@page(*REVIEW_ROLES)
def draft_preview(profile_id: int):
    """The process page exactly as other municipalities will see it once published to the network."""
    row = load_draft(profile_id)
    body = profile_body(row)
    visibility = "intern" if request.args.get("sichtbarkeit") == "intern" else "netzwerk"
    profile = to_domain(row).model_copy(update={"state": "published", "visibility": visibility})
    return render_template("process.html", profile=profile, body=body, figures=body["figures"], visibility=visibility,
                           svg=inline_svg(profile, f"dgm-{row.id}"), legend=legend(), similar=[], similar_error=None,
                           bpmn=True, draft_link=None, field_labels=labels.FIELD_LABELS,
                           preview={"row": row, "back": url_for("web.draft", profile_id=row.id),
                                    "json": json.dumps({**body, "state": "published", "visibility": visibility},
                                                       ensure_ascii=False, indent=2)})


@bp.get("/entwuerfe/<int:profile_id>/analyse")
@page()
def draft_analysis(profile_id: int):
    """The diagram and figures as an HTML fragment, fetched again after each save."""
    row = load_draft(profile_id)
    return render_template("_analysis.html", **_analysis_context(row))
