"""Verbs as clerks say them, and their administrative form.

HanTa tags the clipped first-person forms of everyday speech ("druck ihn aus",
"schick", "ruf an") as nouns or adjectives, so the reader needs its own verb
lexicon: the infinitives of ``training_data/verbs.tsv`` (colloquial phrase →
administrative verb → building block), written for this purpose and kept apart
from every evaluation case, plus the verbs of the building-block catalogue.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "training_data" / "verbs.tsv"

# Separable particles, including the clipped colloquial ones ("raus", "rüber").
PARTICLES = ("zurück", "weiter", "heraus", "hinzu", "vorbei", "zusammen", "entgegen", "wieder", "bereit", "durch",
             "raus", "rüber", "rein", "runter", "hoch", "nach", "fest", "fort", "frei", "weg", "vor", "mit", "los",
             "auf", "aus", "ein", "ab", "an", "zu", "um", "bei", "hin", "her", "dar", "gegen")

# Everyday verbs that the lexicon file does not list as a phrase of their own.
_EXTRA = ("prüfen", "kontrollieren", "checken", "gucken", "schauen", "nachschauen", "nachgucken", "durchgehen",
          "anschauen", "angucken", "ansehen", "bearbeiten", "machen", "erstellen", "ausrechnen", "rechnen",
          "berechnen", "buchen", "zahlen", "überweisen", "kassieren", "unterschreiben", "zeichnen", "abzeichnen",
          "stempeln", "siegeln", "fahren", "rausfahren", "tragen", "schreiben", "legen", "geben", "holen",
          "rufen", "anrufen", "telefonieren", "fragen", "nachfragen", "melden", "vergeben", "festlegen",
          "festsetzen", "entscheiden", "beschließen", "genehmigen", "ablehnen", "bestätigen", "bestellen",
          "klären", "vereinbaren", "ausmachen", "ziehen", "rausziehen", "reinhacken", "terminieren", "einladen", "kleben", "aufkleben", "ausfüllen", "füllen",
          "kopieren", "heften", "sortieren", "vorlegen", "übergeben", "versenden", "senden", "verschicken",
          "aushändigen", "ausgeben", "vormerken", "eintragen", "erfassen", "anlegen", "ablegen", "scannen",
          "drucken", "abgleichen", "vergleichen", "hochladen", "runterladen", "herunterladen", "öffnen",
          "abholen", "zurückgeben", "weiterleiten", "weitergeben", "besichtigen", "messen", "kalkulieren",
          "ausstellen", "verlängern", "bewilligen", "zustimmen", "bewerten", "begutachten", "abnehmen",
          "einholen", "anfordern", "nachfordern", "erinnern", "mahnen", "vollstrecken", "abrechnen", "auszahlen",
          "anordnen", "beantragen", "einreichen", "eingehen", "reinkommen", "ankommen", "kommen", "landen",
          "schicken", "mailen", "faxen", "informieren", "benachrichtigen", "verständigen", "beteiligen",
          "anhören", "abstimmen", "besprechen", "beraten", "protokollieren", "dokumentieren", "notieren",
          "vermerken", "aufnehmen", "einpflegen", "tippen", "abtippen", "eintippen", "übertragen", "ausdrucken",
          "einscannen", "abheften", "archivieren", "speichern", "abspeichern", "aufbewahren", "vernichten",
          "löschen", "sperren", "freigeben", "veröffentlichen", "aushängen", "bekanntmachen", "zuordnen",
          "zuweisen", "verteilen", "einsortieren", "recherchieren", "suchen", "raussuchen", "ermitteln",
          "feststellen", "bescheiden", "zustellen", "zurückschicken", "warten", "abwarten", "setzen",
          "erteilen", "vorbereiten", "planen", "organisieren", "durchführen", "einsetzen", "ausrücken",
          "lesen", "verbuchen", "ausbuchen", "einbuchen", "quittieren", "aufschreiben", "unterzeichnen",
          "beglaubigen", "beurkunden", "ausstellen", "erheben", "fordern", "einziehen", "weiterreichen")


@dataclass(frozen=True)
class VerbEntry:
    administrative: str
    kind: str


def _stem(infinitive: str) -> str:
    if infinitive.endswith(("eln", "ern")):
        return infinitive[:-1]
    return infinitive[:-2] if infinitive.endswith("en") else infinitive[:-1]


def split_particle(infinitive: str) -> tuple[str, str]:
    """("aus", "drucken") for "ausdrucken"; ("", "drucken") for a verb without particle."""
    for particle in sorted(PARTICLES, key=len, reverse=True):
        rest = infinitive[len(particle):]
        if infinitive.startswith(particle) and len(rest) >= 4 and rest.endswith("n"):
            return particle, rest
    return "", infinitive


@lru_cache(maxsize=1)
def lexicon() -> dict[str, VerbEntry]:
    """Single-word colloquial verb (infinitive) → administrative verb and building block."""
    entries: dict[str, VerbEntry] = {}
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            phrase = row["phrase"].strip()
            if " " not in phrase and phrase not in entries:
                entries[phrase.lower()] = VerbEntry(row["administrative_verb"].strip(), row["kind"].strip())
    return entries


@lru_cache(maxsize=1)
def infinitives() -> frozenset[str]:
    words = {w for w in lexicon()} | set(_EXTRA)
    for entry in lexicon().values():
        last = entry.administrative.split()[-1].lower()
        if last.endswith("n"):
            words.add(last)
    return frozenset(words)


@lru_cache(maxsize=1)
def _clipped_forms() -> dict[str, str]:
    """Finite forms a clerk types ("druck", "schick", "prüf", "trag", "guck") → base infinitive."""
    forms: dict[str, str] = {}
    nouns = {"bescheid"}  # "sag ich Bescheid": the noun, not a clipped "bescheiden"
    for infinitive in infinitives():
        _, base = split_particle(infinitive)
        for verb in {infinitive, base}:
            stem = _stem(verb)
            if len(stem) < 3:
                continue
            for form in (stem, stem + "e", stem + "t", stem + "en"):
                if form not in nouns:
                    forms.setdefault(form, verb)
    return forms


def base_of(word: str) -> str | None:
    """The infinitive for a clipped or regular finite form, if the word is a known verb form."""
    return _clipped_forms().get(word.lower())


def administrative(infinitive: str) -> VerbEntry | None:
    """The administrative form of a verb ("rausschicken" → "versenden", send)."""
    return lexicon().get(infinitive.lower())


# Strong participles the composition below does not reach (its stem is no known verb, or no "-en" ending).
_STRONG_PARTICIPLES = {
    "gesehen": "sehen", "genommen": "nehmen", "mitgenommen": "mitnehmen", "weggeworfen": "wegwerfen",
    "beschrieben": "beschreiben", "vorgelesen": "vorlesen", "ausgeschrieben": "ausschreiben",
    "herausgegeben": "herausgeben", "abgeschlossen": "abschließen", "ausgestellt": "ausstellen", "gesandt": "senden",
    "versandt": "versenden", "abgeholt": "abholen", "geholfen": "helfen",
}


# Strong participle endings and their infinitive, for particle and prefix verbs of every kind:
# "angewiesen" → "anweisen", "überwiesen" → "überweisen", "eingezogen" → "einziehen".
_STRONG_CORES = {
    "wiesen": "weisen", "zogen": "ziehen", "schrieben": "schreiben", "nommen": "nehmen", "geben": "geben",
    "gangen": "gehen", "worfen": "werfen", "lesen": "lesen", "sehen": "sehen", "fahren": "fahren", "tragen": "tragen",
    "halten": "halten", "lassen": "lassen", "schlossen": "schließen", "rufen": "rufen", "boten": "bieten",
    "funden": "finden", "griffen": "greifen", "hoben": "heben", "laden": "laden", "schoben": "schieben",
    "schnitten": "schneiden", "sprochen": "sprechen", "standen": "stehen", "trieben": "treiben", "kommen": "kommen",
    "brochen": "brechen", "schieden": "scheiden", "wogen": "wiegen", "zwungen": "zwingen", "messen": "messen",
}
_INSEPARABLE = ("über", "unter", "durch", "be", "ver", "ent", "er", "zer", "emp", "miss", "hinter", "wider")


def _strong_infinitive(lowered: str) -> str | None:
    known = infinitives()
    for core, infinitive in _STRONG_CORES.items():
        if not lowered.endswith(core):
            continue
        prefix = lowered[: -len(core)]
        candidates = [prefix[:-2] + infinitive] if prefix.endswith("ge") else []
        if prefix.startswith(_INSEPARABLE) or prefix in _INSEPARABLE:
            candidates.append(prefix + infinitive)  # "überwiesen", "bezogen": no "ge"
        for candidate in candidates:
            if candidate in known or administrative(candidate) is not None:
                return candidate
    return None


def participle_infinitive(word: str) -> str | None:
    """The infinitive of a past participle the tagger took for an adjective ("gedruckt" → "drucken")."""
    lowered = word.lower()
    if lowered in _STRONG_PARTICIPLES:
        return _STRONG_PARTICIPLES[lowered]
    strong = _strong_infinitive(lowered) if lowered.endswith("en") and len(lowered) >= 7 else None
    if strong:
        return strong
    if not lowered.endswith("t") or len(lowered) < 6:
        return None
    stem = lowered[:-1]
    if stem.endswith("e") and stem[-2:-1] in ("t", "d", "n", "m"):
        stem = stem[:-1]  # "gerechnet", "geordnet"
    candidates = []
    particle, rest = next(((p, lowered[len(p):]) for p in sorted(PARTICLES, key=len, reverse=True)
                           if lowered.startswith(p + "ge")), ("", lowered))
    if particle:
        candidates.append(particle + stem[len(particle) + 2:] + "en")
    if stem.startswith("ge"):
        candidates.append(stem[2:] + "en")
    candidates.append(stem + "en")  # inseparable prefix: "erfasst", "versendet", "bearbeitet"
    candidates.append(stem + "n")
    known = infinitives()
    return next((c for c in candidates if c in known or administrative(c) is not None), None)
