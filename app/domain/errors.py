"""German wording for validation errors.

Pydantic reports in English; clerks read German. Each error becomes
``{"field": "steps[2].kind", "message": "…"}`` so that APIs and importers can
name the exact place and reason.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

FIELD_NAMES = {
    "title": "Titel", "trigger": "Auslöser", "result": "Ergebnis", "customer": "Kunde",
    "org_unit": "Organisationseinheit", "participants": "Beteiligte", "legal_basis": "Rechtsgrundlage",
    "it_systems": "IT-Systeme", "documents": "Dokumente", "case_volume_per_year": "Fallzahl pro Jahr",
    "minutes_per_case": "Minuten pro Fall", "steps": "Schritte", "decisions": "Entscheidungen",
    "label": "Bezeichnung", "kind": "Baustein", "actor": "Akteur", "minutes": "Minuten",
    "land": "Bundesland", "ags": "Gemeindeschlüssel", "leika_key": "LeiKa-Schlüssel",
    "state": "Status", "visibility": "Sichtbarkeit", "branches": "Zweige", "question": "Frage",
    "after_step": "nach Schritt", "goto_step": "Ziel-Schritt", "condition": "Bedingung",
}


def field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "Angabe fehlt."
    if kind == "extra_forbidden":
        return "Dieses Feld ist unbekannt."
    if kind in ("string_too_short",):
        return "Darf nicht leer sein." if ctx.get("min_length", 1) <= 1 else f"Mindestens {ctx['min_length']} Zeichen."
    if kind == "string_too_long":
        return f"Höchstens {ctx.get('max_length')} Zeichen erlaubt."
    if kind == "too_short":
        return f"Mindestens {ctx.get('min_length')} Einträge nötig."
    if kind == "too_long":
        return f"Höchstens {ctx.get('max_length')} Einträge erlaubt."
    if kind == "literal_error":
        allowed = str(ctx.get("expected", "")).replace(" or ", " oder ")
        return f"Ungültiger Wert. Erlaubt sind: {allowed}."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Muss eine ganze Zahl sein."
    if kind in ("float_parsing", "float_type"):
        return "Muss eine Zahl sein."
    if kind in ("bool_parsing", "bool_type"):
        return "Muss ja (true) oder nein (false) sein."
    if kind in ("string_type",):
        return "Muss ein Text sein."
    if kind in ("list_type",):
        return "Muss eine Liste sein."
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "Muss ein Objekt mit Feldern sein."
    if kind == "greater_than_equal":
        return f"Muss mindestens {ctx.get('ge')} sein."
    if kind == "less_than_equal":
        return f"Darf höchstens {ctx.get('le')} sein."
    if kind == "string_pattern_mismatch":
        return "Hat nicht das erwartete Format."
    if kind == "value_error":
        # Our own validators raise German messages.
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    return "Ungültiger Wert."


def german_validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": field_path(tuple(e["loc"])), "message": _message(e)} for e in exc.errors()]


def german_field(path: str) -> str:
    """"steps[2].kind" → "Schritt 3, Baustein (steps[2].kind)": readable for clerks, precise for clients."""
    import re

    step = re.match(r"steps\[(\d+)\]", path)
    last = re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
    name = FIELD_NAMES.get(last, "")
    prefix = f"Schritt {int(step.group(1)) + 1}, " if step and "." in path else ""
    return f"{prefix}{name} ({path})" if name else path


def describe(errors: list[dict[str, str]]) -> str:
    """One readable German sentence list, e.g. for a problem's ``detail``."""
    parts = []
    for error in errors:
        where = error["field"]
        parts.append(f"{german_field(where)}: {error['message']}" if where else error["message"])
    return "; ".join(parts)
