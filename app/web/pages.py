"""Start page, search, process details, comparison and downloads (everyone signed in)."""

from __future__ import annotations

import logging

from flask import Response, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.access import readable_profiles
from app.api.drafts import profile_body
from app.api.processes import compare as api_compare
from app.api.processes import load_readable_profile
from app.api.search import search as api_search
from app.api.search import similar as api_similar
from app.context import current_user, db_session
from app.problems import ApiProblem
from app.storage.models import InterviewRow, MunicipalityRow, ProfileRow
from app.storage.profiles import to_domain

from . import bp, labels
from .diagrams import inline_svg, legend, standalone_svg
from .links import safe_back_path
from .guards import REVIEW_ROLES, page

log = logging.getLogger(__name__)


@bp.get("/")
def index():
    user = current_user()
    if user is None:
        from .setup import setup_needed

        return redirect(url_for("web.setup" if setup_needed() else "auth.login"))
    session = db_session()
    visible = session.scalar(select(func.count()).select_from(ProfileRow).where(readable_profiles(user)))
    own = session.scalar(select(func.count()).select_from(ProfileRow)
                         .where(ProfileRow.municipality_id == user.municipality_id))
    queue = None
    if user.role in REVIEW_ROLES:
        queue = session.scalar(select(func.count()).select_from(ProfileRow).where(
            ProfileRow.municipality_id == user.municipality_id, ProfileRow.state == "in_review"))
    open_interviews = session.scalar(select(func.count()).select_from(InterviewRow).where(
        InterviewRow.user_id == user.id, InterviewRow.status == "open"))
    return render_template("index.html", user=user, visible=visible, own=own, queue=queue,
                           open_interviews=open_interviews)


def _filter_options(user) -> dict[str, list[str]]:
    """Municipalities, Länder and categories that searchable profiles visible to the user have."""
    session = db_session()
    visible = readable_profiles(user) & (ProfileRow.state == "published")
    rows = session.execute(select(MunicipalityRow.name, MunicipalityRow.land).join(
        ProfileRow, ProfileRow.municipality_id == MunicipalityRow.id).where(visible).distinct()).all()
    categories = session.scalars(select(ProfileRow.category).where(visible, ProfileRow.category.is_not(None))
                                 .distinct()).all()
    return {"municipalities": sorted({name for name, _ in rows}),
            "laender": sorted({land for _, land in rows if land}),
            "categories": sorted(c for c in categories if c)}


@bp.get("/suche")
@page()
def search():
    user = current_user()
    query = (request.args.get("q") or "").strip()
    chosen = {key: (request.args.get(key) or "").strip() for key in ("municipality", "land", "category")}
    results, error, degraded = None, None, False
    if query:
        try:
            answer = _body(api_search())  # the API's own validation and tenancy, on this request's arguments
            results, degraded = answer["results"], answer.get("degraded", False)
        except ApiProblem as exc:
            error = exc.detail
        except Exception:  # noqa: BLE001 - the page must still render
            log.exception("Search failed")
            error = "Die Suche ist gerade nicht verfügbar. Bitte versuchen Sie es in Kürze erneut."
    elif any(chosen.values()):
        error = "Bitte geben Sie einen Suchbegriff ein."
    return render_template("search.html", query=query, chosen=chosen, results=results, error=error,
                           degraded=degraded, options=_filter_options(user))


def _body(answer):
    """The JSON body of an API view's answer, which may come with status and headers."""
    return answer[0] if isinstance(answer, tuple) else answer


def _similar(profile_id: int, limit: int = 6) -> tuple[list[dict], str | None]:
    try:
        return _body(api_similar(profile_id))["results"][:limit], None
    except ApiProblem as exc:
        return [], exc.detail
    except Exception:  # noqa: BLE001
        log.exception("Similar processes failed for %s", profile_id)
        return [], "Ähnliche Prozesse können gerade nicht geladen werden."


def _bpmn_available() -> bool:
    return any(rule.rule == "/api/processes/<int:profile_id>/bpmn" for rule in current_app.url_map.iter_rules())


def _draft_link(row: ProfileRow) -> str | None:
    """The review page, when the user works on this profile there."""
    user = current_user()
    if row.municipality_id != user.municipality_id:
        return None
    if user.role in REVIEW_ROLES or row.created_by_id == user.id:
        return url_for("web.draft", profile_id=row.id)
    return None


@bp.get("/prozesse/<int:profile_id>")
@page()
def process(profile_id: int):
    row = load_readable_profile(profile_id)
    body = profile_body(row)
    profile = to_domain(row)
    similar, similar_error = _similar(profile_id)
    return render_template("process.html", profile=profile, body=body, figures=body["figures"],
                           visibility=row.visibility,
                           svg=inline_svg(profile, f"dgm-{row.id}"), legend=legend(),
                           similar=similar, similar_error=similar_error, bpmn=_bpmn_available(),
                           draft_link=_draft_link(row), field_labels=labels.FIELD_LABELS)


@bp.get("/prozesse/<int:profile_id>/diagramm.svg")
@page()
def process_svg(profile_id: int):
    row = load_readable_profile(profile_id)
    return standalone_svg(to_domain(row))


@bp.get("/prozesse/<int:profile_id>/koos.md")
@page()
def process_koos(profile_id: int):
    from app.corpus.koos import _unit_ids, process_id, render_process

    row = load_readable_profile(profile_id)
    profile = to_domain(row)
    text = render_process(profile, process_id(profile), _unit_ids([profile]))
    response = Response(text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'attachment; filename="prozess-{row.id}.md"'
    return response


@bp.get("/prozesse/<int:profile_id>/vergleich/<int:other_id>")
@page()
def compare(profile_id: int, other_id: int):
    data = api_compare(profile_id, other_id)  # the API answer: same checks, same shape
    counts = {status: sum(1 for r in data["steps"] if r["status"] == status)
              for status in ("match", "only_left", "only_right")}
    back = safe_back_path(request.args.get("zurueck"))
    return render_template("compare.html", data=data, counts=counts, back=back)
