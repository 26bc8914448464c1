"""Editing the draft's steps and decisions while keeping numbers and references consistent."""

from __future__ import annotations

import re

from app.domain import Branch, Decision, ProcessProfile, Step
from app.nlp.steps import Activity

# The title of a draft nobody has named yet; it does not count as a name.
PLACEHOLDER_TITLE = "Neuer Prozess"


def steps_from(activities: list[Activity], start: int = 1) -> list[Step]:
    return [Step(n=start + i, label=a.label[:300], kind=a.kind, actor=a.actor, it_system=a.it_system,
                 media_break=a.media_break, description=a.text[:4000]) for i, a in enumerate(activities)]


def _remap(profile: ProcessProfile, mapping: dict[int, int | None], steps: list[Step]) -> ProcessProfile:
    """Apply old→new step numbers to steps' jumps and decisions; drop what points nowhere."""
    count = len(steps)
    fixed_steps = []
    for step in steps:
        jump = mapping.get(step.next_step) if step.next_step else None
        fixed_steps.append(step.model_copy(update={"next_step": jump if jump and jump <= count else None}))
    decisions: list[Decision] = []
    for decision in profile.decisions:
        after = mapping.get(decision.after_step)
        if not after:
            continue
        branches = []
        for branch in decision.branches:
            if branch.goto_step is None:
                branches.append(branch)
            elif mapping.get(branch.goto_step):
                branches.append(Branch(condition=branch.condition, goto_step=mapping[branch.goto_step]))
        if len(branches) >= 2 and all(d.after_step != after for d in decisions):
            decisions.append(decision.model_copy(update={"after_step": after, "branches": branches}))
    return profile.model_copy(update={"steps": fixed_steps, "decisions": decisions})


def replace_steps(profile: ProcessProfile, steps: list[Step], decisions: list[Decision] | None = None) -> ProcessProfile:
    return profile.model_copy(update={"steps": [s.model_copy(update={"n": i + 1}) for i, s in enumerate(steps)],
                                      "decisions": decisions or []})


def delete_step(profile: ProcessProfile, n: int) -> ProcessProfile:
    """Remove step ``n``; references to it move to its successor (or end the process)."""
    count = len(profile.steps)
    if not 1 <= n <= count:
        raise ValueError(f"Einen Schritt {n} gibt es nicht.")
    kept = [s.model_copy(update={"n": i + 1}) for i, s in enumerate(s for s in profile.steps if s.n != n)]
    mapping: dict[int, int | None] = {old: old if old < n else old - 1 for old in range(1, count + 1)}
    mapping[n] = n if n < count else None
    # A decision after the deleted step now follows its predecessor.
    if n > 1 and all(d.after_step != n - 1 for d in profile.decisions):
        mapping_after = dict(mapping)
        mapping_after[n] = n - 1
    else:
        mapping_after = mapping
    decisions = []
    for decision in profile.decisions:
        after = mapping_after.get(decision.after_step)
        if not after:
            continue
        branches = [b if b.goto_step is None else Branch(condition=b.condition, goto_step=mapping.get(b.goto_step))
                    for b in decision.branches]
        if len(branches) >= 2 and all(d.after_step != after for d in decisions):
            decisions.append(decision.model_copy(update={"after_step": after, "branches": branches}))
    steps = [s.model_copy(update={"next_step": mapping.get(s.next_step) if s.next_step else None}) for s in kept]
    return profile.model_copy(update={"steps": steps, "decisions": decisions})


def insert_steps(profile: ProcessProfile, position: int, new: list[Step]) -> ProcessProfile:
    """Insert ``new`` so that the first new step gets number ``position``."""
    position = max(1, min(position, len(profile.steps) + 1))
    shift = len(new)
    mapping = {old: (old if old < position else old + shift) for old in range(1, len(profile.steps) + 1)}
    before = profile.steps[: position - 1]
    after = profile.steps[position - 1:]
    steps = [s.model_copy(update={"n": i + 1}) for i, s in enumerate([*before, *new, *after])]
    inserted = _remap(profile, mapping, steps)
    if position == 1 or not new:
        return inserted
    # "nach dem Prüfen ruf ich noch an": a step told right after one that is decided on comes before the
    # decision, so the decision moves behind it and the new step lies on the way, not beside it
    decisions = [d.model_copy(update={"after_step": position + shift - 1}) if d.after_step == position - 1 else d
                 for d in inserted.decisions]
    return inserted.model_copy(update={"decisions": decisions})


def swap_steps(profile: ProcessProfile, a: int, b: int) -> ProcessProfile:
    count = len(profile.steps)
    if not (1 <= a <= count and 1 <= b <= count):
        raise ValueError("Diese Schritte gibt es nicht.")
    steps = list(profile.steps)
    steps[a - 1], steps[b - 1] = steps[b - 1], steps[a - 1]
    mapping = {i: i for i in range(1, count + 1)}
    mapping[a], mapping[b] = b, a
    return _remap(profile, mapping, [s.model_copy(update={"n": i + 1}) for i, s in enumerate(steps)])


def move_step(profile: ProcessProfile, n: int, position: int) -> ProcessProfile:
    """Move step ``n`` so that it gets number ``position``; references follow the moved steps."""
    count = len(profile.steps)
    if not 1 <= n <= count:
        raise ValueError(f"Einen Schritt {n} gibt es nicht.")
    position = max(1, min(position, count))
    order = [s.n for s in profile.steps if s.n != n]
    order.insert(position - 1, n)
    mapping = {old: new for new, old in enumerate(order, start=1)}
    steps = [profile.steps[old - 1].model_copy(update={"n": new}) for new, old in enumerate(order, start=1)]
    return _remap(profile, mapping, steps)


def content_stems(text: str, ignore: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Crude stems (first five letters of words of four or more) for naming a step by content:
    "das Ablegen" names "Anmeldung ablegen"; ``ignore`` drops words that name nothing in the caller's context."""
    words = re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", text)  # hyphenated words count by their parts ("IHK-Kopie")
    stems = set()
    for word in words:
        word = _COLLOQUIAL_PREFIX.sub("", word.lower())  # "rumtelefonieren" names "telefonisch …"
        if len(word) >= 4 or word.isupper() or word in ("ihk", "gis", "dms"):
            stems.add(word[:5])
    return stems - set(ignore)


_COLLOQUIAL_PREFIX = re.compile(r"^(?:rum|rein|raus|rüber|hinterher)(?=[a-zäöüß]{5,})")


def update_step(profile: ProcessProfile, n: int, **changes) -> ProcessProfile:
    if not 1 <= n <= len(profile.steps):
        raise ValueError(f"Einen Schritt {n} gibt es nicht.")
    steps = [s.model_copy(update=changes) if s.n == n else s for s in profile.steps]
    return profile.model_copy(update={"steps": steps})
