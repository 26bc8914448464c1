"""Reading JSON request bodies with German errors instead of Werkzeug's defaults."""

from __future__ import annotations

import json
import re
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
    if _nesting(raw) > MAX_DEPTH:
        raise problem(400, f"Die Daten sind zu tief verschachtelt (höchstens {MAX_DEPTH} Ebenen).")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise problem(400, f"Die Daten sind kein gültiges JSON ({_where(exc)}).") from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer with thousands of digits
        raise problem(400, "Die Daten enthalten eine Zahl, die zu groß ist.") from exc
    if not isinstance(data, dict):
        raise problem(400, "Erwartet wird ein JSON-Objekt in geschweiften Klammern.")
    _check_values(data)
    return data


MAX_DEPTH = 32
MAX_INT = 2**53  # larger integers are no ids, counts or minutes of ours
_SURROGATE = re.compile("[\ud800-\udfff]")


def _nesting(raw: bytes) -> int:
    """Deepest bracket nesting, counted outside strings, before parsing (json.loads recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _check_values(value: Any) -> None:
    """Refuse what no field of ours accepts but would break later: huge integers, lone surrogates."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and abs(item) > MAX_INT:
            raise problem(422, "Eine Zahl in den Daten ist zu groß.")
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise problem(400, "Der Text enthält ein ungültiges Zeichen (ein einzelnes UTF-16-Ersatzzeichen). "
                               "Bitte entfernen Sie es und senden Sie erneut; gespeichert wurde nichts.")


def _where(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"Zeile {exc.lineno}, Spalte {exc.colno}"
    return "keine gültige UTF-8-Kodierung"


def parse_body(model: type[M], what: str = "Die Angaben sind nicht gültig", *, required: bool = True) -> M:
    try:
        return model.model_validate(json_body(required=required))
    except ValidationError as exc:
        raise validation_problem(exc, what) from exc
