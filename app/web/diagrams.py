"""The pages' view of the one process diagram renderer (``app.bpmn.svg``)."""

from __future__ import annotations

from flask import Response
from markupsafe import Markup

from app.bpmn.svg import legend, render_svg
from app.domain import ProcessProfile
from app.problems import problem

__all__ = ["inline_svg", "legend", "standalone_svg"]


def inline_svg(profile: ProcessProfile, id_prefix: str) -> Markup | None:
    """Inline markup for a page (escaped by the renderer); None without steps, the page then says so."""
    return Markup(render_svg(profile, id_prefix=id_prefix)) if profile.steps else None


def standalone_svg(profile: ProcessProfile) -> Response:
    if not profile.steps:
        raise problem(409, "Dieser Steckbrief hat noch keine Prozessschritte, die sich zeichnen ließen.")
    return Response(render_svg(profile, id_prefix="dgm", standalone=True), mimetype="image/svg+xml")
