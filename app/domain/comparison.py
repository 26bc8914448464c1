"""Aligning two step lists and diffing two versions of a profile.

Two steps pair up when they do the same kind of work on the same thing: the
building block (same kind, or at least the same group), the meaning of their
labels (``step_meaning``: "Erlaubnis" and "Bescheid" are both a notice,
"versenden" and "zustellen" both send) and, as before, how alike the label
words are. Every pair carries a German reason ("gleicher Baustein …,
ähnliche Bedeutung …"). The alignment keeps the order of both lists;
unmatched steps are marked missing or extra, moved steps are recognised in
diffs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from .catalogue import BUILDING_BLOCKS
from .models import ProcessProfile, Step
from .step_meaning import concept_name, meaning

MATCH = 0.6        # label likeness that pairs two steps on its own
PAIR_SCORE = 0.5   # combined score needed when the labels differ
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


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass(frozen=True)
class StepMatch:
    score: float
    paired: bool
    reason: str


def match_steps(a: Step, b: Step) -> StepMatch:
    """How well two steps correspond, whether they pair, and why (German)."""
    words = label_similarity(a.label, b.label)
    ma, mb = meaning(a.label), meaning(b.label)
    objects = _dice(set(ma.objects), set(mb.objects))
    block_a, block_b = BUILDING_BLOCKS[a.kind], BUILDING_BLOCKS[b.kind]
    same_kind = a.kind == b.kind
    same_group = block_a.group == block_b.group
    shared_action = bool(set(ma.actions) & set(mb.actions))
    work = 1.0 if same_kind or shared_action else 0.5 if same_group else 0.0
    score = round(0.45 * objects + 0.25 * work + 0.3 * words, 2)
    # Alike labels pair; otherwise the steps must do related work (same group or verb) on the same thing.
    paired = words >= MATCH or (objects > 0 and work > 0 and score >= PAIR_SCORE)
    reasons: list[str] = []
    if same_kind:
        reasons.append(f"gleicher Baustein „{block_a.label}“")
    elif same_group:
        reasons.append(f"gleiche Bausteingruppe „{block_a.group}“")
    if words >= 0.9:
        reasons.append("gleiche Bezeichnung")
    elif words >= MATCH:
        reasons.append("ähnliche Bezeichnung")
    synonyms = [(ma.objects[c], mb.objects[c]) for c in set(ma.objects) & set(mb.objects)
                if concept_name(c) and ma.objects[c].lower() != mb.objects[c].lower()]
    if not same_kind:  # with the same building block the verbs add nothing
        synonyms += [(ma.actions[c], mb.actions[c]) for c in set(ma.actions) & set(mb.actions)
                     if ma.actions[c].lower() != mb.actions[c].lower()]
    if synonyms and words < 0.9:
        reasons.append("ähnliche Bedeutung (" + ", ".join(f"„{x}“ ≈ „{y}“" for x, y in sorted(synonyms)) + ")")
    elif objects > 0 and words < MATCH:
        common = sorted(ma.objects[c] for c in set(ma.objects) & set(mb.objects))
        reasons.append("gemeinsame Begriffe: " + ", ".join(f"„{w}“" for w in common))
    return StepMatch(score, paired, ", ".join(reasons))


def align_steps(left: list[Step], right: list[Step]) -> list[tuple[Step | None, Step | None]]:
    """Order-preserving alignment maximising the summed score of paired steps; the rest stand alone."""
    n, m = len(left), len(right)
    score = [[(lambda r: r.score if r.paired else None)(match_steps(a, b)) for b in right] for a in left]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + score[i][j] if score[i][j] is not None else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs: list[tuple[Step | None, Step | None]] = []
    i = j = 0
    while i < n and j < m:
        if score[i][j] is not None and best[i][j] == best[i + 1][j + 1] + score[i][j]:
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
    """Rows for a side-by-side view: status, both steps, and for pairs how alike they are and why."""
    rows = []
    for a, b in align_steps(left.steps, right.steps):
        status = "match" if a and b else ("only_left" if a else "only_right")
        found = match_steps(a, b) if a and b else None
        rows.append({"status": status, "left": a.model_dump(mode="json") if a else None,
                     "right": b.model_dump(mode="json") if b else None,
                     "similarity": min(1.0, found.score) if found else None,
                     "reason": found.reason if found else None})
    return rows
