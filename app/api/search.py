"""``GET /api/search`` and ``GET /api/processes/<id>/similar``."""

from __future__ import annotations

import os

from flask import request

from app import search as search_service
from app.auth.identity import login_required
from app.context import current_user
from app.domain import LAENDER
from app.problems import problem
from app.storage.profiles import to_domain
from retrieval.engine import MODES
from retrieval.filters import Filters

from . import bp
from .processes import load_readable_profile

MAX_QUERY_CHARS = 500
MAX_K = 100


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise problem(400, f"Der Parameter „{name}“ muss eine ganze Zahl sein, nicht „{raw[:40]}“.") from None
    if not low <= value <= high:
        raise problem(400, f"Der Parameter „{name}“ muss zwischen {low} und {high} liegen.")
    return value


def _bool_arg(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "ja", "yes"):
        return True
    if raw.lower() in ("0", "false", "nein", "no"):
        return False
    raise problem(400, f"Der Parameter „{name}“ muss ja/nein (true/false) sein.")


def _text_arg(name: str) -> str | None:
    raw = (request.args.get(name) or "").strip()
    if len(raw) > 200:
        raise problem(400, f"Der Parameter „{name}“ ist zu lang (höchstens 200 Zeichen).")
    return raw or None


@bp.get("/search")
@login_required
def search():
    query = (request.args.get("q") or "").strip()
    if not query:
        raise problem(400, "Bitte geben Sie einen Suchbegriff ein (Parameter „q“).")
    if len(query) > MAX_QUERY_CHARS:
        raise problem(400, f"Der Suchbegriff ist zu lang (höchstens {MAX_QUERY_CHARS} Zeichen).")
    mode = request.args.get("mode") or "hybrid"
    if mode not in MODES:
        raise problem(400, f"Unbekannter Suchmodus „{mode[:40]}“. Erlaubt: {', '.join(MODES)}.")
    land = _text_arg("land")
    if land is not None and land not in LAENDER:
        raise problem(400, f"Unbekanntes Bundesland „{land}“.")
    user = current_user()
    filters = Filters(municipality=_text_arg("municipality"), land=land, category=_text_arg("category"),
                      has_steps=_bool_arg("has_steps"), reader_municipality_id=user.municipality_id)
    group = _bool_arg("group")
    response = search_service.search(query, k=_int_arg("k", 10, 1, MAX_K), mode=mode, filters=filters,
                                     group=True if group is None else group)
    return _answer(response, mode=response.mode)


@bp.get("/processes/<int:profile_id>/similar")
@login_required
def similar(profile_id: int):
    row = load_readable_profile(profile_id)
    user = current_user()
    response = search_service.similar(to_domain(row), k=_int_arg("k", 10, 1, MAX_K),
                                      reader_municipality_id=user.municipality_id,
                                      own_municipality=row.municipality.name)
    return _answer(response)


def _answer(response, **extra):
    """Results plus which index version and which worker answered (for operators and the load bench)."""
    body = {"results": [search_service.result_dict(h) for h in response.results], **extra,
            "degraded": response.degraded, "index_version": response.index_version}
    return body, 200, {"X-Index-Version": f"{response.index_generation}.{response.index_version}",
                       "X-Worker-Pid": str(os.getpid())}
