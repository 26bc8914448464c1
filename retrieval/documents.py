"""What of a profile goes into the indexes.

The dense text recipe and the lexical fields were chosen with
``bench/retrieval_eval.py``; other recipes stay selectable there so the
choice can be re-measured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.domain import ProcessProfile

_SPACE = re.compile(r"\s+")


def _join(*parts: Any) -> str:
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        if isinstance(part, (list, tuple)):
            out.extend(str(p) for p in part if p)
        else:
            out.append(str(part))
    return _SPACE.sub(" ", ". ".join(out)).strip()


def family_key(profile: ProcessProfile) -> str:
    """Profiles of the same process in different towns share this key (grouping)."""
    if profile.process_key:
        return profile.process_key
    return _SPACE.sub(" ", profile.title.lower()).strip()


DENSE_RECIPES = {
    "title": lambda p: p.title,
    "title_description": lambda p: _join(p.title, p.description),
    "title_trigger_result": lambda p: _join(p.title, p.description, p.trigger, p.result),
    "full": lambda p: _join(p.title, p.description, p.trigger, p.result, [s.label for s in p.steps],
                            p.org_unit, p.legal_basis),
}
DEFAULT_DENSE_RECIPE = "full"


def lexical_text(profile: ProcessProfile) -> str:
    # The title counts twice: a term in the title says more than one in a step.
    return _join(profile.title, profile.title, profile.description, profile.trigger, profile.result,
                 [s.label for s in profile.steps], profile.org_unit, profile.legal_basis, profile.category,
                 profile.documents)


@dataclass
class IndexedDoc:
    id: int
    group: str
    metadata: dict[str, Any]
    dense_text: str
    lexical_text: str
    fields: dict[str, Any] = field(default_factory=dict)


# USE's cost grows linearly with text length while long texts add little
# meaning; the cut keeps indexing above 50 profiles/s (docs/benchmarks.md).
DENSE_MAX_WORDS = 48


def dense_text(profile: ProcessProfile, recipe: str | None = None, max_words: int | None = None) -> str:
    words = DENSE_RECIPES[recipe or DEFAULT_DENSE_RECIPE](profile).split()
    limit = DENSE_MAX_WORDS if max_words is None else max_words
    return " ".join(words[:limit] if limit else words)


def to_indexed(profile: ProcessProfile, *, municipality_id: int, recipe: str | None = None) -> IndexedDoc:
    if profile.id is None:
        raise ValueError("Only stored profiles (with id) can be indexed.")
    metadata = {
        "municipality": profile.municipality or "",
        "municipality_id": municipality_id,
        "land": profile.land or "",
        "category": profile.category or "",
        "state": profile.state,
        "visibility": profile.visibility,
        "has_steps": bool(profile.steps),
        "group": family_key(profile),
        "title": profile.title,
        "external_id": profile.external_id or "",
    }
    fields = {
        "title": profile.title,
        "description": profile.description or "",
        "trigger": profile.trigger or "",
        "result": profile.result or "",
        "steps": [s.label for s in profile.steps],
        "legal_basis": profile.legal_basis,
        "org_unit": profile.org_unit or "",
    }
    return IndexedDoc(id=profile.id, group=metadata["group"], metadata=metadata,
                      dense_text=dense_text(profile, recipe), lexical_text=lexical_text(profile), fields=fields)
