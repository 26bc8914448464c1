"""Decisions from a clerk's answer.

Understands answers that refer to the numbered draft, as the assistant's
question invites: "Nach Schritt 2 entscheiden wir: Sind die Unterlagen
vollständig? Wenn ja, geht es mit Schritt 4 weiter, wenn nein mit Schritt 3."
A branch that "endet"/"ist beendet" ends the process (``goto_step`` None).
"""

from __future__ import annotations

import re

from app.domain import Branch, Decision

from .figures import NUMBER_WORDS

_NONE = re.compile(r"\b(keine (?:verzweigung|entscheidung|abzweigung|fallunterscheidung)|immer gleich|"
                   r"gibt es nicht|nein,? (?:da )?gibt es keine|keine ausnahme)", re.IGNORECASE)
_STEP = r"schritt\s+(\d+|" + "|".join(w for w in NUMBER_WORDS if NUMBER_WORDS[w] == int(NUMBER_WORDS[w])) + r")"
_BLOCK = re.compile(r"(?:nach|bei)\s+(?:dem\s+)?" + _STEP, re.IGNORECASE)
_BRANCH = re.compile(r"\b(?:wenn|falls|sofern|ist das nicht der fall|ansonsten|sonst|andernfalls)\b", re.IGNORECASE)
_END = re.compile(r"beendet|endet|ende\b|abgeschlossen|abgebrochen|schluss|erledigt|eingestellt", re.IGNORECASE)
_ACTION = re.compile(r",?\s*(?:geht es|geht's|gehts|ist|wird|fällt|endet|kommt|folgt|machen wir|sind|bleibt|"
                     r"weiter mit|mit schritt|zurück zu|dann)\b", re.IGNORECASE)
# A branch's target: "mit Schritt 4", or a bare number once a step was named ("wenn ja gehts mit 4 weiter, sonst 3").
_TARGET = re.compile(_STEP + r"|(?<![\d.,])\b(\d{1,2})\b(?![\d.,]|\s*(?:minuten|stunden|tage|wochen|euro|%))",
                     re.IGNORECASE)


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() else int(NUMBER_WORDS[raw.lower()])


def says_no_decisions(text: str) -> bool:
    return bool(_NONE.search(text))


def _question(block: str) -> str | None:
    if "?" in block:
        head = block.split("?", 1)[0]
        head = re.split(r"[:.]\s*", head)[-1]
        question = head.strip()
        return question + "?" if question else None
    match = re.search(r"\bob\s+([^.,]+)", block, re.IGNORECASE)
    if match:
        return match.group(1).strip().capitalize() + "?"
    return None


def _condition(segment: str) -> str:
    text = re.sub(r"^(wenn|falls|sofern)\s+", "", segment.strip(), flags=re.IGNORECASE)
    if re.match(r"(ist das nicht der fall|ansonsten|sonst|andernfalls)", text, re.IGNORECASE):
        return "nein"
    cut = _ACTION.search(text)
    condition = text[: cut.start()] if cut else text
    condition = condition.strip(" ,.")
    return condition or "sonst"


def parse_decisions(text: str, step_count: int) -> list[Decision]:
    """Decisions found in ``text``; branches pointing to unknown steps are dropped."""
    decisions: list[Decision] = []
    blocks = list(_BLOCK.finditer(text))
    for index, match in enumerate(blocks):
        after = _number(match.group(1))
        end = blocks[index + 1].start() if index + 1 < len(blocks) else len(text)
        block = text[match.end(): end]
        question = _question(block) or f"Entscheidung nach Schritt {after}"
        segments = [m.start() for m in _BRANCH.finditer(block)]
        branches: list[Branch] = []
        for i, start in enumerate(segments):
            segment = block[start: segments[i + 1] if i + 1 < len(segments) else len(block)]
            target_match = _TARGET.search(segment)
            if target_match:
                target: int | None = _number(target_match.group(1) or target_match.group(2))
                if not 1 <= target <= step_count:
                    continue
            elif _END.search(segment):
                target = None
            else:
                continue
            branches.append(Branch(condition=_condition(segment)[:300], goto_step=target))
        if len(branches) >= 2 and 1 <= after <= step_count and all(d.after_step != after for d in decisions):
            decisions.append(Decision(after_step=after, question=question[:300], branches=branches))
    return decisions
