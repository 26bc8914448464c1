"""What a step label is about, in words two municipalities share.

Two towns name the same step differently ("Erlaubnis per E-Mail versenden",
"Bescheid versenden"). A small hand-made lexicon of German administrative
words maps such variants to one concept: *objects* (what the step handles:
a notice, an application, a fee) and *actions* (what is done with it). Words
outside the lexicon stand for themselves by their first six letters; channel
words ("per E-Mail", "postalisch") and function words carry no meaning here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-zäöüß0-9]+(?:-[a-zäöüß0-9]+)*", re.IGNORECASE)
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})

STOP = {"der", "die", "das", "den", "dem", "des", "und", "oder", "im", "in", "an", "am", "auf", "zum", "zur", "mit",
        "von", "vom", "fur", "ein", "eine", "einen", "einer", "eines", "bei", "beim", "nach", "uber", "aus", "zu",
        "ggf", "bzw", "sowie", "als", "wenn", "ob", "sich", "ist", "wird", "werden", "neu", "erneut", "ggfs"}
# How something travels is not what it is.
CHANNELS = {"per", "e-mail", "email", "mail", "e", "post", "postalisch", "online", "digital", "elektronisch",
            "schriftlich", "personlich", "telefonisch", "fax", "brief", "papier", "portal"}

# concept -> (German name shown in reasons, word stems after umlaut folding)
OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "notice": ("Bescheid", ("bescheid", "erlaubnis", "genehmigung", "bewilligung", "zulassung", "zusage",
                            "urkunde", "lizenz", "befreiung", "zertifikat", "konzession", "berechtigung")),
    "application": ("Antrag", ("antrag", "antrage", "anmeldung", "ummeldung", "abmeldung", "anzeige", "gesuch",
                               "anfrage", "formular")),
    "papers": ("Unterlagen", ("unterlage", "dokument", "nachweis", "beleg", "anlage")),
    "fee": ("Gebühr", ("gebuhr", "zahlung", "betrag", "kosten", "rechnung", "entgelt", "kasse", "steuer",
                       "forderung")),
    "data": ("Daten", ("daten", "datensatz", "eintrag", "register", "fachverfahren", "stammdat")),
    "file": ("Akte", ("akte", "vorgang", "ablage", "archiv")),
    "opinion": ("Stellungnahme", ("stellungnahme", "beteiligung", "anhorung", "gutachten")),
    "appointment": ("Termin", ("termin", "gesprach", "vorsprache", "besichtigung", "ortstermin")),
    "receipt": ("Bestätigung", ("bestatigung", "quittung", "eingangsbestatigung")),
    "applicant": ("Antragsteller", ("antragsteller", "burger", "kunde", "halter", "person")),
}
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "send": ("versenden", ("versend", "send", "verschick", "schick", "zustell", "ubermittel", "ubersend", "zusend",
                           "mailen", "weiterleit", "aushandig", "ausgeb", "ausliefer", "verschickt")),
    "receive": ("entgegennehmen", ("entgegennehm", "annehm", "empfang", "eingang", "erhalt", "einreich",
                                   "eingeh", "einlesen")),
    "check": ("prüfen", ("pruf", "kontroll", "sicht", "begutacht", "bewert", "abgleich", "plausib")),
    "enter": ("erfassen", ("erfass", "eintrag", "eingeb", "anleg", "einpfleg", "aufnehm")),
    "create": ("erstellen", ("erstell", "erzeug", "ausfertig", "verfass", "schreib", "entwerf", "fertig")),
    "decide": ("entscheiden", ("entscheid", "genehmig", "bewillig", "ablehn", "zustimm")),
    "archive": ("ablegen", ("ableg", "archivier", "speicher")),
    "request": ("anfordern", ("anforder", "nachforder", "anfrag", "erfrag", "einhol", "beschaff")),
    "pay": ("buchen", ("buch", "zahl", "bezahl", "kassier", "vereinnahm", "uberweis")),
    "calculate": ("berechnen", ("berechn", "festsetz", "ermittel", "kalkulier")),
    "sign": ("freigeben", ("freigeb", "mitzeichn", "unterschreib", "unterzeichn", "zeichn")),
    "print": ("drucken", ("druck", "ausdruck")),
    "scan": ("scannen", ("scann", "digitalisier", "einscann")),
}


@dataclass
class Meaning:
    objects: dict[str, str] = field(default_factory=dict)  # concept or stem -> the word it came from
    actions: dict[str, str] = field(default_factory=dict)


def _fold(word: str) -> str:
    return word.translate(_UMLAUTS)


def _concept(word: str, table: dict[str, tuple[str, tuple[str, ...]]], compound: bool) -> str | None:
    """A concept whose stem starts the word, or (for nouns) ends a compound ("Gebührenbescheid")."""
    for concept, (_, stems) in table.items():
        for stem in stems:
            if word.startswith(stem) or (compound and len(stem) >= 5 and stem in word[3:]):
                return concept
    return None


def meaning(label: str) -> Meaning:
    result = Meaning()
    for raw in _WORD.findall(label):
        word = _fold(raw.lower())
        if word in STOP or word in CHANNELS or len(word) < 2:
            continue
        action = _concept(word, ACTIONS, compound=False)
        obj = _concept(word, OBJECTS, compound=True)
        noun = raw[0].isupper()  # German nouns are capitalised; "eintragen" acts, "Eintrag" is a thing
        if obj is not None and (noun or action is None):
            result.objects.setdefault(obj, raw)
        elif action is not None:
            result.actions.setdefault(action, raw)
        else:
            result.objects.setdefault(word[:6], raw)
    return result


def concept_name(concept: str) -> str | None:
    entry = OBJECTS.get(concept) or ACTIONS.get(concept)
    return entry[0] if entry else None
