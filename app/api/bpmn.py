"""BPMN 2.0 in and out: export with diagram layout, import for modellers, SVG diagram (same renderer as the pages)."""

from __future__ import annotations

from flask import Response, current_app, request

from app.auth.identity import login_required, roles_required
from app.context import current_user, db_session
from app.problems import problem
from app.storage.audit import record
from app.storage.profiles import save_profile, to_domain

from . import bp
from .processes import load_readable_profile

MAX_IMPORT_BYTES = 10 * 1024 * 1024


@bp.get("/processes/<int:profile_id>/bpmn")
@login_required
def process_bpmn(profile_id: int):
    from app.bpmn.export import to_bpmn

    profile = to_domain(load_readable_profile(profile_id))
    if not profile.steps:
        raise problem(409, "Dieser Steckbrief hat noch keine Prozessschritte; ohne Schritte gibt es kein BPMN-Modell.")
    response = Response(to_bpmn(profile), mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="prozess-{profile_id}.bpmn"'
    return response


@bp.get("/processes/<int:profile_id>/diagram.svg")
@login_required
def process_diagram(profile_id: int):
    from app.bpmn.svg import render_svg

    profile = to_domain(load_readable_profile(profile_id))
    if not profile.steps:
        raise problem(409, "Dieser Steckbrief hat noch keine Prozessschritte, die sich zeichnen ließen.")
    return Response(render_svg(profile, standalone=True), mimetype="image/svg+xml")


@bp.post("/import/bpmn")
@roles_required("modeller", "admin")
def import_bpmn():
    """A BPMN file (raw body or multipart field ``file``) becomes a draft of the caller's municipality."""
    from app.bpmn.importer import BpmnImportError, from_bpmn

    if request.content_length and request.content_length > MAX_IMPORT_BYTES:
        raise problem(413, "Die BPMN-Datei ist zu groß (höchstens 10 MB).")
    upload = request.files.get("file")
    data = upload.read(MAX_IMPORT_BYTES + 1) if upload else request.get_data(cache=False)
    if not data:
        raise problem(400, "Bitte eine BPMN-Datei senden (als Anfrageinhalt oder im Formularfeld „file“).")
    try:
        profile = from_bpmn(data)
    except BpmnImportError as exc:
        raise problem(422, str(exc)) from exc
    user = current_user()
    session = db_session()
    profile = profile.model_copy(update={"state": "draft", "visibility": "intern",
                                         "source": f"BPMN-Import{': ' + upload.filename if upload else ''}"[:500]})
    row = save_profile(session, profile, municipality=user.municipality, author_id=user.id, note="BPMN-Import").row
    record(session, "profile.import_bpmn", "profile", row.id, user_id=user.id)
    session.commit()
    current_app.logger.info("BPMN import created draft %s", row.id)
    from .drafts import profile_body

    return profile_body(row), 201
