"""One structured reading per clerk message, whoever reads it.

Every message, whatever was asked, becomes a ``DraftUpdate`` (the shape the LLM
mode produces), which ``merge`` applies to the draft; the dialogue policy in
``engine`` then picks the next question. Two readers implement the same
``read`` call: ``RuleReader`` (built in, offline) and ``LLMReader`` (langchain
chat model, optional). With an LLM configured both read the message and the
model's fields complement the rules', so the LLM can replace or add to the
rules without a second code path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from app.domain import Branch, Decision, ProcessProfile
from app.nlp.branching import KnownStep, branch_step, place_decisions
from app.nlp.clauses import as_question
from app.nlp.decisions import parse_decisions
from app.nlp.gazetteer import Gazetteer
from app.nlp.steps import Activity, read_description
from app.nlp.understanding_slots import (named_products, negated_mentions, opening_title, org_unit_name,
                                         participant_names, result_statement, short_title, trigger_clause,
                                         without_negated)

from .drafting import PLACEHOLDER_TITLE, insert_steps, steps_from
from .llm import DraftUpdate, StepUpdate, merge
from .understanding import clean_answer, facts, says_nothing, split_list

__all__ = ["DraftUpdate", "LLMReader", "MessageReader", "ReadContext", "RuleReader", "combine", "merge"]

# "nee, Rechtsgrundlage weiß ich nicht", "ohne Software, alles auf Papier": no names to take from the answer.
_REFUSED = re.compile(r"^\W*(?:nee|nein|ne|nö|ohne|kein\w*|gar kein\w*|weiß (?:ich )?nicht)\b|\bweiß ich nicht\b|"
                      r"\bkeine ahnung\b|\bohne (?:software|programm|edv|computer)\b", re.IGNORECASE)
_TEXT_SLOTS = ("result", "customer", "waiting", "exceptions")
# Not what starts the process: a refusal ("nein, das passt bei uns nicht") or a remark on what is missing
# ("die E-Akte haben wir noch nicht").
_NO_TRIGGER = re.compile(r"^\W*(?:nee|nein|nö)\b(?!\s*,?\s*(?:der|die|das|ein|eine|wenn|sobald)\b)|"
                         r"\bpasst\s+(?:bei uns\s+|so\s+)?(?:nicht|gar nicht)\b|"
                         r"\bhaben wir\s+(?:noch\s+|leider\s+|bisher\s+)*(?:nicht|kein\w*)\b", re.IGNORECASE)


_LEADING_YES = re.compile(r"(?i)^\W*(?:passt|ja|jo|genau|stimmt|richtig)\s*[,;:.!-]+\s*")
# Minutes told in passing count as time per case only when said so: "pro Antrag brauch ich ne halbe Stunde".
_PER_CASE = re.compile(r"\b(?:pro|je)\s+(?:fall|antrag|anmeldung|vorgang|bescheid|akte|stück|person|kunde)\b|"
                       r"\bbrauch\w*\s+ich\b|\bdauert\b")
_TIME_UNIT = re.compile(r"\b(?:minute|minuten|min|stunde|stunden|std|viertelstunde|arbeitstag\w*|tag|tage)\b")


@dataclass
class ReadContext:
    """What the reader needs to know about the conversation."""

    slot: str | None = None  # the question the message answers
    opening: bool = False  # the first message
    steps_known: bool = False  # the draft already has the clerk's steps
    history: tuple[str, ...] = ()  # earlier clerk messages, for "hab ich doch oben schon gesagt"


class MessageReader(Protocol):
    def read(self, draft: ProcessProfile, text: str, context: ReadContext) -> DraftUpdate | None: ...


def step_updates(activities: list[Activity]) -> list[StepUpdate]:
    return [StepUpdate(label=a.label[:300], kind=a.kind, actor=a.actor, it_system=a.it_system,
                       media_break=a.media_break, description=a.text[:4000] or None) for a in activities]


def _numbered(decisions: list[Decision], count: int) -> list[Decision]:
    return [d for d in decisions if 1 <= d.after_step <= count
            and all(b.goto_step is None or 1 <= b.goto_step <= count for b in d.branches)]


class RuleReader:
    """The built-in reader: rules and small statistical parts, offline on the CPU."""

    MIN_STEPS_UNASKED = 2  # steps told in the opening count from two on
    MIN_STEPS_IN_OTHER_ANSWER = 3  # … in the answer to another question, from three on

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or Gazetteer()

    def read(self, draft: ProcessProfile, text: str, context: ReadContext) -> DraftUpdate:
        slot = context.slot
        found = facts(text, self.gazetteer, slot)
        nothing = says_nothing(text)
        negated = negated_mentions(text)
        update = DraftUpdate()

        description = read_description(text, self.gazetteer)
        unasked = not context.steps_known and slot != "decisions"
        needed = 1 if slot == "steps" else (self.MIN_STEPS_UNASKED if context.opening or slot is None
                                             else self.MIN_STEPS_IN_OTHER_ANSWER)
        # Steps told in passing never replace steps already in the draft (additions are placed elsewhere).
        wants_steps = slot == "steps" or (unasked and (context.opening or not draft.steps))
        enough = len(description.activities) >= needed
        if wants_steps and enough and not nothing:
            update.steps = step_updates(description.activities)
            update.decisions = _numbered(description.decisions, len(description.activities)) or None
            systems = [a.it_system for a in description.activities if a.it_system]
            found.it_systems = list(dict.fromkeys([*found.it_systems, *systems]))
        elif slot == "decisions" and not nothing:
            decisions = parse_decisions(text, len(draft.steps)) or implicit_decisions(text, draft, self.gazetteer)
            if decisions:  # added to the branches read back
                update.decisions = with_decisions(draft.decisions, decisions)

        if slot == "title" and not nothing:
            kept = _KEEPS_NAME.match(text) and draft.title and draft.title != PLACEHOLDER_TITLE
            update.title = draft.title if kept else short_title(text)
        elif slot == "trigger" and not nothing and not _NO_TRIGGER.search(text):
            update.trigger = trigger_clause(_LEADING_YES.sub("", text), context.history)  # "Passt, die Anmeldung …"
        elif slot == "result" and not nothing:
            update.result = result_statement(clean_answer(text))[:2000] or None
        elif slot in _TEXT_SLOTS and not nothing:
            setattr(update, slot, clean_answer(text)[:2000] or None)
        elif slot == "participants" and not nothing:
            named = without_negated(participant_names(text), negated)
            update.participants = (named or without_negated(split_list(text), negated))[:50] or None
        elif slot == "documents" and not nothing:
            update.documents = split_list(text)[:100] or None
        elif slot == "org_unit" and not nothing:
            update.org_unit = org_unit_name(text, self.gazetteer) or found.org_unit

        if found.title and update.title is None and "title" not in (context.slot or "") \
                and (not draft.title or draft.title == PLACEHOLDER_TITLE):  # a later account renames nothing
            update.title = found.title
        if context.opening and update.title is None:
            update.title = opening_title(text)  # "Hausnummern vergeben. Meistens kommt …"
        refused = bool(_REFUSED.search(text))
        if slot == "it_systems" and not nothing and not refused:
            found.it_systems = list(dict.fromkeys([*found.it_systems, *named_products(text)]))
        if slot == "legal_basis" and not nothing and not refused and not found.legal_basis:
            found.legal_basis = [item for item in split_list(text) if len(item.split()) <= 5][:10]
        if found.it_systems:
            systems = without_negated(found.it_systems, negated)
            update.it_systems = list(dict.fromkeys([*draft.it_systems, *systems]))[:50] or None
        if found.legal_basis:
            update.legal_basis = list(dict.fromkeys([*draft.legal_basis, *found.legal_basis]))[:50]
        if found.case_volume_per_year is not None:
            update.case_volume_per_year = found.case_volume_per_year
        lowered = text.lower()
        if found.minutes_per_case is not None and (slot == "processing_time" or (
                _PER_CASE.search(lowered) and _TIME_UNIT.search(lowered))):
            update.minutes_per_case = found.minutes_per_case
        if found.org_unit and update.org_unit is None and (context.opening or not draft.org_unit):
            update.org_unit = found.org_unit
        return update


# "passt", "ja, so", "genau": the provisional name from the opening stays.
_KEEPS_NAME = re.compile(r"^\W*(?:(?:ja|jo|jep|ok(?:ay)?|gut|passt|genau|stimmt|richtig|kann so bleiben|lass(?:en Sie)? "
                         r"(?:es|das) so|so ist (?:es|das) gut|so passt das|passt schon|erstmal|so|das|ist|auch|"
                         r"ganz|gut|danke)[\s,.!]*){1,6}$", re.IGNORECASE)

def with_decisions(known: list[Decision], told: list[Decision]) -> list[Decision]:
    """``known`` with ``told`` added; a told decision at a step that already branches adds its branch there
    ("wenn was fehlt …" and "wenn er zurückzieht …" after the same check: one gateway, three ways)."""
    by_step = {d.after_step: d for d in known}
    for decision in told:
        old = by_step.get(decision.after_step)
        if old is None:
            by_step[decision.after_step] = decision
            continue
        yes_no = {"ja", "nein"}
        if {b.condition for b in old.branches} <= yes_no and {b.condition for b in decision.branches} <= yes_no:
            by_step[decision.after_step] = decision  # a yes/no question told again replaces the first telling
            continue
        targets = {b.goto_step for b in old.branches}
        added = [b for b in decision.branches if b.condition != "sonst" and b.goto_step not in targets]
        if not added:
            continue
        kept = [b for b in old.branches if b.condition != "sonst"]
        otherwise = [b for b in old.branches if b.condition == "sonst"]
        by_step[decision.after_step] = old.model_copy(update={
            "question": f"{old.question} {decision.question}"[:300],
            "branches": [*kept, *added, *otherwise][:10]})
    return [by_step[n] for n in sorted(by_step)]


def implicit_decisions(text: str, draft: ProcessProfile, gazetteer: Gazetteer) -> list[Decision]:
    """Decisions told without step numbers, placed on the draft's steps (``app.nlp.branching``):
    "wenn was fehlt, fordere ich es nach", "ohne Verstöße ist nach dem Bericht Schluss"."""
    known = _known_steps(draft)
    return place_decisions(text, known)


def _known_steps(draft: ProcessProfile) -> list[KnownStep]:
    """The draft's steps as the decision reader sees them: label, the clerk's words, building block."""
    return [KnownStep(s.label, s.description or "", s.kind) for s in draft.steps]


def with_branch_steps(draft: ProcessProfile, text: str, gazetteer: Gazetteer) -> tuple[ProcessProfile, list[str]]:
    """The draft with the steps the clerk names only as a decision's consequence ("falls das Mandat widerrufen
    ist, sperr ich es") inserted, each with its decision; and a German note per insertion. A consequence that
    is a known step, an end or a loop inserts nothing: the decision reader handles it."""
    notes: list[str] = []
    for _ in range(3):
        known = _known_steps(draft)
        found = branch_step(text, known)
        activities = read_description(found.words, gazetteer).activities if found else []
        if found is None or not activities:
            break
        step = steps_from(activities[:1], start=found.position)[0].model_copy(
            update={"description": found.words[:4000]})  # the clerk's whole consequence, not the first clause
        draft = insert_steps(draft, found.position, [step])
        moved = lambda n: n if n is None or n < found.position else n + 1  # noqa: E731 - numbering after insertion
        condition = _branch_condition(found.condition)
        decision = Decision(after_step=moved(found.after), question=as_question(condition)[:300],
                            branches=[Branch(condition=condition[:300], goto_step=found.position),
                                      Branch(condition="sonst", goto_step=moved(found.otherwise))])
        draft = draft.model_copy(update={"decisions": with_decisions(draft.decisions, [decision])})
        when = f" {condition}" if re.match(r"(?i)(?:bei|im|in|ab|nach|vor|ohne|mit)\b", condition) \
            else f", wenn {condition}"  # "dahin geht es bei Gefahr", "…, wenn nicht genug da sind"
        notes.append(f"Ergänzt: Schritt {found.position} „{step.label}“, dahin geht es{when}.")
    return draft, notes


def _branch_condition(told: str) -> str:
    """"Wenn nicht genug Freiwillige da sind" → "nicht genug Freiwillige da sind"."""
    condition = re.sub(r"^\W*(?:(?:ja|und|also|aber|nur)\W+)*(?:wenn|falls|sofern)\s+", "", told, flags=re.I)
    condition = re.sub(r"^(?:wenn|falls)'?s\s+", "es ", condition, flags=re.I)  # "wenn's ne Differenz gibt"
    return condition.strip(" ,.") or "ja"


class LLMReader:
    """The LLM reader: the configured chat model's structured output (``llm.LLMExtractor``)."""

    def __init__(self, extractor) -> None:
        self.extractor = extractor
        self.fallbacks = extractor.fallbacks

    def read(self, draft: ProcessProfile, text: str, context: ReadContext) -> DraftUpdate | None:
        return self.extractor.extract(draft, context.slot, text)


def combine(rules: DraftUpdate, model: DraftUpdate | None) -> DraftUpdate:
    """The model's fields where it gave them, the rules' elsewhere."""
    if model is None:
        return rules
    data = rules.model_dump(exclude_none=True)
    data.update(model.model_dump(exclude_none=True))
    return DraftUpdate.model_validate(data)
