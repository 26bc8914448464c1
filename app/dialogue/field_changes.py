"""Changes of profile fields asked for in chat, at any time: "kannst du den Namen noch ändern in
Gewerbeanzeige", "zuständig ist doch das Ordnungsamt", "es sind eher 500 Fälle im Jahr"."""

from __future__ import annotations

import re
from typing import Any

from app.domain import ProcessProfile
from app.nlp.figures import case_volume_per_year, minutes_per_case

_TARGET = r"(?<=titel )bitte\s+|(?<=name )bitte\s+|(?:ändern|umbenennen|umändern|ändere|änder|nennen|setzen)\s+(?:in|zu|auf)\s+|(?:soll(?:te)?|muss)\s+(?:eher\s+|lieber\s+)?|(?:lautet|heißt)\s+(?:eigentlich\s+|richtig\s+)?|(?:ist|wäre)\s+(?:eher\s+|eigentlich\s+|richtig\s+|besser\s+)?|(?<=name):\s*|(?<=titel):\s*"
_RENAME = re.compile(r"\b(?:name[n]?|titel|bezeichnung|prozessname|den prozess|den ablauf)\b[^.!?:]{0,40}?(?:"
                     + _TARGET + r")[„\"]?(?P<value>[^„\"“.!?,]+?)[“\"]?\s*(?:heißen|sein|lauten|nennen)?\s*(?:[.!?,]|$)",
                     re.IGNORECASE)
# "das heißt bei uns einfach Hundeanmeldung": what the office calls it
_CALLED = re.compile(r"\b(?:(?:das|der|die|er|es)\s+heißt\s+bei\s+uns|(?:der ablauf|der prozess|das ganze)\s+heißt"
                     r"(?:\s+bei\s+uns)?)\s+(?:(?:einfach|intern|eigentlich|nur)\s+)*"
                     r"[„\"]?(?P<value>[^„\"“.!?,]+?)[“\"]?\s*(?:[.!?,]|$)", re.IGNORECASE)
_RENAME_SHORT = re.compile(r"\b(?:nenn|nennen sie)\s+(?:den prozess|den ablauf|das|ihn|es)\s+(?:lieber\s+|doch\s+)?"
                           r"[„\"]?(?P<value>[^„\"“.!?,]+)", re.IGNORECASE)
# "der Titel ist zu lang, mach einfach Bürgerhaus vermieten draus"
_NAMES_TITLE = re.compile(r"\b(?:titel|name[n]?|bezeichnung|prozessname)\b", re.IGNORECASE)
_RENAME_INTO = re.compile(r"\b(?:mach|machen sie|nimm|nehmen sie|schreib)\s+(?:doch\s+|einfach\s+|lieber\s+|bitte\s+)*"
                          r"[„\"]?(?P<value>[^„\"“.!?,]+?)[“\"]?\s+(?:draus|daraus|hin)\b", re.IGNORECASE)
_JUDGEMENT = re.compile(r"(?i)^(?:zu lang|zu kurz|falsch|nicht richtig|nicht gut|komisch|doof|blöd|unklar|so nicht)\b")
_RESULT = re.compile(r"\bergebnis\s+(?:ist|wäre)\s+(?:eigentlich|eher|doch)?\s*:?\s*(?P<value>[^.!?]+)", re.IGNORECASE)
_LEGAL = re.compile(r"\brechtsgrundlage\s+(?:ist|sind|wäre)\s+(?:doch\s+|eigentlich\s+|eher\s+)*(?:unsere?\s+|die\s+|das\s+|der\s+)?"
                    r"(?P<value>[^.!?]+)", re.IGNORECASE)
_SYSTEM = re.compile(r"\b(?:software|programm\w*|system\w*|fachverfahren)\s+fehlt\s+(?:noch\s+)?(?P<value>[\wÄÖÜäöüß.\-|&]+"
                     r"(?:\s+[A-ZÄÖÜ][\wäöüß.\-]+)?)", re.IGNORECASE)
_INSTEAD = re.compile(r"\bnicht\s+(?:mehr\s+)?(?P<old>\d[\d.]*|[\wÄÖÜäöüß\-]+)\s+sondern\s+(?P<new>\d[\d.]*|[\wÄÖÜäöüß\-]+)",
                      re.IGNORECASE)
_UNIT = re.compile(r"\b(?:zuständig\s+(?:ist|sind)|zuständige\s+stelle\s+ist|bei\s+der\s+stelle\s+(?:bitte\s+)?|"
                   r"als\s+stelle\s+(?:bitte\s+)?)\s*(?:doch|eigentlich|aber|jetzt)?\s*(?:das|die|der|unser(?:e)?)?\s*"
                   r"(?:(?:wir|ich)\s+(?:hier\s+)?(?:im|in\s+der|beim|bei\s+der)\s+)?"
                   r"(?P<value>[A-ZÄÖÜ][\wäöüß\-]+(?:(?:\s+|,\s*)(?!eintragen|bitte)[A-ZÄÖÜ][\wäöüß\-]+){0,3})",
                   re.IGNORECASE)
# "setz bitte noch den Landkreis als Beteiligten dazu", "das Jugendamt ist auch beteiligt"
_PARTICIPANT = re.compile(r"\b(?:(?:setz\w*|nimm|nehmen sie|trag\w*|füg\w*)\s+(?:bitte\s+)?(?:noch\s+)?(?:den|die|das)?\s*"
                          r"(?P<a>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+)?)\s+(?:noch\s+)?(?:als|bei den)\s+beteiligte\w*|"
                          r"(?:der|die|das)\s+(?P<b>[\wÄÖÜäöüß\-]+)\s+(?:ist|sind)\s+(?:auch\s+|noch\s+)?beteiligt)",
                          re.IGNORECASE)
_VOLUME_CUE = re.compile(r"\b(?:fallzahl|fälle|anträge|vorgänge|im jahr|pro jahr|im monat)\b", re.IGNORECASE)
_TIME_CUE = re.compile(r"\b(?:bearbeitungszeit|dauert|brauche ich|pro fall|je fall)\b", re.IGNORECASE)
_CHANGE_CUE = re.compile(r"\b(?:eher|doch|eigentlich|korrigier|ändern|falsch|stimmt nicht|nicht\s+\d+|sondern)\b",
                         re.IGNORECASE)


def find_field_changes(text: str, draft: ProcessProfile) -> dict[str, Any]:
    """Field → new value for the changes the message asks for."""
    changes: dict[str, Any] = {}
    match = _RENAME_INTO.search(text) if _NAMES_TITLE.search(text) else None
    match = match or _RENAME.search(text) or _RENAME_SHORT.search(text) or _CALLED.search(text)
    if match:
        value = re.sub(r"\s+(?:bitte|heißen|sein|lauten)$", "", match.group("value").strip(" .!?"))
        value = re.sub(r"(?i)^(?:(?:bei uns|hier|intern|einfach|eigentlich|nur)\s+)+", "", value)  # "heißt bei uns …"
        if 0 < len(value.split()) <= 10 and not _JUDGEMENT.match(value):
            changes["title"] = value[:1].upper() + value[1:300]
    match = _UNIT.search(text)
    if match and match.group("value").lower() not in ("eigentlich", "doch", "die", "der", "das"):
        changes["org_unit"] = match.group("value").strip()[:300]
    match = _RESULT.search(text)
    if match:
        changes["result"] = match.group("value").strip(" :")[:2000]
    match = _LEGAL.search(text)
    if match:  # "nee sorry, Rechtsgrundlage ist unsere Hundesteuersatzung": replaces what was there
        value = match.group("value").strip(" :")
        changes["legal_basis"] = [value[:1].upper() + value[1:300]]
    match = _SYSTEM.search(text)
    if match:
        changes["it_systems"] = list(dict.fromkeys([*draft.it_systems, match.group("value").strip(" .,")]))[:50]
    match = _INSTEAD.search(text)
    if match and draft.steps:
        old, new = match.group("old"), match.group("new")
        variants = {old, old.replace(".", ""), f"{int(old.replace('.', '')):,}".replace(",", ".")} \
            if old.replace(".", "").isdigit() else {old}
        steps = []
        changed = False
        for step in draft.steps:
            label = step.label
            for variant in variants:
                if re.search(rf"(?<![\w.]){re.escape(variant)}(?![\w])", label):
                    label = re.sub(rf"(?<![\w.]){re.escape(variant)}(?![\w])", new, label)
                    changed = True
            steps.append(step.model_copy(update={"label": label}))
        if changed:
            changes["steps"] = steps
    match = _PARTICIPANT.search(text)
    if match:
        who = (match.group("a") or match.group("b")).strip()
        who = who[:1].upper() + who[1:]
        if who.lower() not in {p.lower() for p in draft.participants}:
            changes["participants"] = [*draft.participants, who[:200]][:50]
    if _CHANGE_CUE.search(text):
        if _VOLUME_CUE.search(text):
            volume = case_volume_per_year(text, asked=True)
            if volume and volume != draft.case_volume_per_year:
                changes["case_volume_per_year"] = volume
        if _TIME_CUE.search(text):
            minutes = minutes_per_case(text)
            if minutes and minutes != draft.minutes_per_case:
                changes["minutes_per_case"] = minutes
    return changes


FIELD_NAMES = {"title": "Der Ablauf heißt jetzt „{}“.", "org_unit": "Zuständig ist jetzt: {}.",
               "result": "Ergebnis jetzt: {}.", "it_systems": "IT-Systeme ergänzt: {}.",
               "participants": "Beteiligte: {}.", "legal_basis": "Rechtsgrundlage jetzt: {}.",
               "steps": "Schritte angepasst: {}.",
               "case_volume_per_year": "Fallzahl jetzt: {} im Jahr.",
               "minutes_per_case": "Bearbeitungszeit jetzt: {:g} Minuten pro Fall."}


def confirmation(field: str, value: Any) -> str:
    if field in ("it_systems", "participants", "legal_basis"):
        value = ", ".join(value)
    elif field == "steps":
        value = "; ".join(f"{s.n}. {s.label}" for s in value)
    return FIELD_NAMES[field].format(value)


def only_changes(text: str, draft: ProcessProfile) -> bool:
    """Every sentence of the message changes a field ("Der Name soll … heißen."): it answers no question."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    return bool(sentences) and all(find_field_changes(s, draft) for s in sentences)
