"""Process names in the catalogue's form: object and activity, the activity in the infinitive.

Clerks name a process by a nominalisation ("Hausnummernvergabe", "Aktenaussonderung",
"Vergabe Grabstätte"); process catalogues name it "Hausnummer vergeben", "Akten
aussondern". The compound is cut before its action noun (HanTa's morphology finds
linking elements; HanTa also confirms the derived infinitive is a German verb), and
only when both the object and the verb are certain is the name rewritten.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .tagger import _get, tag, tokenize

# Action nouns that are not formed with "-ung": ending → infinitive ending.
_IRREGULAR = {"gabe": "geben", "nahme": "nehmen", "leihe": "leihen", "kontrolle": "kontrollieren",
              "anzeige": "anzeigen", "suche": "suchen", "pflege": "pflegen", "abfrage": "abfragen"}
# "-ung" nouns that name a thing, a body or a document rather than the act ("Wohnung", "Abteilung").
_NOT_AN_ACT = ("wohnung", "rechnung", "zeitung", "ordnung", "satzung", "leitung", "sitzung", "abteilung",
               "verwaltung", "stiftung", "versicherung", "störung", "beleuchtung", "einrichtung", "richtung",
               "bildung", "werbung", "kleidung", "heizung", "lüftung", "siedlung", "kreuzung", "leistung",
               "meinung", "zeichnung", "übung", "wirkung", "umgebung", "hoffnung", "vorlesung", "haltung",
               "entfernung", "stellung", "vertretung", "dichtung", "mündung", "bedingung", "bescheinigung",
               "vereinigung", "genossenschaft", "sendung", "ladung", "forderung", "endung", "nutzung", "forschung",
               "ausnahme",
               # registrations keep their established name ("Gewerbeanmeldung", "Anmeldung zur Eheschließung")
               "anmeldung", "abmeldung", "ummeldung")
_MIN_VERB_SCORE = -22.0  # HanTa's log-probability: real verbs score above -20, made-up strings below -28
_MIN_OBJECT = 3
# Endings after which a final "s" before an action noun is the linking element, never part of the noun.
_LINKING_S = ("ungs", "heits", "keits", "schafts", "ions", "täts", "ts", "ings", "tums")
_GENITIVE = ("des", "eines")
# "Vergabe von Hallenzeiten", "Beurkundung eines Sterbefalls"; not "Ausnahme von der Satzung" (no object)
_LINKS = ("von", "der", "des", "eines", "einer")


def _is_verb(word: str) -> bool:
    """HanTa knows the word as a verb (its best reading is a verb form, with a likely score)."""
    best = _get().tag_word(word)[:1]
    return bool(best) and best[0][0].startswith("VV") and float(best[0][1]) > _MIN_VERB_SCORE


def _infinitive(action: str) -> str | None:
    """The verb an action noun is made from: "vergabe" → "vergeben", "aussonderung" → "aussondern"."""
    action = action.lower()
    if action.endswith("ung") and len(action) > 5:
        base = action[:-3]
        verb = base + "n" if base.endswith(("er", "el")) else base + "en"
    else:
        ending = next((e for e in sorted(_IRREGULAR, key=len, reverse=True) if action.endswith(e)), None)
        if ending is None:
            return None
        verb = action[: -len(ending)] + _IRREGULAR[ending]
    return verb if _is_verb(verb) else None


def _linking_cut(word: str, cut: int) -> int:
    """Where the object ends when a linking element precedes the cut ("Hausnummer|n|vergabe")."""
    _, morphemes, _ = _get().analyze(word, taglevel=3)
    position = 0
    for morpheme, kind in morphemes:
        end = position + len(morpheme)
        if end == cut and kind == "FUGE" and position >= _MIN_OBJECT:
            return position
        position = end
    return cut


@lru_cache(maxsize=2048)
def _split_compound(word: str) -> tuple[str, str] | None:
    """("Hausnummer", "vergeben") for "Hausnummernvergabe": object and verb, or None."""
    if "-" in word:  # "Kita-Platzvergabe", "Tablet-Ausleihe": the last part carries the action
        head, _, last = word.rpartition("-")
        inner = _split_compound(last[:1].upper() + last[1:]) if len(last) > 6 else None
        if inner:
            return f"{head}-{inner[0]}", inner[1]
        verb = _infinitive(last)
        return (head, verb) if verb and len(head) >= 2 and head[:1].isupper() else None
    cuts = range(_MIN_OBJECT, len(word) - 3)
    joints = _joints(word)  # the morphology's cuts first: "…zähler|anmeldung", not "…zähle|ranmeldung"
    for cut in [*(c for c in cuts if c in joints), *(c for c in cuts if c not in joints)]:
        if word[cut:].lower() in _NOT_AN_ACT:
            return None  # "Friedhofsverwaltung" names a body: no shorter part ("walten") is the action
        verb = _infinitive(word[cut:])
        if verb is None:
            continue
        end = _linking_cut(word, cut)
        obj = word[:end]
        if obj.lower().endswith("en") and _adjective_noun(word, end):
            obj = obj[:-1]  # "Obdachlosen|unterbringung" → "Obdachlose unterbringen"
        elif end == cut and obj.endswith(_LINKING_S):
            obj = obj[:-1]  # "Geburts|beurkundung": the linking "s" HanTa did not mark
        return (obj, verb) if _object_is_noun(obj) else None
    return None


def _joints(word: str) -> set[int]:
    """Positions where HanTa's analysis of the compound puts a morpheme boundary."""
    _, morphemes, _ = _get().analyze(word, taglevel=3)
    positions, position = set(), 0
    for morpheme, _kind in morphemes:
        position += len(morpheme)
        positions.add(position)
    return positions


def _adjective_noun(word: str, end: int) -> bool:
    """The object is a nominalised adjective ("Obdachlosen"): its ending is not part of a plural noun."""
    _, morphemes, _ = _get().analyze(word, taglevel=3)
    position = 0
    for morpheme, kind in morphemes:
        position += len(morpheme)
        if position == end:
            return kind == "SUF_ADJ_NN"
    return False


def _object_is_noun(obj: str) -> bool:
    """The part before the action is a noun of its own, not a verb stem ("Fäll|genehmigung")."""
    if len(obj) < _MIN_OBJECT or not obj[:1].isupper():
        return False
    tokens = tag(tokenize(obj))
    if len(tokens) != 1 or tokens[0].tag not in ("NN", "NE", "NNA"):
        return False
    _, morphemes, _ = _get().analyze(obj, taglevel=3)
    return not morphemes or morphemes[-1][1] in ("NN", "NE", "SUF_NN", "SUF_ADJ_NN", "SUF_ADJ")


def _object_phrase(words: list[str]) -> str | None:
    """The object after an action noun: "Grabstätte", "von Sporthallenzeiten", "eines Sterbefalls"."""
    lowered = " ".join(words).lower()
    link = next((l for l in _LINKS if lowered.startswith(l + " ")), "")
    rest = words[len(link.split()):] if link else words
    if len(rest) != 1 or not rest[0][:1].isupper():
        return None
    token = tag(tokenize(rest[0]))
    if len(token) != 1 or token[0].tag not in ("NN", "NE"):
        return None
    noun = rest[0]
    if link in _GENITIVE and token[0].lemma and token[0].lemma.lower() != noun.lower():
        noun = token[0].lemma[:1].upper() + token[0].lemma[1:]  # "eines Sterbefalls" → "Sterbefall"
    return noun


def verbal_title(name: str) -> str | None:
    """The name as object + infinitive ("Aktenaussonderung" → "Akten aussondern"), or None when it cannot be
    rewritten reliably (a name already with a verb, several nouns, an unknown action)."""
    words = name.split()
    if not words or not re.fullmatch(r"[A-ZÄÖÜ][\wÄÖÜäöüß\-]*", words[0]):
        return None
    if len(words) == 1:
        split = _split_compound(words[0])
        return f"{split[0]} {split[1]}" if split else None
    if "-" in words[0] or len(words) > 4:
        return None
    verb = _infinitive(words[0])
    if verb is None or not words[0][:1].isupper():
        return None
    obj = _object_phrase(words[1:])  # "Vergabe Grabstätte", "Beurkundung eines Sterbefalls"
    return f"{obj} {verb}" if obj else None
