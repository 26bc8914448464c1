"""Reading JSON request bodies with German errors instead of Werkzeug's defaults."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError

from app.problems import problem, validation_problem

M = TypeVar("M", bound=BaseModel)


def json_body(*, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; 400/413/415 problems for anything else."""
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise problem(413, f"Die gesendeten Daten sind zu groß (höchstens {limit // 1024} KB).")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise problem(413, f"Die gesendeten Daten sind zu groß (höchstens {limit // 1024} KB).")
    if not raw.strip():
        if required:
            raise problem(400, "Die Anfrage enthält keine Daten. Erwartet wird ein JSON-Objekt.")
        return {}
    if not request.is_json:
        raise problem(415)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise problem(400, f"Die Daten sind kein gültiges JSON ({_where(exc)}).") from exc
    if not isinstance(data, dict):
        raise problem(400, "Erwartet wird ein JSON-Objekt in geschweiften Klammern.")
    return data


def _where(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"Zeile {exc.lineno}, Spalte {exc.colno}"
    return "keine gültige UTF-8-Kodierung"


def parse_body(model: type[M], what: str = "Die Angaben sind nicht gültig", *, required: bool = True) -> M:
    try:
        return model.model_validate(json_body(required=required))
    except ValidationError as exc:
        raise validation_problem(exc, what) from exc
