"""From a clerk's description to process steps.

Splits enumerations ("Zuerst …", "Dann …", numbered or bulleted lists) and
sentences, makes one step per activity (two coordinated verb phrases with
their own objects become two steps), and turns each clause into a short
label in the corpus style ("Antrag auf Vollständigkeit prüfen"): object
words first, infinitive last. Verbs, particles and subjects come from the
HanTa tagger; the building-block kind from ``step_kind.classify_step``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import Gazetteer, is_generic_system, looks_like_actor
from .step_kind import classify_step
from .tagger import Token, tag, tokenize

_ITEM = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-–•*])\s+")
# Sentence ends, but not after common abbreviations or inside names like OK.EWO.
_SENTENCE_END = re.compile(r"(?<!\bca)(?<!\bz\.B)(?<!\bNr)(?<!\bAbs)(?<!\bggf)(?<!\bbzw)(?<!\busw)(?<!\bu\.a)"
                           r"(?<!\bvgl)(?<!\bArt)(?<!\bz)(?<!\bB)(?<!\bd\.h)[.!?;]+(?=\s+|$)")
_CONNECTOR_SPLIT = re.compile(
    r",?\s+(?:und\s+)?(?=(?:dann|danach|anschließend|daraufhin|zum schluss|abschließend|schließlich|"
    r"als nächstes|im anschluss)\b)", re.IGNORECASE)
LEADING = re.compile(
    r"^\s*(?:und\s+)?(?:(?:zuerst|zunächst|erst(?:mal)?|als erstes|am anfang|dann|danach|anschließend|daraufhin|"
    r"zum schluss|abschließend|schließlich|als nächstes|im anschluss|außerdem|dann noch|und dann|"
    r"bei bedarf|gegebenenfalls|ggf\.|wenn nötig|falls nötig|meistens|meist|in der regel|normalerweise|"
    r"parallel dazu|gleichzeitig)\b[,:]?\s*)+", re.IGNORECASE)
_DROP_WORDS = {
    "dann", "danach", "noch", "auch", "meistens", "meist", "immer", "kurz", "jeweils", "zuerst", "zunächst",
    "anschließend", "schließlich", "einfach", "eben", "halt", "mal", "gleich", "sofort", "bitte", "also",
    "natürlich", "selbst", "dazu", "hier", "dort", "alles", "erst", "bedarf", "gegebenenfalls", "ggf",
    "uns", "mich", "mir", "sich", "ihm", "ihr", "ihnen", "stattdessen", "normalerweise", "zusätzlich",
}
_PRONOUNS = {"ich", "wir", "er", "sie", "es", "man", "die", "der", "das", "den", "dem", "ihn"}
_MODAL_PASSIVE = ("VA", "VM")
_OPTIONAL = re.compile(r"\b(?:bei bedarf|wenn nötig|falls nötig|gegebenenfalls|ggf\.|im bedarfsfall)\b,?\s*",
                       re.IGNORECASE)
# A comment clause after a comma ("…, das dauert drei Wochen") is description, not a new step.
_COMMENT = re.compile(r",\s+(?:das|was|dies|die|der|weil|da|damit|dafür|dabei|hierfür|sodass|wobei|denn|meistens|meist|"
                      r"normalerweise|oft|teilweise|manchmal)\b.*$", re.IGNORECASE)
_PAPER = re.compile(r"papier|formular\w*\s+(?:\w+\s+){0,6}(?:erfass|eintrag|eingeb|übertrag|abtipp|eintipp)|"
                    r"ausdruck|ausgedruckt|\bdruck|scann|einscann|händisch|abtipp|per post|postweg|fax|"
                    r"vom papier|aus dem papier", re.IGNORECASE)


@dataclass
class Activity:
    label: str
    kind: str
    actor: str | None
    it_system: str | None
    media_break: bool
    text: str


def split_items(text: str) -> list[str]:
    """Enumeration items and sentences, in order."""
    parts: list[str] = []
    chunks = _ITEM.split(text) if _ITEM.search(text) else [text]
    for chunk in chunks:
        for sentence in _SENTENCE_END.split(chunk):
            for clause in _CONNECTOR_SPLIT.split(sentence):
                clause = clause.strip(" \n\t,:")
                if clause:
                    parts.append(clause)
    return parts


def _protect_systems(text: str, gazetteer: Gazetteer) -> tuple[str, dict[str, str]]:
    """Replace software names by single tokens so the tagger does not split them."""
    placeholders: dict[str, str] = {}
    out = text
    for start, end, name in reversed(gazetteer.spans(text)):
        key = f"Sys{len(placeholders)}x"
        placeholders[key] = name
        out = out[:start] + key + out[end:]
    return out, placeholders


PARTICLES = {"ab", "an", "auf", "aus", "ein", "fest", "mit", "nach", "vor", "weg", "zu", "zurück", "weiter",
             "raus", "los", "hin", "her", "dar", "bei", "um", "fort", "entgegen", "bereit", "zusammen", "frei",
             "bekannt", "heraus", "hinzu", "vorbei", "gegen", "wieder", "durch"}


def _infinitive(lemma: str) -> str:
    """Repair lemmas the tagger leaves without ending ("übermittl" → "übermitteln")."""
    if lemma.endswith("n"):
        return lemma
    if lemma.endswith(("l", "r")) and not lemma.endswith(("el", "er")):
        return lemma[:-1] + "e" + lemma[-1] + "n"
    return lemma + ("n" if lemma.endswith(("el", "er")) else "en")


def _is_particle(tokens: list[Token], index: int) -> bool:
    token = tokens[index]
    if token.tag == "PTKVZ":
        return True
    last = index == len(tokens) - 1 or tokens[index + 1].tag.startswith("$") or tokens[index + 1].tag == "KON"
    return last and token.text.lower() in PARTICLES and token.tag in ("APPR", "ADV", "ADJD", "ADJ(D)", "PTKVZ")


def _verb_form(tokens: list[Token], index: int) -> str:
    """The infinitive of the verb at ``index``, with its separable particle if any."""
    verb = tokens[index]
    lemma = _infinitive(verb.lemma.lower())
    if verb.is_finite:
        for j in range(index + 1, len(tokens)):
            follower = tokens[j]
            if follower.tag == "KON" and j + 1 < len(tokens) and tokens[j + 1].is_verb:
                break
            if follower.tag.startswith("$") and follower.text != ",":
                break
            if _is_particle(tokens, j):
                return follower.text.lower() + lemma
    return lemma


_OBJECT_PRONOUNS = {"sie", "es", "ihn", "diese", "diesen", "dieses", "ihm", "ihr", "ihnen"}


def _object_phrase(tokens: list[Token]) -> list[Token]:
    """The first noun phrase after the verb (usually the accusative object)."""
    start = next((i for i, t in enumerate(tokens) if t.is_verb), 0)
    for i in range(start + 1, len(tokens)):
        if tokens[i].tag in ("NN", "NE") and not tokens[i].text.startswith("Sys"):
            j = i
            while j - 1 > start and tokens[j - 1].tag in ("ADJA", "ADJ(A)"):
                j -= 1
            return tokens[j: i + 1]
    return []


def _split_coordination(tokens: list[Token]) -> list[list[Token]]:
    """One piece per activity: split at "und"/"sowie" followed by a finite full verb.

    A pronoun object in the second activity ("… und versende ihn") is replaced
    by the first activity's object, so each step names what it works on.
    """
    cuts = [0]
    for i, token in enumerate(tokens[:-1]):
        if token.tag == "KON" and token.text.lower() in ("und", "sowie") and tokens[i + 1].is_verb \
                and tokens[i + 1].is_finite:
            cuts.append(i)
    cuts.append(len(tokens))
    pieces: list[list[Token]] = []
    for a, b in zip(cuts, cuts[1:]):
        piece = tokens[a:b]
        if piece and piece[0].tag == "KON":
            piece = piece[1:]
        if not piece:
            continue
        if pieces and any(t.tag == "PPER" and t.text.lower() in _OBJECT_PRONOUNS for t in piece):
            antecedent = _object_phrase(pieces[0])
            replaced: list[Token] = []
            for t in piece:
                if t.tag == "PPER" and t.text.lower() in _OBJECT_PRONOUNS and antecedent:
                    replaced.extend(antecedent)
                    antecedent = []
                else:
                    replaced.append(t)
            piece = replaced
        pieces.append(piece)
    return pieces


def _actor(tokens: list[Token], verb_index: int | None) -> tuple[str | None, set[int]]:
    """A unit or role acting as subject ("die Kasse bucht", "bucht die Kasse")."""
    if verb_index is None:
        return None, set()
    candidates: list[int] = []
    before = [i for i in range(verb_index) if tokens[i].tag in ("NN", "NE")]
    if before and not any(tokens[i].tag == "APPR" for i in range(verb_index)):
        candidates.append(before[-1])
    after = verb_index + 1
    if after < len(tokens) and tokens[after].tag == "ART" and after + 1 < len(tokens) and tokens[after + 1].tag == "NN":
        candidates.append(after + 1)
    elif after < len(tokens) and tokens[after].tag in ("NN", "NE"):
        candidates.append(after)
    for index in candidates:
        word = tokens[index].text
        if looks_like_actor(word):
            used = {index}
            # Include an article and preceding adjectives ("der Erste Bürgermeister").
            j = index - 1
            while j >= 0 and tokens[j].tag in ("ART", "ADJ(A)", "ADJA"):
                used.add(j)
                j -= 1
            name = " ".join(tokens[k].text for k in sorted(used) if tokens[k].tag != "ART")
            return name, used
    return None, set()


def _label(tokens: list[Token], placeholders: dict[str, str]) -> tuple[str, str | None, set[int]]:
    verbs = [i for i, t in enumerate(tokens) if t.is_verb]
    finite = next((i for i, t in enumerate(tokens) if t.is_finite and not t.tag.startswith(_MODAL_PASSIVE)), None)
    main_finite = next((i for i, t in enumerate(tokens) if t.is_finite), None)
    actor, actor_tokens = _actor(tokens, main_finite)
    words: list[str] = []
    verb_forms: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.text.lower()
        if i in actor_tokens:
            continue
        if i in verbs:
            form = _verb_form(tokens, i)
            if form not in verb_forms:
                verb_forms.append(form)
            continue
        if token.tag in ("PTKVZ", "PPER", "PRF", "PTKZU") or token.tag.startswith(_MODAL_PASSIVE):
            continue
        if verb_forms and _is_particle(tokens, i):
            continue
        if token.tag.startswith("$"):
            if token.text in ("-", "–", "/") and words:
                words.append(token.text)
            elif token.text == "," and words:
                words.append(",")
            continue
        if lower in _DROP_WORDS:
            continue
        # Keep articles after prepositions and in genitives ("Geburtsanzeige der Klinik").
        if token.tag == "ART" and (not words or tokens[i - 1].tag not in ("APPR", "APPRART", "NN", "NE")):
            continue
        if token.text in placeholders:
            system = placeholders[token.text]
            if is_generic_system(system):
                words.append(system)
            elif words and tokens[i - 1].tag in ("APPR", "APPRART") and words[-1] == tokens[i - 1].text:
                words.pop()  # "in OK.EWO": the product name is not part of the activity
            continue
        if token.tag == "KON" and i + 1 < len(tokens) and (tokens[i + 1].is_verb or _is_particle(tokens, i + 1)):
            continue
        words.append(token.text)
    while words and words[-1] in (",", "-", "–", "/", "und", "oder"):
        words.pop()
    while words and words[0] in (",", "und", "oder"):
        words.pop(0)
    text = " ".join(words).replace(" ,", ",")
    for key, name in placeholders.items():
        text = text.replace(key, name)
    if verb_forms:
        text = f"{text} {' und '.join(verb_forms)}".strip()
    if text:
        text = text[0].upper() + text[1:]
    _ = finite
    return text, actor, actor_tokens


def activities(text: str, gazetteer: Gazetteer | None = None) -> list[Activity]:
    """One activity per verb phrase of the description, in order."""
    gazetteer = gazetteer or Gazetteer()
    out: list[Activity] = []
    for clause in split_items(text):
        clause_text = LEADING.sub("", _OPTIONAL.sub("", clause)).strip()
        main_text = _COMMENT.sub("", clause_text).strip() or clause_text
        if not main_text:
            continue
        protected, placeholders = _protect_systems(main_text, gazetteer)
        tokens = tag(tokenize(protected) + ["."])
        if not any(t.is_verb for t in tokens):
            continue
        for piece in _split_coordination(tokens):
            if not any(t.is_verb for t in piece):
                continue
            label, actor, _ = _label(piece, placeholders)
            if len(label.split()) < 1:
                continue
            piece_text = " ".join(placeholders.get(t.text, t.text) for t in piece if t.text != ".")
            if main_text != clause_text:
                piece_text += " " + clause_text[len(main_text):]
            systems = [placeholders[t.text] for t in piece if t.text in placeholders]
            specific = [s for s in systems if not is_generic_system(s)]
            system = (specific or systems or [None])[0]
            if system in ("E-Mail",):
                system = None
            kind = classify_step(label, piece_text)
            media_break = bool(_PAPER.search(piece_text)) or kind in ("print", "scan")
            out.append(Activity(label=label, kind=kind, actor=actor, it_system=system, media_break=media_break,
                                text=piece_text))
    return out
