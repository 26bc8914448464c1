"""Comparing the clerk's own steps with another town's template instead of swapping them.

When the clerk has already told the steps, a similar profile is not offered as a
replacement: its steps are aligned with the clerk's, and only what the other
town does in addition is put to the clerk ("Dort kommt außerdem vor: …"). The
answer is read by content: steps the clerk confirms are inserted where the
template has them, with the template's label and building block; steps the
clerk rejects ("machen wir nicht", "kannst du weglassen") stay out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain import ProcessProfile, Step
from app.domain.comparison import label_similarity

from .drafting import content_stems

MAX_EXTRAS = 8
_NEGATIVE = re.compile(r"\b(?:nicht|nie|kein\w*|weglassen|streichen|brauchen wir nicht|gibt'?s (?:bei uns )?nicht)\b",
                       re.IGNORECASE)
_ALL = re.compile(r"\b(?:alle(?:s)?|beide(?:s)?|auch alles|genau so)\b", re.IGNORECASE)
_PLAIN_YES = re.compile(r"^\W*(?:ja|jawohl|genau|stimmt|richtig|machen wir auch|auch)\W*$", re.IGNORECASE)
_PLAIN_NO = re.compile(r"^\W*(?:nein|nee|ne|nö|nichts davon|keins?|keine davon)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[.;!?]|,\s*(?=(?:aber|und|den|die|das|der)\b)", re.IGNORECASE)


@dataclass
class Extra:
    """A template step the clerk did not mention, and where it would go."""

    label: str
    kind: str
    after: int  # number of the clerk's step it follows (0: at the start)


def extras(own: list[Step], template: list[Step]) -> list[Extra]:
    """Template steps without a counterpart among the clerk's steps, with their place."""
    matched: dict[int, int] = {}
    for t in template:
        scores = [(label_similarity(t.label, s.label), s.n) for s in own]
        if scores:
            score, n = max(scores)
            if score >= 0.5 and n not in matched.values():
                matched[t.n] = n
    out: list[Extra] = []
    for t in template:
        if t.n in matched:
            continue
        before = [matched[m] for m in matched if m < t.n]
        out.append(Extra(label=t.label, kind=t.kind, after=max(before) if before else 0))
    return out[:MAX_EXTRAS]


_NOT_NAMING = frozenset({"machen", "auch", "nicht", "wir", "bei", "uns"})


def _stems(text: str) -> set[str]:
    return content_stems(text, _NOT_NAMING)


def accepted(answer: str, offered: list[Extra]) -> list[Extra]:
    """The offered steps the answer confirms (by content, or all of them with a plain yes)."""
    if _PLAIN_NO.match(answer):
        return []
    if _PLAIN_YES.match(answer) or (_ALL.search(answer) and not _NEGATIVE.search(answer)):
        return list(offered)
    clauses = [c for c in _CLAUSE.split(answer) if c and c.strip()]
    picked: set[int] = set()
    refused: set[int] = set()
    for clause in clauses:
        said = _stems(clause)
        scores = [(len(_stems(e.label) & said), len(_stems(e.label) & said) / max(1, len(_stems(e.label))), i)
                  for i, e in enumerate(offered)]
        best = max(scores, default=(0, 0.0, -1))
        if best[0] == 0:
            continue
        # A clause names the step it shares most with ("die Abnahme vom gesetzten Grabmal machen wir auch"),
        # not every step that happens to share one word with it; a refusal ("die Liste führen wir nicht")
        # wins over a confirmation elsewhere in the answer.
        named = {i for shared, score, i in scores if (shared, score) == best[:2]}
        (refused if _NEGATIVE.search(clause) else picked).update(named)
    picked -= refused
    chosen = [extra for i, extra in enumerate(offered) if i in picked]
    if not chosen and len(offered) == 1 and re.match(r"^\W*(?:ja|genau|stimmt)\b", answer, re.IGNORECASE) \
            and not _NEGATIVE.search(answer):
        return list(offered)
    return chosen


def insert(profile: ProcessProfile, chosen: list[Extra]) -> ProcessProfile:
    """The clerk's steps with the chosen template steps at their places (numbers renewed)."""
    steps = list(profile.steps)
    for extra in sorted(chosen, key=lambda e: e.after, reverse=True):
        position = min(extra.after, len(steps))
        steps.insert(position, Step(n=position + 1, label=extra.label[:300], kind=extra.kind))  # type: ignore[arg-type]
    old_to_new = {}
    renumbered = []
    for i, step in enumerate(steps, start=1):
        if step in profile.steps:
            old_to_new[step.n] = i
        renumbered.append(step.model_copy(update={"n": i}))
    decisions = []
    for decision in profile.decisions:
        after = old_to_new.get(decision.after_step)
        branches = [b.model_copy(update={"goto_step": old_to_new.get(b.goto_step) if b.goto_step else None})
                    for b in decision.branches]
        if after:
            decisions.append(decision.model_copy(update={"after_step": after, "branches": branches}))
    return profile.model_copy(update={"steps": renumbered, "decisions": decisions})


def question(town: str, title: str, offered: list[Extra]) -> str:
    listed = "\n".join(f"- {e.label}" for e in offered)
    if len(offered) == 1:
        return (f"In {town} ist ein ähnlicher Ablauf dokumentiert: „{title}“. Ihre Schritte habe ich so übernommen, "
                f"wie Sie sie beschrieben haben. Dort wird außerdem „{offered[0].label}“ gemacht. Bei Ihnen auch?")
    return (f"In {town} ist ein ähnlicher Ablauf dokumentiert: „{title}“. Ihre Schritte habe ich so übernommen, wie "
            f"Sie sie beschrieben haben. Dort kommt außerdem vor:\n{listed}\nMachen Sie davon etwas auch? Nennen Sie, "
            f"was bei Ihnen dazugehört, oder antworten Sie mit „Nein“.")
