"""The built-in, rule-based interviewer.

One clear German question at a time, in the order that makes sense for what
is still open; facts the clerk mentions in passing fill their slots so they
are never asked again. After the first description it looks for similar
profiles of other municipalities and offers the best as a template, so the
clerk corrects instead of dictating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from app.domain import InterviewMessage, ProcessProfile, SearchResult
from app.domain.wording import counted
from app.nlp.decisions import says_no_decisions
from app.nlp.gazetteer import Gazetteer, is_generic_system
from app.nlp.language import guess
from app.nlp.steps import activities

from . import drafting
from .corrections import find_corrections
from .questions import LABELS, ORDER, QUESTIONS
from .reading import LLMReader, ReadContext, RuleReader, combine, merge
from .understanding import clean_answer, says_nothing

PLACEHOLDER_TITLE = "Neuer Prozess"
MAX_TEXT = 4000
_YES = re.compile(r"^\W*(ja|jawohl|genau|passt|stimmt|richtig|korrekt|einverstanden|übernehmen|gern|okay|ok)\b",
                  re.IGNORECASE)
_NO = re.compile(r"^\W*(nein|nee|passt nicht|stimmt nicht|anders|leider nicht|eher nicht)\b", re.IGNORECASE)
# Answers that are naturally a few nouns without function words.
_SHORT_ANSWER_SLOTS = {"title", "it_systems", "documents", "legal_basis", "participants", "org_unit", "customer"}
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
        client says so; it is treated as the last question asked (otherwise the engine's own record)."""
        state = dict(state)
        if answer_to:
            state["slot"] = answer_to
        state["turns"] = state.get("turns", 0) + 1
        text = text.strip()
        if not text:
            return self._ask(draft, state, prefix="Ich habe keine Nachricht erhalten. ")
        if not re.search(r"[A-Za-zÄÖÜäöüß]{2,}", text):
            return self._ask(draft, state, prefix="Das habe ich leider nicht verstanden. ")
        slot = state.get("slot")
        language = guess(text)
        if language == "en":
            return self._ask(draft, state, prefix="Ich kann bisher nur deutsche Beschreibungen auswerten. Bitte "
                                                  "schreiben Sie auf Deutsch.", keep_slot=slot)
        if language == "unknown" and (state.get("phase") == "opening" or slot not in _SHORT_ANSWER_SLOTS):
            return self._ask(draft, state, prefix="Das habe ich leider nicht verstanden. Beschreiben Sie es bitte "
                                                  "in ganzen Sätzen.", keep_slot=slot)
        notes: list[str] = []
        draft = self._apply_corrections(draft, state, text, notes)
        if state["phase"] == "opening":
            return self._after_opening(draft, state, text, notes)
        if slot == "confirm_template":
            return self._after_template(draft, state, text, notes)
        if slot == "confirm":
            if _NO.match(text) and not notes:
                state["phase"] = "slots"
                return self._ask(draft, state, prefix="Gut, was soll ich ändern? Sie können z. B. „Schritt 3 fällt "
                                                      "weg“ oder „nach Schritt 2 kommt noch …“ schreiben. ",
                                 keep_slot="confirm")
            state["phase"] = "done"
            return self._ask(draft, state)
        if slot == "steps" and draft.steps and "steps" not in state["filled"]:
            return self._after_read_back(draft, state, text, notes)
        draft = self._absorb(draft, state, text, slot, notes)
        return self._ask(draft, state, prefix=" ".join(notes) + (" " if notes else ""))

    # -- phases --------------------------------------------------------------
    def _after_read_back(self, draft: ProcessProfile, state: dict[str, Any], text: str, notes: list[str]) -> Turn:
        """The clerk saw the steps read from the opening: confirmed, corrected, completed or retold."""
        told = activities(text, self.gazetteer)
        if len(told) >= 2:
            draft = self._absorb(draft, state, text, "steps", notes)  # the whole account replaces the first one
        elif len(told) == 1 and not notes:
            new = drafting.steps_from(told)
            draft = drafting.insert_steps(draft, len(draft.steps) + 1, new)
            notes.append(f"Ich habe „{new[0].label}“ als Schritt {len(draft.steps)} angefügt.")
        if "steps" not in state["filled"]:
            state["filled"].append("steps")
        return self._ask(draft, state, prefix=" ".join(notes) + (" " if notes else ""))

    def _after_opening(self, draft: ProcessProfile, state: dict[str, Any], text: str, notes: list[str]) -> Turn:
        draft = self._absorb(draft, state, text, None, notes, opening=True)  # steps too, when it tells them
        state["phase"] = "slots"
        state["opening"] = text[:1000]
        if state.get("retrieval", True) and self.search is not None and "steps" not in state["filled"]:
            templates = self.search(f"{draft.title if draft.title != PLACEHOLDER_TITLE else ''} {text}".strip())
            best = next((t for t in templates if t.profile.steps), None)
            # The offered template is the first card, so text and cards name the same process.
            ranked = ([best] if best is not None else []) + [t for t in templates if t is not best]
            suggestions = [t.result for t in ranked[:3]]
            if best is not None and best.result.score >= self.TEMPLATE_THRESHOLD:
                state["template_id"] = best.profile.id
                state["template_profile"] = best.profile.model_dump(mode="json")
                state["slot"] = "confirm_template"
                return Turn(InterviewMessage(role="assistant", text=self._offer_text(best), slot="confirm_template",
                                             suggestions=suggestions), draft, state, open_points(draft, state))
            if suggestions:
                state["suggestions"] = [s.model_dump() for s in suggestions]
        return self._ask(draft, state, prefix="Danke, das habe ich notiert. ")

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
        own_steps = activities(text, self.gazetteer)
        accepted = bool(_YES.match(text)) and len(own_steps) < 3
        if accepted and template is not None:
            draft = self._adopt(draft, template, state)
            notes.insert(0, f"Ich habe {counted(len(template.steps), 'step')} aus {template.municipality} übernommen.")
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

    def _template(self, state: dict[str, Any]) -> ProcessProfile | None:
        cached = state.get("template_profile")
        return ProcessProfile.model_validate(cached) if cached else None

    def _adopt(self, draft: ProcessProfile, template: ProcessProfile, state: dict[str, Any]) -> ProcessProfile:
        steps = [s.model_copy(update={"actor": None}) for s in template.steps]
        own_systems = draft.it_systems
        if own_systems:
            # The clerk's own software replaces the other town's where a step uses one.
            steps = [s.model_copy(update={"it_system": own_systems[0]}) if s.it_system and s.it_system not in
                     own_systems and not is_generic_system(s.it_system) else s for s in steps]
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
        update = self.rules.read(draft, text, context)
        if self.llm is not None:
            model_update = self.llm.read(draft, text, context)
            if model_update is None:
                state["llm_fallbacks"] = state.get("llm_fallbacks", 0) + 1
            update = combine(update, model_update)
        before_steps, before_decisions = len(draft.steps), len(draft.decisions)
        try:
            merged, slots = merge(draft, update)
        except ValueError as exc:  # e.g. a decision pointing to a missing step
            if self.llm is not None:
                self.llm.fallbacks.record(f"unstimmiges Ergebnis: {exc}")
                state["llm_fallbacks"] = state.get("llm_fallbacks", 0) + 1
            merged, slots = merge(draft, combine(self.rules.read(draft, text, context), None))
        if update.steps:
            notes.append(f"Ich habe {counted(len(merged.steps), 'step')} erkannt.")
        if update.decisions and (update.steps or slot == "decisions"):
            notes.append(f"Ich habe {counted(len(merged.decisions), 'decision')} eingetragen.")
        for name in slots:
            if name == "steps" and opening:
                state["steps_read_back"] = False  # told in passing: read back before the slot counts
                continue
            if name not in filled:
                filled.append(name)
        nothing = says_nothing(text)
        if slot == "decisions" and "decisions" not in filled:
            if says_no_decisions(text) or nothing:
                filled.append("decisions")
            else:
                state.setdefault("retries", {})
                state["retries"]["decisions"] = state["retries"].get("decisions", 0) + 1
                if state["retries"]["decisions"] >= 2:
                    filled.append("decisions")
                else:
                    notes.append("Ich konnte die Entscheidung keinem Schritt zuordnen. Nennen Sie bitte die "
                                 "Schrittnummer, z. B. „Nach Schritt 2 …“.")
        if slot and slot not in filled and (nothing or slot in ("it_systems", "legal_basis", "case_volume",
                                                                "processing_time")):
            filled.append(slot)  # asked once; an empty or unusable answer is not asked again
        state.setdefault("said", []).append(text[:1000])
        state["said"] = state["said"][-8:]
        _ = before_steps, before_decisions
        return ProcessProfile.model_validate(merged.model_dump())

    def _apply_corrections(self, draft: ProcessProfile, state: dict[str, Any], text: str,
                           notes: list[str]) -> ProcessProfile:
        for correction in find_corrections(text):
            try:
                if correction.action == "delete":
                    draft = drafting.delete_step(draft, correction.step)
                    notes.append(f"Schritt {correction.step} ist gestrichen.")
                elif correction.action in ("insert_after", "insert_before"):
                    new = drafting.steps_from(activities(correction.text, self.gazetteer))
                    if new:
                        position = correction.step + (1 if correction.action == "insert_after" else 0)
                        draft = drafting.insert_steps(draft, position, new)
                        notes.append(f"Ich habe „{new[0].label}“ als Schritt {position} eingefügt.")
                        state["focus_step"] = position
                elif correction.action == "rename":
                    parsed = activities(correction.text, self.gazetteer)
                    label = parsed[0].label if parsed else clean_answer(correction.text)
                    draft = drafting.update_step(draft, correction.step, label=label[:300])
                    notes.append(f"Schritt {correction.step} heißt jetzt „{label}“.")
                elif correction.action == "swap":
                    draft = drafting.swap_steps(draft, correction.step, correction.other)
                    notes.append(f"Schritte {correction.step} und {correction.other} sind getauscht.")
                elif correction.action == "actor" and (correction.step or state.get("slot") not in
                                                       ("org_unit", "participants")):
                    target = correction.step or state.get("focus_step") or (len(draft.steps) or None)
                    if target:
                        draft = drafting.update_step(draft, target, actor=correction.text[:200])
                        notes.append(f"Schritt {target} erledigt jetzt: {correction.text}.")
            except ValueError as exc:
                notes.append(str(exc))
        return draft

    # -- asking ------------------------------------------------------------------
    def next_slot(self, draft: ProcessProfile, state: dict[str, Any]) -> str | None:
        filled = set(state["filled"])
        for slot in ORDER:
            if slot in filled:
                continue
            if slot == "decisions" and len(draft.steps) < 3:
                continue
            return slot
        return None

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
        if slot is None:
            state["slot"] = "confirm"
            state["phase"] = "confirm"
            summary = summarise(draft)
            text = prefix + f"Ich habe jetzt alles Wichtige. {summary} Soll ich den Entwurf so zur Prüfung vorbereiten?"
            return Turn(InterviewMessage(role="assistant", text=text.strip(), slot="confirm"), draft, state,
                        open_points(draft, state))
        state["slot"] = slot
        if slot not in state["asked"]:
            state["asked"].append(slot)
        question = QUESTIONS.get(slot, "")
        if slot == "steps" and draft.steps:
            listed = "\n".join(f"{s.n}. {s.label}" for s in draft.steps)
            question = (f"Diese Schritte habe ich bisher verstanden:\n{listed}\nStimmt das so? Ergänzen oder "
                        "korrigieren Sie gern („Schritt 2 fällt weg“, „nach Schritt 1 kommt noch …“), oder "
                        "beschreiben Sie den ganzen Ablauf der Reihe nach.")
        if slot == "decisions" and draft.steps:
            question += " Die Schritte im Entwurf: " + "; ".join(f"{s.n}. {s.label}" for s in draft.steps) + "."
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


def open_points(draft: ProcessProfile, state: dict[str, Any]) -> list[str]:
    filled = set(state.get("filled", []))
    return [LABELS[slot] for slot in ORDER if slot not in filled and not (slot == "decisions" and len(draft.steps) < 3)]


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
