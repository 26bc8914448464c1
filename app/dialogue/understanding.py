"""Facts a clerk mentions, asked for or in passing.

Each function reads one kind of fact from German free text; ``facts``
collects everything a message says so the dialogue never asks again for
what was already said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.nlp.figures import case_volume_per_year, minutes_per_case
from app.nlp.gazetteer import Gazetteer, looks_like_actor
from app.nlp.legal import legal_references
from app.nlp.orthography import normalise, typed_lower
from app.nlp.tagger import tokenize

_UNIT_PHRASE = re.compile(
    r"(?i:\b(?:ich (?:bin|arbeite|sitze|mache(?= im| in der| beim)|mach(?= im| in der| beim))|wir sind|das (?:machen|erledigen|bearbeiten) wir|zuständig (?:ist|sind)|"
    r"das macht|macht das|bei uns (?:ist|macht das)|liegt bei)\s+(?:hier\s+|bei uns\s+|alles\s+)?(?:im|in der|beim|"
    r"bei der|in dem|an der|am|die|der|das|unser(?:e|em|er)?)?\s*)"
    r"(?P<unit>[A-ZÄÖÜ][\w\-äöüß]*(?:\s+(?:für|und)\s+[A-ZÄÖÜ][\w\-äöüß]+)*(?:\s+[A-ZÄÖÜ][\w\-äöüß]+)?)")
_TITLE_PHRASE = re.compile(r"\b(?:der (?:prozess|ablauf|vorgang) heißt|nennen wir|heißt bei uns)\s+„?\"?(?P<t>[^\".“”]+)")
_LEAD_IN = re.compile(
    r"^(?:(?:also|ja|jein|nun|na|naja|tja|so|äh|ähm|hm+|ok(?:ay)?|gut|plus)\b[,\s]*)*(?:der |die |das )?(?:auslöser ist|ausgelöst wird (?:das|der vorgang) durch|"
    r"los geht es mit|es beginnt mit|am ende (?:steht|haben wir|liegt vor)|am ende|ergebnis ist|das ergebnis ist|"
    r"kunden sind|kunde ist|für|beteiligt (?:ist|sind)|wir haben|es gibt|das sind|das ist|es sind|"
    r"der kunde ist|die kunden sind|meistens|in der regel)\s*:?\s*", re.IGNORECASE)
_NOTHING = re.compile(r"^(?:nein|nichts|keine?s?|gibt es nicht|dazu kann ich nichts sagen|weiß ich nicht|"
                      r"keine ahnung|entfällt|-)\W*$", re.IGNORECASE)


@dataclass
class Facts:
    it_systems: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    case_volume_per_year: int | None = None
    minutes_per_case: float | None = None
    org_unit: str | None = None
    title: str | None = None


def clean_answer(text: str) -> str:
    """A free-text answer without lead-in phrases and closing punctuation; typed in lower case, its nouns get
    their capitals and "ne"/"nen" their full forms ("der antrag vom bürger" → "Der Antrag vom Bürger")."""
    value = _LEAD_IN.sub("", text.strip()).strip()
    value = re.sub(r"\s+", " ", value).strip(" .!")
    value = re.sub(r"(?i)(?:\s+(?:halt|eben|glaub ich|oder so|und so|usw\.?))+$", "", value)  # "die Hundehalter halt"
    value = _OPENING_FILLER.sub("", value)  # "So Übergabeprotokoll …", "Jein, der kommt per Mail"
    tokens = tokenize(value)
    if typed_lower(tokens):
        value = re.sub(r"\s+([,.;:!?)])|(\()\s+", r"\1\2", " ".join(normalise(tokens)))
    return value[:1].upper() + value[1:] if value else value


_OPENING_FILLER = re.compile(r"^(?:(?:so|jein|na|naja|tja|äh|ähm|plus|also|und)\b[,\s]+)+", re.IGNORECASE)
_NONE = re.compile(r"^(?:(?:nein|nee|nö|ne|also|hm)\W+)?(?:sonst\s+(?:ist|sind)\s+)?(?:(?:eigentlich|so|da|wirklich|gar|also|bei uns|hier|"
                   r"eher)\s+)*(?:nein|nee|nö|nicht|nichts|nix|keine?s?|gibt es nicht|gibt's nicht|gibts nicht|"
                   r"entfällt|-|haben wir nicht|brauchen wir nicht|niemand|keiner|sonst niemand|sonst keiner|"
                   r"nur ich|nur wir)(?:\s+(?:weiter|mehr|sonst|dazu|beteiligt|dabei))?\W*$", re.IGNORECASE)  # "nix weiter"


def says_none(text: str) -> bool:
    """The clerk says the slot has no value ("keine", "gibt es nicht"), not merely that it does not know."""
    return bool(_NONE.match(text.strip()))


def says_nothing(text: str) -> bool:
    return bool(_NOTHING.match(text.strip()))


_FILLER_WORDS = re.compile(r"\b(?:halt|eben|ja|also|wie gesagt|eigentlich|natürlich|auch|noch|sonst|meistens|"
                           r"manchmal|oft|immer|jedenfalls|übrigens|glaube ich|glaub ich|vielleicht)\b",
                           re.IGNORECASE)
_SUBORDINATE = re.compile(r"(?i)(?:wenn|weil|falls|obwohl|da|dass|ob|damit|sofern)\b")
_NEGATION = re.compile(r"\b(?:nicht|nix|nichts|kein\w*|niemand|nie)\b", re.IGNORECASE)


def split_list(text: str) -> list[str]:
    """"Anmeldeformular, Steuerbescheid und ein Nachweis." → three items."""
    value = clean_answer(text)
    value = re.sub(r"\b(?:bei \w+ )?(?:ein|eine|einen|der|die|das|den)\s+", "", value, flags=re.IGNORECASE)
    parts = re.split(r",\s*|\s+und\s+|\s+sowie\s+|\s+oder\s+|[;.!?]\s*|\n", value)
    items = []
    for part in parts:
        part = _FILLER_WORDS.sub(" ", _OPENING_FILLER.sub("", part.strip()))
        part = re.sub(r"\s+", " ", part).strip(" .-–")
        if not part or says_nothing(part) or _NEGATION.search(part) or len(part.split()) > 6 \
                or _SUBORDINATE.match(part):
            continue  # "die Polizei brauchen wir nicht", "kriegt nix von uns", a whole remark
        items.append(part[:1].upper() + part[1:200])
    return items


_WHOLE_ADMINISTRATION = re.compile(r"(?i)^(?:gemeindeverwaltung|stadtverwaltung|kreisverwaltung|verwaltung|gemeinde|stadt|"
                                   r"rathaus|markt|landkreis|verbandsgemeinde|samtgemeinde)$")
_RESPONSIBLE_FOR = re.compile(r"\bfür\s+(?:die|den|das)\s+(?P<unit>[A-ZÄÖÜ][\w\-äöüß]*(?:verwaltung|amt|stelle|kasse|büro|"
                              r"abteilung|bereich|referat|dienst))\s+zuständig")
_SUB_UNIT = re.compile(r"^\s*,\s*(?P<sub>(?:Sachgebiet|Abteilung|Referat|Fachbereich|Sachbereich|Team|Fachdienst|Bereich)"
                       r"(?:\s+[A-ZÄÖÜ0-9][\w\-äöüß]*){1,3})")
_OF_ROLE = re.compile(r"^\s+(?P<of>vom|von der|des|der)\s+(?P<who>[A-ZÄÖÜ][\w\-äöüß]+)")


def org_unit(text: str) -> str | None:
    """The unit the clerk works in, from a sentence that says so ("ich bin in der Stadtkämmerei Kirchwalden,
    Sachgebiet Beiträge" → "Stadtkämmerei, Sachgebiet Beiträge"); the whole administration names none."""
    text = re.sub(r"\b([a-zäöü][\wäöüß\-]{3,})", lambda m: m.group(1).capitalize()
                  if looks_like_actor(m.group(1).capitalize()) else m.group(1), text)  # "ich bin im bürgerbüro"
    for match in _UNIT_PHRASE.finditer(text):
        unit = match.group("unit").strip()
        words = unit.split()
        if words and _WHOLE_ADMINISTRATION.match(words[0]):
            responsible = _RESPONSIBLE_FOR.search(text, match.end())  # "… für die Schulverwaltung zuständig"
            if responsible:
                return responsible.group("unit")
            continue
        if not words or not (looks_like_actor(words[0]) or looks_like_actor(words[-1])):
            continue
        rest = text[match.end():]
        sub = _SUB_UNIT.match(rest)
        if sub and len(words) == 2 and looks_like_actor(words[0]) and not looks_like_actor(words[1]):
            unit = words[0]  # "Stadtkämmerei Kirchwalden, Sachgebiet …": the town is no part of the unit's name
        of_role = _OF_ROLE.match(rest)
        if of_role and looks_like_actor(of_role.group("who")):  # "im Vorzimmer vom Bürgermeister"
            return f"{unit} {of_role.group('of')} {of_role.group('who')}"
        return f"{unit}, {sub.group('sub')}" if sub else unit
    return None


def facts(text: str, gazetteer: Gazetteer, slot: str | None = None) -> Facts:
    found = Facts()
    found.it_systems = gazetteer.systems(text)
    found.legal_basis = legal_references(text)
    found.case_volume_per_year = case_volume_per_year(text, asked=slot == "case_volume")
    found.minutes_per_case = minutes_per_case(text)
    found.org_unit = org_unit(text)
    match = _TITLE_PHRASE.search(text)
    if match:
        found.title = match.group("t").strip()[:300]
    return found
