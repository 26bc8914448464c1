"""JSON API under ``/api`` (see ``shared/CONTRACT.md``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import audit, bpmn, catalogue, drafts, interview_draft, interviews, notifications, openapi, processes, search  # noqa: E402,F401  (routes register on import)
