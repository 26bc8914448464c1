"""Drafts under review: read, edit, submit, review, publish, archive, versions, diffs, comments."""

from __future__ import annotations

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, Field
from typing import Literal

from app import notifications, review
from app.access import can_see_work_item
from app import search as search_service
from app.auth.identity import login_required, roles_required
from app.context import current_user, db_session
from app.domain.comparison import diff_profiles
from app.domain.figures import figures
from app.problems import problem
from app.storage.models import ProfileRow
from app.storage.profiles import to_domain
from app.transport import MAX_ID

from . import bp
from .body import json_body, parse_body


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "request_changes", "reject"]
    comment: str | None = Field(default=None, max_length=4000)


class Publication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visibility: Literal["intern", "netzwerk"]


class NewComment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    step_n: int | None = Field(default=None, ge=1, le=10_000)


def load_draft(profile_id: int) -> ProfileRow:
    """Own municipality only: clerks see what they created, modellers and admins everything there."""
    user = current_user()
    row = db_session().get(ProfileRow, profile_id)
    if row is None or not can_see_work_item(user, row.municipality_id, row.created_by_id):
        raise problem(404, f"Einen Entwurf mit der Nummer {profile_id} gibt es nicht oder er ist für Sie nicht sichtbar.")
    return row


def profile_body(row: ProfileRow) -> dict:
    profile = to_domain(row)
    rate = row.municipality.hourly_rate_eur or current_app.config["DEFAULT_HOURLY_RATE_EUR"]
    return {**profile.model_dump(mode="json"), "version": row.version, "figures": figures(profile, rate)}


def _run(action, *args, reindex: bool = False, **kwargs):
    """Run a review action in one transaction; with ``reindex`` the search index changes in it too."""
    session = db_session()
    try:
        row = action(session, *args, **kwargs)
        if reindex:
            search_service.sync_profiles([row], session)
    except review.ReviewError as exc:
        session.rollback()
        notifications.discard(session)
        raise problem(exc.status, str(exc), **({"errors": exc.errors} if exc.errors else {})) from exc
    except search_service.IndexUnavailable as exc:
        session.rollback()
        notifications.discard(session)
        raise problem(503, "Der Suchindex ist gerade nicht erreichbar. Es wurde nichts geändert; "
                           "bitte versuchen Sie es in einer Minute erneut.") from exc
    session.commit()
    if reindex:
        search_service.engine().refresh()  # this process answers from the new state at once
    notifications.deliver(session, current_app.config, public_base())
    return row


def public_base() -> str:
    """Where links in e-mails point: ``PUBLIC_URL``, else the address this request came in on."""
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")


@bp.get("/drafts/<int:profile_id>")
@login_required
def get_draft(profile_id: int):
    row = load_draft(profile_id)
    return profile_body(row) | {"comments": review.comments(db_session(), row)}


@bp.patch("/drafts/<int:profile_id>")
@login_required
def patch_draft(profile_id: int):
    row = load_draft(profile_id)
    changes = json_body()
    _run(review.edit, row, current_user(), changes, reindex=True)
    return profile_body(row)


@bp.post("/drafts/<int:profile_id>/submit")
@login_required
def submit_draft(profile_id: int):
    row = load_draft(profile_id)
    _run(review.transition, row, current_user(), "submit")
    return profile_body(row)


@bp.post("/drafts/<int:profile_id>/review")
@roles_required("modeller", "admin")
def review_draft(profile_id: int):
    row = load_draft(profile_id)
    body = parse_body(ReviewDecision)
    _run(review.transition, row, current_user(), body.decision, comment=(body.comment or "").strip() or None)
    return profile_body(row)


@bp.post("/drafts/<int:profile_id>/publish")
@roles_required("modeller", "admin")
def publish_draft(profile_id: int):
    row = load_draft(profile_id)
    body = parse_body(Publication)
    _run(review.transition, row, current_user(), "publish", visibility=body.visibility,
         reindex=True)  # findable by search at once, in every worker within a second
    return profile_body(row)


@bp.post("/drafts/<int:profile_id>/archive")
@roles_required("modeller", "admin")
def archive_draft(profile_id: int):
    row = load_draft(profile_id)
    _run(review.transition, row, current_user(), "archive", reindex=True)  # gone from search
    return profile_body(row)


@bp.get("/drafts/<int:profile_id>/versions")
@login_required
def draft_versions(profile_id: int):
    row = load_draft(profile_id)
    return {"versions": review.versions(db_session(), row)}


@bp.get("/drafts/<int:profile_id>/diff")
@login_required
def draft_diff(profile_id: int):
    row = load_draft(profile_id)
    try:
        first = int(request.args.get("from", max(1, row.version - 1)))
        second = int(request.args.get("to", row.version))
    except ValueError:
        raise problem(400, "Die Parameter „from“ und „to“ müssen Versionsnummern sein.") from None
    if not (0 <= first <= MAX_ID and 0 <= second <= MAX_ID):
        raise problem(400, "Die Parameter „from“ und „to“ müssen gültige Versionsnummern sein.")
    session = db_session()
    try:
        old, new = review.version_profile(session, row, first), review.version_profile(session, row, second)
    except review.ReviewError as exc:
        raise problem(exc.status, str(exc)) from exc
    return {"from": first, "to": second, **diff_profiles(old, new)}


@bp.get("/drafts/<int:profile_id>/comments")
@login_required
def list_comments(profile_id: int):
    row = load_draft(profile_id)
    return {"comments": review.comments(db_session(), row)}


@bp.post("/drafts/<int:profile_id>/comments")
@login_required
def add_comment(profile_id: int):
    row = load_draft(profile_id)
    body = parse_body(NewComment, "Der Kommentar ist nicht gültig")
    comment = _run(review.add_comment, row, current_user(), body.text, body.step_n)
    return {"id": comment.id, "comments": review.comments(db_session(), row)}, 201


@bp.post("/drafts/<int:profile_id>/comments/<int:comment_id>/resolve")
@login_required
def resolve_comment(profile_id: int, comment_id: int):
    row = load_draft(profile_id)
    _run(review.resolve_comment, row, current_user(), comment_id)
    return {"comments": review.comments(db_session(), row)}
