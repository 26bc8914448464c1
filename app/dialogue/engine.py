"""The built-in, rule-based interviewer.

One clear German question at a time, in the order that makes sense for what
is still open; facts the clerk mentions in passing fill their slots so they
are never asked again. After the first description it looks for similar
profiles of other municipalities and offers the best as a template, so the
clerk corrects instead of dictating.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from app.domain import InterviewMessage, ProcessProfile, SearchResult, Step
from app.domain.comparison import label_similarity
from app.domain.wording import counted
from app.nlp.branching import NEGATED
from app.nlp.decisions import parse_decisions, says_no_decisions
from app.nlp.figures import case_volume_per_year, minutes_per_case
from app.nlp.gazetteer import Gazetteer, is_generic_system
from app.nlp.language import guess
from app.nlp.orthography import normalise
from app.nlp.step_kind import classify_step
from app.nlp.steps import PP_KEEP, activities
from app.nlp.tagger import tag, tokenize
from app.nlp.understanding_slots import opening_title, renamed_title_note
from app.nlp.verbs import participle_infinitive

from . import drafting, template_compare
from .drafting import PLACEHOLDER_TITLE
from .corrections import find_corrections, without_corrections
from .field_changes import confirmation, find_field_changes, only_changes
from .questions import LABELS, ORDER, QUESTIONS
from .reading import (LLMReader, ReadContext, RuleReader, combine, implicit_decisions, merge, with_branch_steps,
                      with_decisions)
from .understanding import clean_answer, says_none, says_nothing

MAX_TEXT = 4000
_YES = re.compile(r"^\W*(?:(?:im (?:großen|grossen) und ganzen|grundsätzlich|weitgehend|im prinzip|im wesentlichen|"
                  r"so ziemlich|fast|eigentlich)\s*,?\s*)?(ja|jawohl|genau|passt|stimmt|richtig|korrekt|einverstanden|"
                  r"übernehmen|gern|okay|ok)\b", re.IGNORECASE)
_NO = re.compile(r"^\W*(nein|nee|passt nicht|stimmt nicht|anders|leider nicht|eher nicht)\b", re.IGNORECASE)
# Answers that are naturally a few nouns without function words.
_SHORT_ANSWER_SLOTS = {"title", "it_systems", "documents", "legal_basis", "participants", "org_unit", "customer"}
_ADDITION = re.compile(r"\b(?:fehlt noch|das fehlt|fehlt auch|hatte ich vergessen|vergessen|kommt noch|außerdem|"
                       r"übrigens|dazwischen|zusätzlich|auch noch|noch ein(?:e|en)?\b|(?:nach|vor) (?:dem|der|den) "
                       r"[\wÄÖÜäöüß\-]+ [\wÄÖÜäöüß\- ]{0,40}?noch)", re.IGNORECASE)
_ANCHOR = re.compile(r"\b(?P<where>nach|vor)\s+(?:dem|der|den)\s+(?P<what>[\wÄÖÜäöüß\-]+)", re.IGNORECASE)
_UNDO = re.compile(r"\b(?:rückgängig|kommando zurück|undo)\b", re.IGNORECASE)
_NO_LONGER = re.compile(r"\b(?:gar\s+)?nicht\s+mehr\b|\bkein(?:e|en)?\s+mehr\b|\bni(?:x|chts)\s+mehr\b|"
                        r"\bsagen\s+wir\s+(?:\w+\s+){0,3}?ni(?:x|chts)\b", re.IGNORECASE)
# "gar nicht" strikes a step only in a statement of what is done ("die Post informier ich gar nicht"), not in a
# condition or a state ("sonst ist er gar nicht antragsberechtigt").
_NOT_AT_ALL = re.compile(r"\bgar\s+nicht\b(?!\s+(?:so|erst|mehr)\b)", re.IGNORECASE)
_NOT_A_STRIKE = re.compile(r"(?i)\b(?:wenn|falls|sofern|sonst|ansonsten|ob|ist|sind|war|wäre|wird)\b")
# "nicht in die Personalakte, sondern in den Urlaubsordner", "nicht vom Amtsleiter, sondern vom Bürgermeister"
_INSTEAD = re.compile(r"\bnicht\s+(?:mehr\s+)?(?P<prep>in|im|ins|an|am|ans|bei|beim|von|vom|mit|per|über|zur|zum)\s+"
                      r"(?:den|die|das|dem|der|unsere?n?|meine?n?)?\s*(?P<old>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+)?)\s*,?\s+"
                      r"sondern\s+(?:(?:direkt|gleich|jetzt|immer|bei mir|bei uns)\s+)*(?P<newprep>in|im|ins|an|am|ans|bei|beim|"
                      r"von|vom|mit|per|über|zur|zum)\s+(?:den|die|das|dem|der|unsere?n?|meine?n?)?\s*"
                      r"(?!(?:mir|uns|ihm|ihr|ihnen)\b)(?P<new>[\wÄÖÜäöüß\-]+)", re.IGNORECASE)
_FIELD_FOR = {"case_volume": "case_volume_per_year", "processing_time": "minutes_per_case"}  # slot → draft field
# The slots whose answer a field change in the same message must not overwrite
_FIELD_OF_SLOT = {slot: _FIELD_FOR.get(slot, slot)
                  for slot in ("title", "org_unit", "result", "case_volume", "processing_time", "it_systems", "steps")}
_SLOT_OF_FIELD = {v: k for k, v in _FIELD_OF_SLOT.items()}
_TELLS_BRANCH = re.compile(r"\b(?:wenn|wenns|falls|sofern|sonst|ansonsten)\b", re.IGNORECASE)
# A new name told as a label ("Vorsitzenden anrufen", "Termin im Kalender eintragen"): taken as told
_AS_LABEL = re.compile(r"^(?!(?:ich|wir|man|er|sie|der|die|das)\b)[\wÄÖÜäöüß\-.]+(?:\s+[\wÄÖÜäöüß\-.]+){0,7}\s+"
                       r"[a-zäöüß]+(?:en|ern|eln|n)$", re.IGNORECASE)
_PROPOSAL_FREE = {"participants", "it_systems", "documents", "legal_basis", "result", "customer", "waiting",
                  "exceptions", "case_volume", "processing_time"}
_BARE_YES = re.compile(r"^\W*(?:passt|passt so|ja|jo|jap|ok|okay|stimmt|genau|richtig|korrekt|gut|alles klar)\W*$",
                       re.IGNORECASE)
# "Noch zu den Verzweigungen: wenn …", "Was die Entscheidungen angeht: …": branches told while another question
# is open; they are read as decisions, and the question stays open.
_ANNOUNCES_BRANCHES = re.compile(r"^\W*(?:(?:und|noch|ach ja,? und|übrigens|nochmal)\s+)*(?:zu den|was die|wegen der|"
                                 r"zu|bei den)\s+(?:verzweigungen|entscheidungen|sonderfällen|ausnahmen|fällen,? wo)\b",
                                 re.IGNORECASE)
_DONE = re.compile(r"\b(fertig|das war's|das wars|abschließen|zur prüfung|nichts weiter|das ist alles)\b", re.IGNORECASE)


@dataclass
class Template:
    """A similar profile of another municipality that can seed the draft."""

    result: SearchResult
    profile: ProcessProfile


SearchFn = Callable[[str], list[Template]]


@dataclass
class Turn:
    reply: InterviewMessage
    draft: ProcessProfile
    state: dict[str, Any]
    open_points: list[str] = field(default_factory=list)


def empty_draft(title: str | None = None) -> ProcessProfile:
    return ProcessProfile(title=(title or PLACEHOLDER_TITLE)[:300], state="draft", visibility="intern")


def new_state(title: str | None = None, retrieval: bool = True) -> dict[str, Any]:
    return {"phase": "opening", "slot": "title", "filled": ["title"] if title else [], "asked": [],
            "retrieval": retrieval, "template_id": None, "template_decision": None, "reused": [],
            "focus_step": None, "turns": 0}


class Interviewer:
    # Minimal hybrid score for offering a template; measured on bench/cases.
    TEMPLATE_THRESHOLD = 0.55
    # A hit with steps is offered only this close to the best hit (which may have no steps).
    TEMPLATE_MARGIN = 0.03
    # From this many steps in the opening the clerk told the whole process: compare, do not offer to replace.
    COMPARE_MIN_STEPS = 4

    def __init__(self, search: SearchFn | None = None, gazetteer: Gazetteer | None = None,
                 extractor: Any | None = None) -> None:
        self.search = search
        self.gazetteer = gazetteer or Gazetteer()
        # One reading per message: the built-in rules, complemented by the LLM when one is configured.
        self.rules = RuleReader(self.gazetteer)
        self.llm = LLMReader(extractor) if extractor is not None else None
        self.extractor = extractor

    # -- public --------------------------------------------------------------
    def start(self, title: str | None = None, retrieval: bool = True) -> Turn:
        state = new_state(title, retrieval)
        draft = empty_draft(title)
        greeting = ("Guten Tag! Ich helfe Ihnen, einen Arbeitsablauf festzuhalten. Beschreiben Sie bitte in eigenen "
                    "Worten, worum es geht: Was ist der Anlass, und was tun Sie dann? Ich frage nach, was noch fehlt, "
                    "und baue daraus den Entwurf, den Sie jederzeit ansehen und ändern können.")
        return Turn(InterviewMessage(role="assistant", text=greeting, slot="title"), draft, state,
                    open_points(draft, state))

    def reply(self, draft: ProcessProfile, state: dict[str, Any], text: str, answer_to: str | None = None) -> Turn:
        """Answer one clerk message. ``answer_to``: the slot of the question the clerk answers, when the
        client says so; it is treated as the last question asked (otherwise the engine's own record).

        Every change can be undone in chat ("rückgängig"): the drafts before the last changes are kept."""
        if _UNDO.search(text or ""):
            return self._undo(draft, dict(state))
        turn = self._reply(draft, state, text, answer_to)
        before = draft.model_dump(mode="json")
        # The opening is what the clerk told first; "rückgängig" later must never empty the draft again.
        if turn.draft.model_dump(mode="json") != before and state.get("phase") != "opening":
            turn.state["undo"] = [*state.get("undo", []), {"draft": before, "filled": list(state.get("filled", []))}][-5:]
        return turn

    def _undo(self, draft: ProcessProfile, state: dict[str, Any]) -> Turn:
        history = list(state.get("undo", []))
        if not history:
            return self._ask(draft, state, prefix="Es gibt keine Änderung, die ich rückgängig machen könnte.",
                             keep_slot=state.get("slot"))
        last = history.pop()
        state["undo"] = history
        restored = ProcessProfile.model_validate(last["draft"])
        state["filled"] = list(dict.fromkeys([*last["filled"], *(s for s in state["filled"] if s in last["filled"])]))
        changed = _describe_change(draft, restored)
        prefix = f"Rückgängig gemacht: {changed}" if changed else "Ich habe die letzte Änderung rückgängig gemacht."
        return self._ask(restored, state, prefix=prefix, keep_slot=state.get("slot"))

    def _reply(self, draft: ProcessProfile, state: dict[str, Any], text: str, answer_to: str | None) -> Turn:
        state = dict(state)
        if answer_to:
            state["slot"] = answer_to
        state["turns"] = state.get("turns", 0) + 1
        text = text.strip()
        if not text:
            return self._ask(draft, state, prefix="Ich habe keine Nachricht erhalten. ")
        if not re.search(r"[A-Za-zÄÖÜäöüß]{2,}", text) and not (
                state.get("slot") in _SHORT_ANSWER_SLOTS and re.search(r"[A-Za-zÄÖÜäöüß]", text)):  # "H&H"
            return self._ask(draft, state, prefix="Das habe ich leider nicht verstanden. ")
        slot = state.get("slot")
        language = guess(text)
        if language == "en":
            return self._ask(draft, state, prefix="Ich kann bisher nur deutsche Beschreibungen auswerten. Bitte "
                                                  "schreiben Sie auf Deutsch.", keep_slot=slot)
        figure = (slot == "processing_time" and minutes_per_case(text) is not None) or (
            slot == "case_volume" and case_volume_per_year(text, asked=True) is not None)  # "ne halbe stunde"
        if language == "unknown" and not figure and (state.get("phase") == "opening"
                                                     or slot not in _SHORT_ANSWER_SLOTS):
            return self._ask(draft, state, prefix="Das habe ich leider nicht verstanden. Beschreiben Sie es bitte "
                                                  "in ganzen Sätzen.", keep_slot=slot)
        notes: list[str] = []
        draft = self._apply_corrections(draft, state, text, notes,
                                        quoted=slot not in ("confirm_template", "compare_template"))
        corrected = bool(notes)  # step corrections, before any field change is noted
        if state["phase"] == "opening":
            return self._after_opening(draft, state, text, notes)
        card = chosen_card(state.get("cards", []), text)
        if card is not None and self.search is not None:
            turn = self._take_card(draft, state, card, notes)
            if turn is not None:
                return turn
        if slot in ("confirm_template", "compare_template") and state.get("compare"):
            return self._after_compare(draft, state, text, notes)
        if slot == "confirm_template":
            return self._after_template(draft, state, text, notes)
        if slot == "trigger" and state.get("proposed_trigger") and _YES.match(text) and len(text.split()) <= 4:
            draft = draft.model_copy(update={"trigger": state.pop("proposed_trigger")})
            if "trigger" not in state["filled"]:
                state["filled"].append("trigger")
            return self._ask(draft, state, prefix=" ".join(notes))
        before = len(notes)
        draft = self._apply_field_changes(draft, state, text, slot, notes)
        # "der Name soll … heißen" changes the name and answers no question
        if len(notes) > before and _question_open(slot, state) and only_changes(text, draft):
            return self._ask(draft, state, prefix=" ".join(notes), keep_slot=slot)
        before = len(notes)
        draft = self._apply_replacement(draft, text, notes)
        if len(notes) > before:  # the sentences that replaced something answer no question
            rest = " ".join(_before_change(part) for part in re.split(r"(?<=[.!?])\s+", text)).strip()
            if not rest and _question_open(slot, state):
                return self._ask(draft, state, prefix=" ".join(notes), keep_slot=slot)
            text = rest or text
        before = len(notes)
        draft = self._apply_additions(draft, state, text, slot, notes)
        if len(notes) > before and _question_open(slot, state):
            rest = " ".join(part for part in re.split(r"(?<=[.!?])\s+", text) if not _ADDITION.search(part)).strip()
            if not rest:  # "nach dem Prüfen ruf ich noch beim Halter an" adds a step and answers no question
                return self._ask(draft, state, prefix=" ".join(notes), keep_slot=slot)
            text = rest
        if slot == "confirm" or state.get("phase") == "done":
            if notes:
                state["phase"] = "confirm"
                return self._ask(draft, state, prefix=" ".join(notes), keep_slot=None)
            if _YES.match(text) or _DONE.search(text):
                state["phase"] = "done"
                return self._ask(draft, state)
            state["phase"] = "confirm"
            branches = implicit_decisions(text, draft, self.gazetteer) if draft.steps and _TELLS_BRANCH.search(text) \
                else []
            if branches:  # "wenn die Polizei Bedenken hat, lehn ich ab, sonst wird genehmigt", after the summary
                draft = draft.model_copy(update={"decisions": with_decisions(draft.decisions, branches)})
                places = ", ".join(str(d.after_step) for d in branches)
                return self._ask(draft, state, prefix=f"Eingetragen: eine Verzweigung nach Schritt {places} "
                                                      f"({branches[0].question}).", keep_slot=None)
            labelled = _labelled_answer(text)  # "Sonderfälle: wenn der Bus kaputt ist, sagen wir ab"
            open_slots = [slot for slot in ORDER if slot not in ("steps", "decisions")
                          and LABELS[slot] in open_points(draft, state)]
            if labelled is None and len(open_slots) == 1 and len(text.split()) >= 3 and not corrected \
                    and not _NO_LONGER.search(text):
                labelled = (open_slots[0], text)  # the summary named one open point: this answers it
            if labelled is not None:
                told = self._absorb(draft, state, labelled[1], labelled[0], notes)
                added = _describe_additions(draft, told)
                if added:
                    return self._ask(told, state, prefix=f"Übernommen: {added}.", keep_slot=None)
            told = self._absorb(draft, state, text, None, notes)  # "übrigens fallzahl sind so 200 im jahr …"
            if told == draft:  # the summary named open figures: "in der Altstadt so 200, im Neubaugebiet 50"
                told = _open_figure(draft, text)
            added = _describe_additions(draft, told)
            if added:
                return self._ask(told, state, prefix=f"Übernommen: {added}.", keep_slot=None)
            return self._ask(draft, state, prefix="Was soll ich ändern? Sie können z. B. „Schritt 3 fällt weg“, „nach "
                                                  "Schritt 2 kommt noch …“ oder „der Name soll … heißen“ schreiben.",
                             keep_slot="confirm")
        if slot == "steps" and draft.steps and "steps" not in state["filled"]:
            return self._after_read_back(draft, state, text, notes, corrected)
        if slot in _PROPOSAL_FREE and _BARE_YES.match(text) and not notes:
            # "passt" to a question without a proposal: nothing to take over, and nothing is stored; a bare "ja"
            # to "Gibt es Sonderfälle …?" says there are some, not which
            prefix = ("Gut – welche? Nennen Sie sie bitte kurz." if re.match(r"^\W*(?:ja|jo|jap)\W*$", text, re.I)
                      else "Dazu habe ich keinen Vorschlag gemacht. Nennen Sie es bitte, oder schreiben Sie „keine“, "
                           "wenn es nichts dazu gibt.")
            return self._ask(draft, state, prefix=prefix, keep_slot=slot)
        if slot not in (None, "decisions", "steps") and draft.steps and _ANNOUNCES_BRANCHES.search(text):
            draft = self._absorb(draft, state, text, "decisions", notes)
            return self._ask(draft, state, prefix=" ".join(notes), keep_slot=slot)
        answer = without_corrections(text) if corrected else text
        if corrected and len(answer.split()) < 1:
            # "schritt 1 fällt weg" typed while a question is open answers nothing: the question stays open
            # Nothing else is read from it: "„…“ heißt bei uns „…“" names a step, not the process, and "das macht
            # die Kasse selbst" says why a step is struck, not who is responsible.
            return self._ask(draft, state, prefix=" ".join(notes), keep_slot=slot)
        draft = self._absorb(draft, state, answer, slot, notes)
        return self._ask(draft, state, prefix=" ".join(notes) + (" " if notes else ""))

    # -- changes at any time ---------------------------------------------------------
    def _apply_field_changes(self, draft: ProcessProfile, state: dict[str, Any], text: str, slot: str | None,
                             notes: list[str]) -> ProcessProfile:
        """"Der Name soll … heißen", "zuständig ist doch …": applied in every phase and confirmed."""
        changes = find_field_changes(text, draft)
        changes = {k: v for k, v in changes.items() if k != _FIELD_OF_SLOT.get(slot or "")}
        if not changes:
            return draft
        for changed, value in changes.items():
            notes.append(confirmation(changed, value))
            slot_name = _SLOT_OF_FIELD.get(changed)
            if slot_name and slot_name not in state["filled"]:
                state["filled"].append(slot_name)
        return draft.model_copy(update=changes)

    def _apply_additions(self, draft: ProcessProfile, state: dict[str, Any], text: str, slot: str | None,
                         notes: list[str]) -> ProcessProfile:
        """"Ach und die Erlaubnis unterschreibt immer der Amtsleiter, das hatte ich vergessen": a step told
        in passing, in the answer to another question, is added where the clerk says it belongs."""
        if not draft.steps or slot in ("steps", "decisions", "confirm_template", "compare_template") \
                or state.get("phase") == "opening" or not _ADDITION.search(text):
            return draft
        told = [a for a in activities(_ANCHOR.sub(" ", text), self.gazetteer)  # "nach dem Prüfen" names no step
                if not any(_same_step(a.label, s.label) for s in draft.steps)]
        for activity in told[:2]:
            new = drafting.steps_from([activity])
            anchor = _ANCHOR.search(text)
            target = step_by_content(draft, anchor.group("what")) if anchor else None
            if target is not None and anchor.group("where").lower() == "vor":
                position = target
            elif target is not None:
                position = target + 1
            else:
                position = len(draft.steps) + 1
            draft = drafting.insert_steps(draft, position, new)
            notes.append(f"Ergänzt: „{new[0].label}“ als Schritt {position}.")
        return draft

    def _step_read(self, draft: ProcessProfile, text: str, about: str) -> int | None:
        """The step the clause around ``about`` reads as ("die Gebühr setzt nicht das Ordnungsamt fest" →
        "Gebühr festsetzen" → "Nutzungsgebühr festsetzen"), when one step resembles that reading."""
        words = {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]{4,}", about)}
        if not words or not draft.steps:
            return None
        told = [a for a in activities(NEGATED.sub(" ", text), self.gazetteer)
                if words & {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]{4,}", a.text)}]
        thing = told[0].label.split()[0].lower()[:5] if told else ""  # the object must be the step's too
        scores = sorted(((label_similarity(a.label, s.label), s.n) for a in told[:1] for s in draft.steps
                         if thing in {w.lower()[:5] for w in re.findall(r"[A-Za-zÄÖÜäöüß]{4,}", s.label)}
                         or any(thing in w.lower() for w in s.label.split())), reverse=True)
        if scores and scores[0][0] >= 0.5 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
            return scores[0][1]
        return None

    def _step_told(self, draft: ProcessProfile, text: str) -> int | None:
        """The step a phrase names by content, or else the step its own reading resembles ("die Gebühr setzt nicht
        das Ordnungsamt fest" reads as "Gebühr festsetzen")."""
        if not draft.steps or not text.strip():
            return None
        named = step_by_content(draft, text, told=True)
        if named is not None:
            return named
        told = activities(NEGATED.sub(" ", text), self.gazetteer)
        scores = [(label_similarity(a.label, s.label), s.n) for a in told for s in draft.steps]
        score, number = max(scores, default=(0.0, None))
        return number if score >= 0.5 else None

    def _apply_replacement(self, draft: ProcessProfile, text: str, notes: list[str]) -> ProcessProfile:
        """"Die Karte bestell ich nicht mehr beim Land, die druck ich selber aus": the step is replaced;
        "der Schein kommt nicht in die Personalakte, sondern in den Urlaubsordner": the place is swapped;
        "dem Beschwerdeführer sagen wir am Ende nix mehr": the step is struck."""
        if not draft.steps:
            return draft
        swapped = _INSTEAD.search(text)
        if swapped is not None:
            changed = self._swap_in_step(draft, swapped, notes)
            if changed is not None:
                return changed
        struck = _NO_LONGER if _NO_LONGER.search(text) else _NOT_AT_ALL
        if not struck.search(text):
            return draft
        if any(c.action == "actor" for c in find_corrections(text)):
            return draft  # "den Präsentkorb besorg nicht mehr ich, das macht jetzt das Sekretariat": who, not whether
        value = _VALUE_INSTEAD.search(text)
        if value is not None:
            changed = _with_value(draft, value.group("old"), value.group("new"))
            if changed is not None:  # "die Wertgrenze ist nicht mehr 1000, sondern 500 Euro"
                notes.append(f"Geändert: {value.group('old')} ist jetzt {value.group('new')}.")
                return changed
        parts = [part for part in re.split(r"[,.;!?]|\bund übrigens\b|\bsondern\b", text) if part.strip()]
        clause = next((part for part in parts if struck.search(part)), text)
        if struck is _NOT_AT_ALL and (_NOT_A_STRIKE.search(clause) or re.search(r"[„“\"]", clause)):
            # "sonst ist er gar nicht antragsberechtigt": a condition, not a step struck; "das mit „…“ gibt's
            # gar nicht" names the step by its label, and the quoted corrections have struck it already
            return draft
        rest = ", ".join(part for part in parts[parts.index(clause) + 1:]) if clause in parts else ""
        negated = activities(struck.sub(" ", clause), self.gazetteer)
        # read together, so that "die druck ich selber aus" knows what "die" is
        said = activities(f"{struck.sub(' ', clause)}. {rest}", self.gazetteer)[len(negated):] if rest else []
        scores = [(label_similarity(negated[0].label, s.label), s.n) for s in draft.steps] if negated else [(0.0, 0)]
        score, number = max(scores)
        if score < 0.5:
            # "an die Kasse melde ich nix mehr", "dem Beschwerdeführer sagen wir am Ende nix": the step the
            # negated clause names by content
            number = step_by_content(draft, struck.sub(" ", clause))
        told = [a for a in said  # the new way, if it is not in the draft yet
                if not any(label_similarity(a.label, s.label) >= 0.5 and a.label.split()[-1] == s.label.split()[-1]
                           for s in draft.steps if s.n != number)]
        instead = re.search(r"\bsondern\s+(?:(?:direkt|gleich|jetzt|immer|bei mir|bei uns|nur)\s+)*"
                            r"(?P<prep>mit|per|in|im|an|bei|über|vom|von)\s+(?:der|die|das|dem|den)?\s*"
                            r"(?P<noun>[\wÄÖÜäöüß\-]+)", text, re.IGNORECASE)
        if number is not None and not told and instead is not None:
            # "die Gebühr zahlen die nicht mehr an der Kasse, sondern direkt bei mir mit EC-Karte": the way changes
            label = _with_phrase(draft.steps[number - 1].label, clause, instead.group("prep"), instead.group("noun"))
            draft = drafting.update_step(draft, number, label=label[:300])
            notes.append(f"Geändert: Schritt {number} heißt jetzt „{label}“.")
            return draft
        if number is None and not told:
            return draft
        if number is None:  # what it was is not in the draft: the new way is added ("… sondern mit EC-Karte")
            step = drafting.steps_from(told[:1])[0]
            draft = drafting.insert_steps(draft, len(draft.steps) + 1, [step])
            notes.append(f"Ergänzt: „{step.label}“ als Schritt {len(draft.steps)}.")
        elif told:
            step = drafting.steps_from(told[:1])[0]
            draft = drafting.update_step(draft, number, label=step.label, kind=step.kind)
            notes.append(f"Geändert: Schritt {number} heißt jetzt „{step.label}“.")
        elif (fewer := _without_participant(draft.steps[number - 1].label, clause)) is not None:
            # "die Stellungnahme von der Naturschutzbehörde holen wir nicht mehr ein": one of two recipients goes
            draft = drafting.update_step(draft, number, label=fewer)
            notes.append(f"Geändert: Schritt {number} heißt jetzt „{fewer}“.")
        else:
            draft = drafting.delete_step(draft, number)
            notes.append(f"Schritt {number} ist gestrichen.")
        return draft

    def _swap_in_step(self, draft: ProcessProfile, swapped: re.Match, notes: list[str]) -> ProcessProfile | None:
        """Replace what the clerk said it is not by what it is, in the one step that names it."""
        old, new = swapped.group("old").strip(), swapped.group("new").strip()
        wanted = drafting.content_stems(old, _NOT_CONTENT)
        hits = [s for s in draft.steps if wanted and wanted <= drafting.content_stems(s.label, _NOT_CONTENT)]
        if len(hits) != 1 or not new:
            return None
        step = hits[0]
        replaced = _with_phrase(step.label, old, swapped.group("newprep"), new)
        draft = drafting.update_step(draft, step.n, label=replaced[:300])
        notes.append(f"Geändert: Schritt {step.n} heißt jetzt „{replaced}“.")
        return draft

    # -- phases --------------------------------------------------------------
    def _after_read_back(self, draft: ProcessProfile, state: dict[str, Any], text: str, notes: list[str],
                         corrected: bool) -> Turn:
        """The clerk saw the steps read from the opening: confirmed, corrected, completed or retold."""
        told = [] if corrected else activities(text, self.gazetteer)  # corrections were applied already
        if len(told) >= max(3, (len(draft.steps) + 1) // 2):
            draft = self._absorb(draft, state, text, "steps", notes)  # the whole account replaces the first one
        elif told and not corrected:
            # A short message adds to the steps read back; it never replaces a longer account.
            new = drafting.steps_from([a for a in told if not any(_same_step(a.label, s.label) for s in draft.steps)])
            if new:
                draft = drafting.insert_steps(draft, len(draft.steps) + 1, new)
                notes.append("Angefügt: " + ", ".join(f"„{s.label}“" for s in new) + ".")
        if "steps" not in state["filled"]:
            state["filled"].append("steps")
        if len(told) < max(3, (len(draft.steps) + 1) // 2):  # other facts of the message are kept too
            draft = self._absorb(draft, state, without_corrections(text) if corrected else text, None, notes)
        return self._ask(draft, state, prefix=" ".join(notes) + (" " if notes else ""))

    def _after_opening(self, draft: ProcessProfile, state: dict[str, Any], text: str, notes: list[str]) -> Turn:
        before = draft
        draft = self._absorb(draft, state, text, None, notes, opening=True)  # steps too, when it tells them
        state["phase"] = "slots"
        state["opening"] = text[:1000]
        if state.get("retrieval", True) and self.search is not None and "steps" not in state["filled"]:
            templates = self.search(f"{draft.title if draft.title != PLACEHOLDER_TITLE else ''} {text}".strip())
            best = next((t for t in templates if t.profile.steps), None)
            if best is not None and templates and best is not templates[0] \
                    and best.result.score < templates[0].result.score - self.TEMPLATE_MARGIN \
                    and label_similarity(best.profile.title, templates[0].profile.title) < 0.3:
                best = None  # a lower hit with steps would offer another process than the best match
            # The offered template is the first card, so text and cards name the same process.
            ranked = ([best] if best is not None else []) + [t for t in templates if t is not best]
            suggestions = [t.result for t in ranked[:3]]
            state["cards"] = [{"id": t.profile.id, "title": t.profile.title, "town": t.profile.municipality or ""}
                              for t in ranked[:3]]
            if best is not None and best.result.score >= self.TEMPLATE_THRESHOLD \
                    and len(draft.steps) >= self.COMPARE_MIN_STEPS:
                offered = template_compare.extras(draft.steps, best.profile.steps)
                if offered:  # the clerk told the steps: compare with the template, never swap
                    state["template_id"] = best.profile.id
                    state["compare"] = {"town": best.profile.municipality or "einer anderen Kommune",
                                        "title": best.profile.title,
                                        "offered": [vars(e) for e in offered]}
                    state["slot"] = "compare_template"
                    text = template_compare.question(state["compare"]["town"], best.profile.title, offered)
                    return Turn(InterviewMessage(role="assistant", text=text, slot="compare_template",
                                                 suggestions=suggestions), draft, state, open_points(draft, state))
            elif best is not None and best.result.score >= self.TEMPLATE_THRESHOLD:
                state["template_id"] = best.profile.id
                state["template_profile"] = best.profile.model_dump(mode="json")
                state["slot"] = "confirm_template"
                return Turn(InterviewMessage(role="assistant", text=self._offer_text(best), slot="confirm_template",
                                             suggestions=suggestions), draft, state, open_points(draft, state))
            if suggestions:
                state["suggestions"] = [s.model_dump() for s in suggestions]
        noted = draft.model_dump(exclude={"title"}) != before.model_dump(exclude={"title"}) or bool(notes)
        return self._ask(draft, state, prefix="Danke, das habe ich notiert. " if noted else "Danke. ")

    def _offer_text(self, template: Template) -> str:
        profile = template.profile
        lines = [f"{s.n}. {s.label}" for s in profile.steps]
        place = profile.municipality or "einer anderen Kommune"
        return (f"In {place} ist ein ähnlicher Ablauf dokumentiert: „{profile.title}“. Dort läuft das so:\n"
                + "\n".join(lines)
                + "\nPasst das bei Ihnen? Antworten Sie mit „Ja“, nennen Sie Abweichungen (z. B. „Schritt 3 fällt "
                  "weg“) oder beschreiben Sie Ihren Ablauf selbst.")

    def _after_template(self, draft: ProcessProfile, state: dict[str, Any], text: str, notes: list[str]) -> Turn:
        template = self._template(state)
        own_steps = activities(without_corrections(text), self.gazetteer)  # "Statt „…“ machen wir: …" tells none
        accepted = bool(_YES.match(text)) and len(own_steps) < 3
        if accepted and template is not None:
            draft = self._adopt(draft, template, state)
            notes.insert(0, f"Ich habe {counted(len(template.steps), 'step')} aus {template.municipality} übernommen.")
            missing = state.pop("not_in_template", [])
            if missing:
                notes.insert(1, "Aus Ihrer Beschreibung fehlt in der Vorlage noch: " + ", ".join(f"„{m}“" for m in missing)
                             + ". Schreiben Sie z. B. „nach Schritt 2 kommt noch …“, wenn es dazugehört.")
            draft = self._apply_corrections(draft, state, text, notes)
            state["template_decision"] = "accepted"
        else:
            state["template_decision"] = "rejected"
            if len(own_steps) >= 2:
                draft = self._absorb(draft, state, text, "steps", notes)
            else:
                notes.insert(0, "Gut, dann erfassen wir Ihren eigenen Ablauf.")
        state["slot"] = None
        return self._ask(draft, state, prefix=" ".join(notes) + " ")

    def _after_compare(self, draft: ProcessProfile, state: dict[str, Any], text: str, notes: list[str]) -> Turn:
        """The clerk said which of the other town's additional steps it does too."""
        compare = state.pop("compare", None) or {}
        offered = [template_compare.Extra(**e) for e in compare.get("offered", [])]
        chosen = template_compare.accepted(text, offered)
        if chosen:
            draft = template_compare.insert(draft, chosen)
            state["reused"] = sorted(set(state.get("reused", [])) | {state.get("template_id")} - {None})
            names = ", ".join(f"„{e.label}“" for e in chosen)
            notes.append(f"Übernommen aus {compare.get('town', 'der Vorlage')}: {names}.")
            # "… dass einer die Urkunde unterschreibt, das macht der Bürgermeister": who does a step just taken over
            for correction in find_corrections(text):
                target = self._step_read(draft, text, correction.about) or step_by_content(draft, correction.about) \
                    if correction.action == "actor" and correction.step is None else None
                if target is not None:
                    draft = _with_actor(draft, target, correction.text, notes)
        else:
            notes.append("Gut, dann bleibt es bei Ihren Schritten.")
        state["template_decision"] = "compared"
        corrected = any(not c.loose for c in find_corrections(text)) or bool(_NO_LONGER.search(text))
        own = [] if corrected else [  # a correction ("nimm das mit der IHK-Kopie raus") is no step of its own
            a for a in activities(text, self.gazetteer)
            if max((label_similarity(a.label, s.label) for s in draft.steps), default=0) < 0.5
            and not template_compare.accepted(a.text, offered)]
        if own:  # "dem Steueramt sag ich auch Bescheid": a step of the clerk's own
            new = drafting.steps_from(own)
            draft = drafting.insert_steps(draft, len(draft.steps) + 1, new)
            notes.append("Ergänzt: " + ", ".join(f"„{s.label}“" for s in new) + ".")
        state["slot"] = None
        return self._ask(draft, state, prefix=" ".join(notes))

    def _take_card(self, draft: ProcessProfile, state: dict[str, Any], card: dict[str, Any],
                   notes: list[str]) -> Turn | None:
        """The clerk chose one of the shown templates by name or number: it is taken over."""
        found = next((t for t in self.search(card["title"]) if t.profile.id == card["id"]), None)
        if found is None:
            return None
        if not found.profile.steps:
            return self._ask(draft, state, prefix=f"„{card['title']}“ aus {card['town'] or 'der anderen Kommune'} hat "
                                                  "keine Arbeitsschritte, die ich übernehmen könnte. Beschreiben Sie "
                                                  "Ihren Ablauf gern selbst oder wählen Sie eine andere Vorlage.",
                             keep_slot=None if state.get("slot") in ("confirm_template", "compare_template")
                             else state.get("slot"))
        state.pop("compare", None)
        state["template_id"] = found.profile.id
        state["template_profile"] = found.profile.model_dump(mode="json")
        draft = self._adopt(draft, found.profile, state)
        state["template_decision"] = "accepted"
        notes.insert(0, f"Ich habe {counted(len(found.profile.steps), 'step')} aus "
                        f"{found.profile.municipality or 'der Vorlage'} übernommen („{found.profile.title}“).")
        missing = state.pop("not_in_template", [])
        if missing:
            notes.append("Aus Ihrer Beschreibung fehlt in der Vorlage noch: " + ", ".join(f"„{m}“" for m in missing)
                         + ". Schreiben Sie z. B. „nach Schritt 2 kommt noch …“, wenn es dazugehört.")
        state["slot"] = None
        return self._ask(draft, state, prefix=" ".join(notes))

    def _template(self, state: dict[str, Any]) -> ProcessProfile | None:
        cached = state.get("template_profile")
        return ProcessProfile.model_validate(cached) if cached else None

    def _adopt(self, draft: ProcessProfile, template: ProcessProfile, state: dict[str, Any]) -> ProcessProfile:
        # The other town's people, software and timings are not the clerk's: only the work is taken over.
        own_systems = draft.it_systems
        steps = [s.model_copy(update={"actor": None, "minutes": None}) for s in template.steps]
        steps = [s if not s.it_system or s.it_system in own_systems or is_generic_system(s.it_system) else
                 s.model_copy(update={"it_system": own_systems[0] if own_systems else None}) for s in steps]
        own = list(draft.steps)
        used: set[int] = set()
        for step in own:  # the clerk's wording where it told the step, the template's building block
            scores = [(label_similarity(step.label, t.label), i) for i, t in enumerate(steps) if i not in used]
            if scores and max(scores)[0] >= 0.5:
                index = max(scores)[1]
                used.add(index)
                steps[index] = steps[index].model_copy(update={"label": step.label})
        state["not_in_template"] = [s.label for s in own if not any(
            label_similarity(s.label, t.label) >= 0.5 for t in steps)]
        draft = drafting.replace_steps(draft, steps, list(template.decisions))
        for slot in ("steps", "decisions"):
            if slot not in state["filled"]:
                state["filled"].append(slot)
        state["reused"] = sorted(set(state.get("reused", [])) | {template.id})
        updates: dict[str, Any] = {}
        if not draft.category and template.category:
            updates["category"] = template.category
        return draft.model_copy(update=updates) if updates else draft

    # -- understanding ---------------------------------------------------------
    def _absorb(self, draft: ProcessProfile, state: dict[str, Any], text: str, slot: str | None,
                notes: list[str], opening: bool = False) -> ProcessProfile:
        """Read the message (rules, and the LLM when configured), merge the reading, note what changed."""
        filled: list[str] = state["filled"]
        context = ReadContext(slot=slot, opening=opening, steps_known="steps" in filled,
                              history=tuple(state.get("said", [])))
        update = rules_update = self.rules.read(draft, text, context)
        model_update = None
        if self.llm is not None:
            model_update = self.llm.read(draft, text, context)
            if model_update is None:
                state["llm_fallbacks"] = state.get("llm_fallbacks", 0) + 1
            update = combine(update, model_update)
        try:
            merged, slots = merge(draft, update)
        except ValueError as exc:  # e.g. a decision pointing to a missing step
            if self.llm is not None:
                self.llm.fallbacks.record(f"unstimmiges Ergebnis: {exc}")
                state["llm_fallbacks"] = state.get("llm_fallbacks", 0) + 1
            merged, slots = merge(draft, rules_update)
        if "title" in slots and slot == "title" and merged.title == rules_update.title:
            notes.extend(filter(None, [renamed_title_note(text, merged.title)]))  # "Aktenaussonderung" → "Akten aussondern"
        if update.steps:
            notes.append(f"Ich habe {counted(len(merged.steps), 'step')} erkannt.")
        if update.decisions and update.steps:
            notes.append(f"Ich habe {counted(len(merged.decisions), 'decision')} eingetragen.")
        elif update.decisions and slot == "decisions":
            new = [d for d in merged.decisions if d not in draft.decisions]
            shown = "; ".join(f"nach Schritt {d.after_step} „{d.question}“" for d in new[:3])
            notes.append(f"Eingetragen: {shown}." if shown else
                         f"Ich habe {counted(len(merged.decisions), 'decision')} eingetragen.")
        if slot == "decisions" and merged.steps and not says_no_decisions(text) \
                and not parse_decisions(text, len(merged.steps)):
            merged, added = with_branch_steps(merged, text, self.gazetteer)  # "…, frag ich beim Ordnungsamt nach"
            notes.extend(added)
            slots = [*slots, "decisions"] if added and "decisions" not in slots else slots
        for name in slots:
            if name == "decisions" and slot != "decisions":
                continue  # branches read in passing: the question still comes, to add the ones not yet told
            if name == "steps" and opening:
                state["steps_read_back"] = False  # told in passing: read back before the slot counts
                continue
            if name == "title" and opening and rules_update.title == opening_title(text) \
                    and (model_update is None or not model_update.title):
                state["title_provisional"] = True  # only a heading of the opening: the title question still comes
                continue
            if name not in filled:
                filled.append(name)
        nothing = says_nothing(text)
        bare_no = re.match(r"^\W*(?:nein|nee|ne|nö)\W*$", text, re.IGNORECASE) is not None
        if slot and (says_none(text) or (slot == "decisions" and says_no_decisions(text))) \
                and not (bare_no and slot in ("case_volume", "processing_time")) and not has_value(merged, slot):
            state.setdefault("declined", [])
            if slot not in state["declined"]:
                state["declined"].append(slot)
            if slot not in filled and slot != "decisions":
                filled.append(slot)  # "nix weiter": answered, there is none; not asked again
        if slot == "decisions" and "decisions" not in filled:
            if says_no_decisions(text) or nothing:
                filled.append("decisions")
            else:
                state.setdefault("retries", {})
                state["retries"]["decisions"] = state["retries"].get("decisions", 0) + 1
                if state["retries"]["decisions"] >= 2:
                    filled.append("decisions")
                    notes.append("Die Entscheidung konnte ich keinem Schritt zuordnen und habe sie nicht eingetragen. "
                                 "Die Prozessmodellierung kann sie bei der Prüfung im Modell ergänzen.")
                else:
                    notes.append("Ich konnte die Entscheidung keinem Schritt zuordnen. Nennen Sie bitte die "
                                 "Schrittnummer, z. B. „Nach Schritt 2 …“.")
        if slot and slot not in filled and (nothing or slot in ("it_systems", "legal_basis", "case_volume",
                                                                "processing_time")):
            filled.append(slot)  # asked once; an empty or unusable answer is not asked again
        state.setdefault("said", []).append(text[:1000])
        state["said"] = state["said"][-8:]
        return ProcessProfile.model_validate(merged.model_dump())

    def _apply_corrections(self, draft: ProcessProfile, state: dict[str, Any], text: str,
                           notes: list[str], quoted: bool = True) -> ProcessProfile:
        """Step corrections of the message; ``quoted`` False leaves steps named by a quoted label for later
        (a template's labels before the template is in the draft)."""
        for correction in _in_shown_numbering(find_corrections(text)):
            if correction.step == -1 and correction.action != "delete":
                correction.step = len(draft.steps) or None  # "der letzte Schritt heißt …"
            by_label = correction.step is None and correction.action in ("rename", "insert_after", "insert_before") \
                and (bool(correction.about) or correction.where == "end")
            if by_label and correction.where != "end":
                if not quoted:
                    continue
                correction.step = quoted_step(draft, correction.about)
                if correction.step is None:
                    notes.append(f"Einen Schritt „{correction.about}“ finde ich im Entwurf nicht. Nennen Sie bitte "
                                 f"die Nummer, z. B. „Schritt 3 heißt …“.")
                    continue
            elif by_label:  # "zum Schluss kommt bei uns noch: …"
                if not draft.steps:
                    continue  # told in an account of the whole process: read with the other steps
                correction.step = len(draft.steps)
            try:
                if correction.action == "delete":
                    number = correction.step if correction.step != -1 else len(draft.steps)
                    label = draft.steps[number - 1].label if 1 <= number <= len(draft.steps) else ""
                    draft = drafting.delete_step(draft, number)
                    notes.append(f"Schritt {number} („{label}“) ist gestrichen.")
                elif correction.action == "move":
                    if correction.loose and state.get("slot") in ("compare_template", "confirm_template"):
                        continue  # "das machen wir auch, gleich nach dem Prüfen" places a template step
                    number = step_by_content(draft, correction.text)
                    if number is not None:
                        if correction.where in ("start", "end"):
                            position = 1 if correction.where == "start" else len(draft.steps)
                        else:
                            ref = step_by_content(draft, correction.about)
                            if ref is None or ref == number:
                                continue
                            position = ref + (1 if correction.where == "nach" else 0)
                            position = position - 1 if number < position else position
                        label = draft.steps[number - 1].label
                        draft = drafting.move_step(draft, number, position)
                        notes.append(f"Geändert: „{label}“ ist jetzt Schritt {position}.")
                elif correction.action == "delete_by_content":
                    number = step_by_content(draft, correction.text)
                    if number is not None:
                        label = draft.steps[number - 1].label
                        draft = drafting.delete_step(draft, number)
                        notes.append(f"Schritt {number} („{label}“) ist gestrichen.")
                elif correction.action in ("insert_after", "insert_before"):
                    new = drafting.steps_from(activities(correction.text, self.gazetteer))
                    told = clean_answer(correction.text).strip(" .:")
                    if not new and len(told.split()) >= 2:  # told as a label: "Gebührenbescheid an die Kasse geben"
                        label = " ".join(normalise(tokenize(told)))
                        label = label[:1].upper() + label[1:]
                        new = [Step(n=1, label=label[:300], kind=classify_step(label, told))]
                    if new:
                        position = correction.step + (1 if correction.action == "insert_after" else 0)
                        draft = drafting.insert_steps(draft, position, new)
                        if len(new) == 1:
                            notes.append(f"Ich habe „{new[0].label}“ als Schritt {position} eingefügt.")
                        else:
                            notes.append("Eingefügt als Schritte " + f"{position} bis {position + len(new) - 1}: "
                                         + ", ".join(f"„{step.label}“" for step in new) + ".")
                        state["focus_step"] = position
                elif correction.action == "rename":
                    parsed = activities(correction.text, self.gazetteer)
                    told = clean_answer(correction.text).strip(" .:")
                    label = parsed[0].label if len(parsed) == 1 else told
                    named = {w.lower() for w in told.split()[:-1] if len(w) > 3 and w.lower() not in PP_KEEP}
                    if _AS_LABEL.match(told) and not named <= {w.lower() for w in label.split()}:
                        label = told  # "Vorsitzenden anrufen": the reading would drop whom, the clerk's words keep it
                    old = draft.steps[correction.step - 1] if 1 <= correction.step <= len(draft.steps) else None
                    changes: dict[str, Any] = {"label": label[:300]}
                    if parsed and old is not None and old.label.split()[-1:] != label.split()[-1:]:
                        changes["kind"] = parsed[0].kind  # another activity, not another name for it
                    draft = drafting.update_step(draft, correction.step, **changes)
                    notes.append(f"Schritt {correction.step} heißt jetzt „{label}“.")
                elif correction.action == "delete_decision":
                    at = [d for d in draft.decisions if correction.step is None or d.after_step == correction.step]
                    if len(at) != 1:
                        shown = ", ".join(f"nach Schritt {d.after_step}" for d in draft.decisions) or "keine"
                        notes.append(f"Welche Entscheidung soll ich löschen? Im Entwurf stehen: {shown}. Schreiben Sie "
                                     "z. B. „die Entscheidung nach Schritt 2 löschen“.")
                        continue
                    draft = draft.model_copy(update={"decisions": [d for d in draft.decisions if d is not at[0]]})
                    notes.append(f"Die Entscheidung nach Schritt {at[0].after_step} („{at[0].question}“) ist gelöscht; "
                                 "die Schritte bleiben, wie sie sind.")
                elif correction.action == "swap":
                    draft = drafting.swap_steps(draft, correction.step, correction.other)
                    notes.append(f"Schritte {correction.step} und {correction.other} sind getauscht.")
                elif correction.action == "merge_by_content":
                    one, other = step_by_content(draft, correction.text), step_by_content(draft, correction.about)
                    if one is None or other is None or one == other:
                        notes.append("Welche zwei Schritte soll ich zusammenfassen? Nennen Sie bitte die Nummern, "
                                     "z. B. „2 und 3 ist eins“.")
                        continue
                    first, second = sorted((one, other))
                    one_label, other_label = draft.steps[first - 1].label, draft.steps[second - 1].label
                    if other_label.split()[0] == one_label.split()[0]:  # "Antrag …" twice: the object once
                        other_label = " ".join(other_label.split()[1:])
                    label = f"{one_label} und {other_label[:1].lower() + other_label[1:]}"
                    draft = drafting.update_step(drafting.delete_step(draft, second), first, label=label[:300])
                    notes.append(f"Schritte {first} und {second} sind jetzt ein Schritt: „{label}“.")
                elif correction.action == "merge":
                    first, second = sorted((correction.step, correction.other))
                    kept = draft.steps[first - 1].label if 1 <= first <= len(draft.steps) else None
                    draft = drafting.delete_step(draft, second)
                    notes.append(f"Schritte {first} und {second} sind jetzt ein Schritt: „{kept}“.")
                elif correction.action == "actor" and state.get("slot") in ("compare_template", "confirm_template") \
                        and state.get("compare") and not correction.step:
                    continue  # it may name a step of the other town's, placed once the answer is read
                elif correction.action == "actor" and (
                        correction.step or correction.where == "explicit" or state.get("slot") not in ("org_unit",
                                                                                                        "participants")
                        or self._step_told(draft, correction.about) is not None):  # "… den Präsentkorb … macht das Sekretariat"
                    target = correction.step or self._step_read(draft, text, correction.about) \
                        or step_by_content(draft, correction.about, told=True) or self._step_told(draft, text) \
                        or (None if correction.where == "explicit" else state.get("focus_step") or (len(draft.steps) or None))
                    if target is None and correction.where == "explicit":
                        notes.append(f"Welchen Schritt erledigt {correction.text}? Nennen Sie bitte die Nummer, z. B. "
                                     f"„Schritt 3 macht {correction.text}“.")
                    if target:
                        draft = _with_actor(draft, target, correction.text, notes)
            except ValueError as exc:
                notes.append(str(exc))
        return draft

    # -- asking ------------------------------------------------------------------
    def next_slot(self, draft: ProcessProfile, state: dict[str, Any]) -> str | None:
        """The first open question; one the clerk passed over twice comes back once the others are through."""
        filled = set(state["filled"])
        open_slots = [slot for slot in ORDER if slot not in filled
                      and not (slot == "decisions" and len(draft.steps) < 3)]
        deferred = state.get("deferred", [])
        return next((slot for slot in open_slots if slot not in deferred), None) or next(
            (slot for slot in open_slots if slot in deferred and slot not in state.get("left_open", [])), None)

    def _passed_over(self, draft: ProcessProfile, state: dict[str, Any], slot: str) -> str | None:
        """After a question was asked twice and answered with something else, it is not asked a third time in a
        row: a provisional title is kept, another point waits until the rest is through (then it stays open).
        Returns the sentence that tells the clerk so, or None when the question may be asked."""
        streak = state.get("streak") or {}
        count = streak.get("count", 0) + 1 if streak.get("slot") == slot else 1
        state["streak"] = {"slot": slot, "count": count}
        if count <= 2 or slot in ("steps", "decisions"):
            return None
        state["streak"] = {}
        if slot == "title" and has_value(draft, "title"):
            state["filled"].append("title")
            state.pop("title_provisional", None)
            return f"Den Namen lasse ich vorerst bei „{draft.title}“; Sie können ihn jederzeit ändern."
        deferred = state.setdefault("deferred", [])
        if slot in deferred:
            state.setdefault("left_open", []).append(slot)
            return f"„{LABELS[slot]}“ bleibt offen; Sie können es jederzeit nachtragen."
        deferred.append(slot)
        return f"Nach „{LABELS[slot]}“ frage ich später noch einmal."

    def _ask(self, draft: ProcessProfile, state: dict[str, Any], prefix: str = "",
             keep_slot: str | None = None) -> Turn:
        draft = self._default_actors(draft)
        prefix = prefix.strip()
        prefix = f"{prefix} " if prefix else ""
        if state.get("phase") == "done":
            state["slot"] = None
            text = (prefix + "Danke! Der Entwurf ist vollständig. Mit „Fertig – zur Prüfung geben“ geht er an die "
                             "Prozessmodellierung.").strip()
            return Turn(InterviewMessage(role="assistant", text=text, slot=None), draft, state,
                        open_points(draft, state))
        slot = keep_slot or self.next_slot(draft, state)
        passed_over = self._passed_over(draft, state, slot) if slot is not None and keep_slot is None else None
        if passed_over is not None:
            prefix = f"{prefix}{passed_over} "
            slot = self.next_slot(draft, state)
            if slot is not None:
                state["streak"] = {"slot": slot, "count": 1}
        if slot is None:
            state["slot"] = "confirm"
            state["phase"] = "confirm"
            summary = summarise(draft)
            missing = open_points(draft, state)
            gap = (f" Noch ohne Angabe: {', '.join(missing)}. Sie können das jetzt nachtragen oder offen lassen."
                   if missing else "")
            text = prefix + (f"Ich habe jetzt alles, was ich fragen wollte. {summary}{gap} Soll ich den Entwurf so "
                             "zur Prüfung vorbereiten?")
            return Turn(InterviewMessage(role="assistant", text=text.strip(), slot="confirm"), draft, state,
                        open_points(draft, state))
        state["slot"] = slot
        if slot not in state["asked"]:
            state["asked"].append(slot)
        question = QUESTIONS.get(slot, "")
        if slot == "title" and state.get("title_provisional") and has_value(draft, "title"):
            question = (f"Ich habe den Ablauf vorläufig „{draft.title}“ genannt. Wie heißt er in Ihrer Verwaltung? "
                        "Wenn der Name passt, antworten Sie einfach mit „passt“.")
        state.pop("proposed_trigger", None)
        proposal = _trigger_from_steps(draft) if slot == "trigger" and not draft.trigger \
            and not state.get("trigger_proposed") else None
        if proposal:  # "der Antrag kommt per Mail" was told already: the clerk confirms instead of repeating it
            state["proposed_trigger"] = proposal
            state["trigger_proposed"] = True  # proposed once; a "nein" gets the plain question
            question = (f"Ausgelöst wird der Vorgang wohl durch: „{proposal}“. Stimmt das? Wenn ja, antworten Sie "
                        "einfach mit „passt“, sonst nennen Sie den Auslöser.")
        if slot == "steps" and draft.steps:
            listed = "\n".join(f"{s.n}. {s.label}" for s in draft.steps)
            question = (f"Diese Schritte habe ich bisher verstanden:\n{listed}\nStimmt das so? Ergänzen oder "
                        "korrigieren Sie gern („Schritt 2 fällt weg“, „nach Schritt 1 kommt noch …“), oder "
                        "beschreiben Sie den ganzen Ablauf der Reihe nach.")
        if slot == "decisions" and draft.steps:
            question += " Die Schritte im Entwurf: " + "; ".join(f"{s.n}. {s.label}" for s in draft.steps) + "."
            if draft.decisions:
                question += " Schon eingetragen: " + "; ".join(
                    f"nach Schritt {d.after_step} „{d.question}“" for d in draft.decisions[:3]) + "."
        if slot == "org_unit" and state.get("template_decision") == "accepted":
            template = self._template(state)
            if template and template.org_unit:
                question = (f"In {template.municipality} ist dafür „{template.org_unit}“ zuständig. "
                            f"Welche Stelle ist es bei Ihnen?")
        suggestions = [SearchResult.model_validate(s) for s in state.pop("suggestions", [])]
        return Turn(InterviewMessage(role="assistant", text=(prefix + question).strip(), slot=slot,
                                     suggestions=suggestions), draft, state, open_points(draft, state))

    @staticmethod
    def _default_actors(draft: ProcessProfile) -> ProcessProfile:
        if not draft.org_unit or not draft.steps:
            return draft
        steps = [s if s.actor else s.model_copy(update={"actor": draft.org_unit}) for s in draft.steps]
        return draft.model_copy(update={"steps": steps})


def _question_open(slot: str | None, state: dict[str, Any]) -> bool:
    """A question is waiting for its answer (not the summary, not a finished interview): a message that only
    changed the draft leaves it open."""
    return slot not in ("confirm", None) and state.get("phase") != "done"


def has_value(draft: ProcessProfile, slot: str) -> bool:
    """The draft holds something for the slot (the default title "Neuer Prozess" does not count)."""
    if slot == "title":
        return bool(draft.title) and draft.title != PLACEHOLDER_TITLE
    value = getattr(draft, _FIELD_FOR.get(slot, slot), None)
    return value not in (None, "", [], 0)


def open_points(draft: ProcessProfile, state: dict[str, Any]) -> list[str]:
    """Slots still open: counted as done only with a value in the draft, or when the clerk said there is none."""
    declined = set(state.get("declined", []))
    return [LABELS[slot] for slot in ORDER if not has_value(draft, slot) and slot not in declined
            and not (slot == "decisions" and 0 < len(draft.steps) < 3)]


def declined_points(state: dict[str, Any]) -> list[str]:
    """Slots the clerk said have nothing ("keine", "gibt es nicht")."""
    return [LABELS[slot] for slot in ORDER if slot in set(state.get("declined", []))]


def summarise(draft: ProcessProfile) -> str:
    parts = [f"„{draft.title}“"]
    if draft.steps:
        parts.append(counted(len(draft.steps), "step"))
    if draft.decisions:
        parts.append(counted(len(draft.decisions), "decision"))
    if draft.case_volume_per_year:
        parts.append(f"{counted(draft.case_volume_per_year, 'case')} im Jahr")
    if draft.minutes_per_case:
        parts.append(f"{counted(float(draft.minutes_per_case), 'minute')} pro Fall")
    return "Zusammengefasst: " + ", ".join(parts) + "."


def _open_figure(draft: ProcessProfile, text: str) -> ProcessProfile:
    """A bare figure after the summary fills the open one: minutes when a duration is named, else the volume."""
    minutes = minutes_per_case(text)
    if minutes is not None and not draft.minutes_per_case:
        return draft.model_copy(update={"minutes_per_case": minutes})
    volume = case_volume_per_year(text, asked=True) if minutes is None else None
    if volume is not None and not draft.case_volume_per_year:
        return draft.model_copy(update={"case_volume_per_year": volume})
    return draft


def _trigger_from_steps(draft: ProcessProfile) -> str | None:
    """The receipt that starts the steps as a trigger ("Antrag per Mail entgegennehmen" → "Antrag per Mail geht
    ein"), when the first step is one."""
    first = draft.steps[0] if draft.steps else None
    if first is None or first.kind != "receive" or not first.label.endswith(" entgegennehmen"):
        return None
    what = first.label[: -len(" entgegennehmen")].strip()
    return f"{what} geht ein" if what and what[:1].isupper() else None


def _steps_back(now: ProcessProfile, restored: ProcessProfile) -> str:
    """What undoing did to the steps, in one sentence: a step back, gone again, or named as before."""
    before, after = [s.label for s in now.steps], [s.label for s in restored.steps]
    changes = [op for op in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(changes) == 1:
        tag, i1, i2, j1, j2 = changes[0]
        if tag == "insert" and j2 - j1 == 1:
            return f"Schritt {j1 + 1} („{after[j1]}“) ist wieder da."
        if tag == "delete" and i2 - i1 == 1:
            return f"„{before[i1]}“ ist wieder heraus."
        if tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1:
            return f"Schritt {j1 + 1} heißt wieder „{after[j1]}“."
    return "Die Schritte sind wieder: " + "; ".join(f"{s.n}. {s.label}" for s in restored.steps) + "."


def _describe_change(now: ProcessProfile, restored: ProcessProfile) -> str:
    """One sentence on what undoing brought back."""
    if now.title != restored.title:
        return f"Der Ablauf heißt wieder „{restored.title}“."
    if now.org_unit != restored.org_unit:
        return f"Zuständig ist wieder: {restored.org_unit or 'nicht angegeben'}."
    if [s.label for s in now.steps] != [s.label for s in restored.steps]:
        return _steps_back(now, restored)
    if [(s.actor, s.kind) for s in now.steps] != [(s.actor, s.kind) for s in restored.steps]:
        changed = next(b for a, b in zip(now.steps, restored.steps) if (a.actor, a.kind) != (b.actor, b.kind))
        return f"Schritt {changed.n} („{changed.label}“) ist wieder wie vorher."
    for slot in ("case_volume", "processing_time", "trigger", "result", "it_systems", "participants", "legal_basis",
                 "customer", "documents", "waiting", "exceptions", "decisions"):
        name, attribute = LABELS[slot], _FIELD_FOR.get(slot, slot)
        old = getattr(restored, attribute)
        if getattr(now, attribute) != old:
            if slot == "decisions":
                return f"Die Entscheidungen sind wieder wie vorher ({len(old)})."
            shown = ", ".join(old) if isinstance(old, list) else (f"{old:g}" if isinstance(old, float) else old)
            return f"{name}: wieder „{shown}“." if shown not in (None, "", []) else f"{name}: wieder leer."
    return ""


_NOT_CONTENT = {"nicht", "immer", "schon", "jetzt", "inzwischen", "mittlerweile", "kannst", "können", "macht",
                "mache", "machen", "bitte", "einfach", "eigentlich", "streichen", "löschen", "schritt"}


def _in_shown_numbering(corrections: list) -> list:
    """Numbered corrections refer to the list the clerk saw ("1 weg. nach 3 kommt … 4 heißt …"): renames
    first, then inserts and deletions from the back, so no change shifts a number another one uses."""
    positions = {"delete": 0.0, "insert_after": 0.5, "insert_before": -0.5}
    numbered = [c for c in corrections if c.step is not None and c.action in positions]
    renames = [c for c in corrections if c.step is not None and c.action == "rename"]
    rest = [c for c in corrections if c not in numbered and c not in renames]
    ordered = sorted(numbered, key=lambda c: 1e6 if c.step == -1 else c.step + positions[c.action], reverse=True)
    return [*renames, *ordered, *rest]


def _same_step(told: str, label: str) -> bool:
    """A step told again, not a new one: same wording, or the same object with the same verb
    ("Erlaubnis vom Amtsleiter unterschreiben lassen" is new next to "Erlaubnis erteilen")."""
    score = label_similarity(told, label)
    return score >= 0.67 or (score >= 0.5 and told.split()[-1:] == label.split()[-1:])


_VALUE_INSTEAD = re.compile(r"\bnicht\s+mehr\s+(?:bei\s+|ab\s+|über\s+)?(?P<old>\d[\d.,]*)\s*(?:euro|€|tage|wochen|"
                           r"minuten|%)?\s*,?\s*sondern\s+(?:bei\s+|ab\s+|über\s+)?(?P<new>\d[\d.,]*)", re.IGNORECASE)


def _before_change(sentence: str) -> str:
    """What a sentence says before the clause that changes the draft ("Ordnungsamt, und übrigens an die Kasse
    melde ich nix mehr" → "Ordnungsamt")."""
    kept = []
    for part in re.split(r"\s*,\s*", sentence):
        if _NO_LONGER.search(part) or _VALUE_INSTEAD.search(part) or re.search(r"\bnicht\b", part, re.I) \
                and _INSTEAD.search(sentence):
            break
        kept.append(part)
    return re.sub(r"\s*\b(?:ach|und|übrigens|aber)(?:\s+(?:und|übrigens))*\s*$", "", ", ".join(kept), flags=re.I)


def _with_actor(draft: ProcessProfile, n: int, actor: str, notes: list[str]) -> ProcessProfile:
    """Step ``n`` done by ``actor`` (a label naming who signs names the new one), confirmed in one sentence."""
    label = _signed_by(draft.steps[n - 1].label, actor)
    notes.append(f"Schritt {n} erledigt jetzt: {actor}.")
    return drafting.update_step(draft, n, actor=actor[:200], label=label[:300])


def _signed_by(label: str, actor: str) -> str:
    """A label that names who signs ("… von der Amtsleitung unterschreiben lassen") names the new actor."""
    article = "von der" if re.search(r"(?:ung|ei|stelle|kasse|in|e)$", actor) else "vom"
    return re.sub(r"\bvo(?:m|n der|n den|n)\s+[A-ZÄÖÜ][\wäöüß\-]+(?=\s+\S+\s+lassen$)", f"{article} {actor}", label)


def _with_value(draft: ProcessProfile, old: str, new: str) -> ProcessProfile | None:
    """The draft with a figure replaced wherever a step or decision names it (a threshold that changed)."""
    pattern = re.compile(rf"(?<![\d.,]){re.escape(old)}(?![\d,]|\.\d)")
    data = draft.model_dump()
    found = False
    for step in data["steps"]:
        if pattern.search(step["label"]):
            step["label"], found = pattern.sub(new, step["label"]), True
    for decision in data["decisions"]:
        for holder, key in [(decision, "question"), *((b, "condition") for b in decision["branches"])]:
            if pattern.search(holder[key]):
                holder[key], found = pattern.sub(new, holder[key]), True
    return ProcessProfile.model_validate(data) if found else None


def _without_participant(label: str, negated: str) -> str | None:
    """``label`` without the one of several joined names the negated clause names ("an Feuerwehr und Untere
    Naturschutzbehörde" → "an Feuerwehr"), or None when the clause names no such part."""
    words = label.split()
    named = {w.lower()[:6] for w in re.findall(r"[A-Za-zÄÖÜäöüß\-]{4,}", negated)}
    tags = [t.tag for t in tag(words)]
    for i in range(1, len(words) - 1):
        if words[i].lower()[:6] not in named or not words[i][:1].isupper():
            continue
        start = i - 1 if i > 1 and tags[i - 1] in ("ADJA", "ADJ(A)") else i  # "Untere Naturschutzbehörde"
        if words[start - 1] == "und":
            kept = words[:start - 1] + words[i + 1:]
        elif i + 1 < len(words) - 1 and words[i + 1] == "und":
            kept = words[:start] + words[i + 2:]
        else:
            continue
        text = " ".join(kept)
        return text[:1].upper() + text[1:]
    return None


def _with_phrase(label: str, negated: str, preposition: str, noun: str) -> str:
    """``label`` with the phrase the negated words named ("an Kasse") replaced by the new one ("mit EC-Karte");
    the new phrase goes before the verb when the old one is not in the label."""
    words = label.split()
    named = {w.lower()[:5] for w in re.findall(r"[A-Za-zÄÖÜäöüß\-]{4,}", negated)}
    parts = noun.split("-")
    noun = "-".join(part.upper() if i == 0 and len(part) <= 3 and len(parts) > 1 else part[:1].upper() + part[1:]
                    for i, part in enumerate(parts))  # "ec-karte" → "EC-Karte"
    phrase = [preposition.lower(), noun]
    at = next((i for i, w in enumerate(words[1:-1], start=1) if w.lower()[:5] in named
               and words[i - 1].lower() in PP_KEEP), None)
    if at is not None:
        words[at - 1:at + 1] = phrase
    else:
        words[-1:-1] = phrase
    text = " ".join(words)
    return text[:1].upper() + text[1:]



def quoted_step(draft: ProcessProfile, quoted: str) -> int | None:
    """The step a quoted label names: the same label, else the one clearly closest, else by content."""
    wanted = " ".join(quoted.split()).casefold()
    same = [s.n for s in draft.steps if " ".join(s.label.split()).casefold() == wanted]
    if same:
        return same[0]
    scores = sorted(((label_similarity(quoted, s.label), s.n) for s in draft.steps), reverse=True)
    if scores and scores[0][0] >= 0.6 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
        return scores[0][1]
    return step_by_content(draft, quoted)


def step_by_content(draft: ProcessProfile, words: str, told: bool = False) -> int | None:
    """The one step whose label the words name ("das Ablegen", "den Präsentkorb"), if exactly one fits best;
    with ``told``, also by the clerk's own words for the step when no label fits."""
    wanted = drafting.content_stems(words, _NOT_CONTENT)
    if not wanted or not draft.steps:
        return None
    scores = [(len(wanted & drafting.content_stems(s.label, _NOT_CONTENT)), s.n) for s in draft.steps]
    best = max(score for score, _ in scores)
    if not best and told:  # "das Absperren" for "Sichern": the clerk names the step by the words it was told in
        scores = [(len(wanted & _told_stems(s.description or "")), s.n) for s in draft.steps]
        best = max(score for score, _ in scores)
    winners = [n for score, n in scores if score == best]
    if best and len(winners) > 1:  # "das Unterschreiben": "unterschreiben lassen" before "Unterlagen nachfordern"
        longer = {w.lower()[:8] for w in re.findall(r"[A-Za-zÄÖÜäöüß]{8,}", words)}
        close = [n for n in winners if longer & {w.lower()[:8] for w in re.findall(r"[A-Za-zÄÖÜäöüß]{8,}",
                                                                                  draft.steps[n - 1].label)}]
        if len(close) == 1:
            return close[0]
    return winners[-1] if best and len(winners) == 1 else (winners[-1] if best >= 2 else None)


def _told_stems(text: str) -> set[str]:
    """Content stems of what the clerk said for a step, participles also by their infinitive
    ("wird abgesperrt" is named again as "das Absperren")."""
    infinitives = [participle_infinitive(word) for word in re.findall(r"[a-zäöüß]{6,}", text.lower())]
    return drafting.content_stems(" ".join([text, *(i for i in infinitives if i)]), _NOT_CONTENT)


_CARD_NUMBER = re.compile(r"\b(?:vorlage|vorschlag|karte|beispiel|nummer|nr\.?)\s*(?P<n>[1-3])\b|\b(?P<ord>erste|zweite|dritte)[nr]?\s+"
                          r"(?:vorlage|vorschlag|karte|beispiel)", re.IGNORECASE)
_TAKE = re.compile(r"\b(?:nimm|nehme|nehmen|übernimm|übernehme|übernehmen|lieber|passt besser|die aus|den aus|"
                   r"das aus|als vorlage)\b", re.IGNORECASE)


def chosen_card(cards: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """The shown template the clerk names: "Vorlage 2", "die zweite Vorlage", its title, or "die aus <Ort>"."""
    if not cards or not _TAKE.search(text):
        return None
    match = _CARD_NUMBER.search(text)
    if match:
        index = int(match.group("n")) if match.group("n") else ("erste", "zweite", "dritte").index(
            match.group("ord").lower()) + 1
        return cards[index - 1] if index <= len(cards) else None
    lowered = text.lower()
    by_title = [c for c in cards if c["title"] and c["title"].lower() in lowered]
    if len(by_title) == 1:
        return by_title[0]
    by_town = [c for c in cards if c["town"] and re.search(rf"\baus {re.escape(c['town'].lower())}\b", lowered)]
    return by_town[0] if len(by_town) == 1 else None


_SLOT_NAMES = {**{label.lower(): slot for slot, label in LABELS.items()}, "ausnahmen": "exceptions",
               "fristen": "waiting", "wartezeit": "waiting", "kunden": "customer", "programme": "it_systems",
               "software": "it_systems", "rechtsgrundlagen": "legal_basis", "unterlagen": "documents",
               "formulare": "documents", "zuständig": "org_unit", "stelle": "org_unit", "name": "title"}


def _labelled_answer(text: str) -> tuple[str, str] | None:
    """A message that names its slot: "Sonderfälle: …", "Rechtsgrundlage: …" → (slot, value)."""
    match = re.match(r"^\s*(?P<label>[A-Za-zÄÖÜäöüß\- ]{3,30}?)\s*:\s*(?P<value>\S.*)$", text, re.DOTALL)
    slot = _SLOT_NAMES.get(match.group("label").strip().lower()) if match else None
    return (slot, match.group("value").strip()) if slot and slot not in ("steps", "decisions") else None


def _describe_additions(before: ProcessProfile, after: ProcessProfile) -> str:
    """What a message after the summary filled in, as "Fallzahl: 200, Bearbeitungszeit: 20 Minuten"."""
    parts = []
    for slot in ORDER:
        if slot in ("steps", "decisions"):
            continue
        field = _FIELD_FOR.get(slot, slot)
        old, new = getattr(before, field, None), getattr(after, field, None)
        if new not in (None, "", []) and new != old:
            shown = ", ".join(new) if isinstance(new, list) else (f"{new:g} Minuten" if slot == "processing_time"
                                                                 else str(new))
            parts.append(f"{LABELS[slot]}: {shown}")
    return ", ".join(parts)
