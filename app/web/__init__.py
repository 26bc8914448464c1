"""Server-rendered pages (German)."""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, g, render_template, request

from app.domain import wording
from app.problems import ApiProblem

from . import labels

bp = Blueprint("web", __name__)

NAV = (
    # (endpoint, label, roles)
    ("web.capture", "Neuen Prozess erfassen", ("clerk", "admin")),
    ("web.mine", "Meine Interviews und Entwürfe", ("clerk", "admin")),
    ("web.queue", "Prüfwarteschlange", ("modeller", "admin")),
    ("web.search", "Prozesse suchen", ("clerk", "modeller", "admin")),
    ("web.admin", "Kommunen und Benutzer", ("admin",)),
)


@bp.app_context_processor
def _navigation():
    user = g.get("user")
    items = [(endpoint, label) for endpoint, label, roles in NAV if user is not None and user.role in roles]
    return {"nav_items": items, "current_endpoint": request.endpoint, "role_label": labels.role_label}


@bp.app_template_filter("state_label")
def _state_label(state):
    return labels.state_label(state)


@bp.app_template_filter("counted")
def _counted(n, singular, plural=None):
    """``{{ n|counted("step") }}`` -> "1 Schritt" / "2 Schritte"."""
    return wording.counted(n, singular, plural)


@bp.app_template_filter("noun")
def _noun(n, singular, plural=None):
    return wording.noun(n, singular, plural)


@bp.app_template_filter("verb")
def _verb(n, singular, plural):
    return wording.verb(n, singular, plural)


@bp.app_template_filter("sentence_start")
def _sentence_start(text):
    return wording.sentence_start(text)


@bp.app_template_filter("kind_label")
def _kind_label(kind):
    return labels.kind_label(kind)


@bp.app_template_filter("kind_group")
def _kind_group(kind):
    return labels.kind_group(kind)


@bp.app_template_filter("kind_slug")
def _kind_slug(kind):
    from app.bpmn.svg import GROUP_SLUGS

    return GROUP_SLUGS.get(labels.kind_group(kind), "other")


@bp.app_template_filter("number")
def _number(value, digits: int = 0):
    """German number format: 1.234,5."""
    if value is None or value == "":
        return "–"
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@bp.app_template_filter("datetime_de")
def _datetime_de(value):
    """German local time; stored times are UTC (SQLite hands them back without a zone)."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        value = value.astimezone(ZoneInfo("Europe/Berlin"))
    except ZoneInfoNotFoundError:  # no time zone data on this system: show UTC, say so
        return value.astimezone(timezone.utc).strftime("%d.%m.%Y, %H:%M UTC")
    return value.strftime("%d.%m.%Y, %H:%M")


@bp.app_template_filter("iso_de")
def _iso_de(value):
    from datetime import datetime

    return _datetime_de(datetime.fromisoformat(value)) if value else "–"


@bp.errorhandler(ApiProblem)
def _page_problem(exc: ApiProblem):
    """Pages answer errors (also those raised by shared API helpers) with the German error page."""
    return render_template("error.html", problem=exc), exc.status


from . import account, admin, capture, inbox, pages, password_help, review, setup  # noqa: E402,F401  (routes register on import)
