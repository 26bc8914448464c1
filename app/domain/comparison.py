"""Aligning two step lists and diffing two versions of a profile.

Steps are matched by the similarity of their labels (difflib on
normalised words) in order, so "Antrag auf Vollständigkeit prüfen" and
"Vollständigkeit des Antrags prüfen" pair up; unmatched steps are marked
missing or extra, moved steps are recognised in diffs.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from .models import ProcessProfile, Step

MATCH = 0.6
_WORD = re.compile(r"[a-zäöüß0-9]+")
_STOP = {"der", "die", "das", "den", "dem", "des", "und", "oder", "im", "in", "an", "am", "auf", "zum", "zur", "mit",
         "von", "vom", "für", "ein", "eine", "einen"}


def _norm(label: str) -> list[str]:
    return sorted(w[:6] for w in _WORD.findall(label.lower()) if w not in _STOP)


def label_similarity(a: str, b: str) -> float:
    wa, wb = _norm(a), _norm(b)
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, " ".join(wa), " ".join(wb)).ratio()


def align_steps(left: list[Step], right: list[Step]) -> list[tuple[Step | None, Step | None]]:
    """Order-preserving alignment maximising matched steps; unmatched ones stand alone."""
    n, m = len(left), len(right)
    sim = [[label_similarity(a.label, b.label) for b in right] for a in left]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= MATCH else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs: list[tuple[Step | None, Step | None]] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= MATCH and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            pairs.append((left[i], right[j]))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            pairs.append((left[i], None))
            i += 1
        else:
            pairs.append((None, right[j]))
            j += 1
    pairs.extend((left[k], None) for k in range(i, n))
    pairs.extend((None, right[k]) for k in range(j, m))
    return pairs


_STEP_FIELDS = ("label", "kind", "actor", "it_system", "media_break", "minutes")
_PROFILE_FIELDS = ("title", "category", "description", "trigger", "result", "customer", "org_unit", "participants",
                   "legal_basis", "it_systems", "documents", "case_volume_per_year", "minutes_per_case", "waiting",
                   "exceptions", "state", "visibility", "leika_key")


def diff_profiles(old: ProcessProfile, new: ProcessProfile) -> dict[str, Any]:
    """Fields changed, and steps added, removed, changed or moved between two versions."""
    fields = [{"field": f, "before": getattr(old, f), "after": getattr(new, f)}
              for f in _PROFILE_FIELDS if getattr(old, f) != getattr(new, f)]
    steps: list[dict[str, Any]] = []
    for before, after in _match_for_diff(old.steps, new.steps):
        if before is None and after is not None:
            steps.append({"change": "added", "after": after.model_dump(mode="json")})
        elif after is None and before is not None:
            steps.append({"change": "removed", "before": before.model_dump(mode="json")})
        elif before is not None and after is not None:
            changed = [f for f in _STEP_FIELDS if getattr(before, f) != getattr(after, f)]
            if changed:
                steps.append({"change": "changed", "fields": changed, "before": before.model_dump(mode="json"),
                              "after": after.model_dump(mode="json")})
            if before.n != after.n:
                steps.append({"change": "moved", "from": before.n, "to": after.n, "label": after.label})
    decisions_changed = [d.model_dump(mode="json") for d in old.decisions] != [
        d.model_dump(mode="json") for d in new.decisions]
    return {"fields": fields, "steps": steps, "decisions_changed": decisions_changed}


def _match_for_diff(old: list[Step], new: list[Step]) -> list[tuple[Step | None, Step | None]]:
    """Match by identical label first (so reordering shows as moves), then by similarity."""
    pairs: list[tuple[Step | None, Step | None]] = []
    unmatched_new = list(new)
    unmatched_old: list[Step] = []
    for step in old:
        same = next((s for s in unmatched_new if s.label == step.label), None)
        if same is not None:
            unmatched_new.remove(same)
            pairs.append((step, same))
        else:
            unmatched_old.append(step)
    for before, after in align_steps(unmatched_old, unmatched_new):
        pairs.append((before, after))
    return pairs


def compare_profiles(left: ProcessProfile, right: ProcessProfile) -> list[dict[str, Any]]:
    rows = []
    for a, b in align_steps(left.steps, right.steps):
        status = "match" if a and b else ("only_left" if a else "only_right")
        rows.append({"status": status, "left": a.model_dump(mode="json") if a else None,
                     "right": b.model_dump(mode="json") if b else None,
                     "similarity": round(label_similarity(a.label, b.label), 2) if a and b else None})
    return rows
