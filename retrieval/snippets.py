"""A short German sentence saying why a result matched."""

from __future__ import annotations

import re
from typing import Any

from .german import Analyzer

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _shorten(text: str, limit: int = 140) -> str:
    text = text.strip()
    first = _SENTENCE.split(text, maxsplit=1)[0] if text else ""
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0] + "…"


def build_snippet(fields: dict[str, Any], query_terms: set[str], analyzer: Analyzer, dense: float | None) -> str:
    reasons: list[str] = []

    def hits(text: str) -> bool:
        return bool(query_terms) and bool(query_terms & set(analyzer.terms(text)))

    if fields.get("title") and hits(fields["title"]):
        reasons.append(f"Titel „{fields['title']}“")
    for number, label in enumerate(fields.get("steps") or [], start=1):
        if hits(label):
            reasons.append(f"Schritt {number} „{label}“")
            break
    for norm in fields.get("legal_basis") or []:
        if hits(norm):
            reasons.append(f"Rechtsgrundlage {norm}")
            break
    for key, name in (("trigger", "Auslöser"), ("result", "Ergebnis"), ("description", "Beschreibung")):
        if len(reasons) >= 2:
            break
        if fields.get(key) and hits(fields[key]):
            reasons.append(f"{name}: „{_shorten(fields[key], 90)}“")
    if reasons:
        return "Passende Begriffe in " + ", ".join(reasons[:3]) + "."
    summary = _shorten(fields.get("description") or fields.get("result") or fields.get("title") or "")
    if dense is not None:
        return f"Inhaltlich ähnlich ({dense:.0%}): {summary}" if summary else f"Inhaltlich ähnlich ({dense:.0%})."
    return summary
