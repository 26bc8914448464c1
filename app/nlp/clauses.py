"""Clauses of a clerk's description, each with its role.

Clerks write run-on sentences: "Der Antrag kommt per Post, ich prüfe ob er
vollständig ist, dann fahre ich raus und schaue mir den Baum an." One step is
one activity, so the sentence is cut where a new finite verb starts a clause
(after a comma, "und", "oder") and each piece gets a role: a main clause that
may be a step, a condition ("wenn …", "falls …"), the other branch ("sonst …"),
a reason ("weil …"), a relative remark ("…, das ist eine Excel-Tabelle") or a
complement of the previous verb ("…, ob er vollständig ist").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tagger import Token, tag, tokenize
from .verbs import PARTICLES, base_of, participle_infinitive

CONDITION = {"wenn", "falls", "sofern", "soweit", "sobald", "wenns", "wann", "solange"}
ELSE = {"sonst", "ansonsten", "andernfalls", "ansonst"}
REASON = {"weil", "da", "denn", "damit", "sodass", "zumal", "obwohl", "obgleich", "wobei", "nachdem", "bevor",
          "während", "dass", "daß", "um", "seit", "seitdem"}
COMPLEMENT = {"ob", "wie", "wo", "wieviel", "wieviele", "welche", "welcher", "welches", "was"}
UNTIL = {"bis"}
SUBJECT_PRONOUNS = {"ich", "wir", "man", "er", "sie", "es", "du", "ihr"}
OBJECT_PRONOUNS = {"ihn", "sie", "es", "den", "die", "das", "diesen", "diese", "dieses", "dem", "denen", "ihm",
                   "ihnen", "alles", "beides", "die", "dann", "s"}  # "s": "trag ich's ein"
_CLAUSE_PUNCT = {",", ";", ":", "–", "—", "(", ")"}
_SENTENCE_PUNCT = {".", "!", "?"}
_ITEM = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-–•*])\s+")
# Sentence ends, but not after common abbreviations ("z. B.", "ca.", "Nr.", "Abs.").
_SENTENCE_END = re.compile(r"(?<!\bca)(?<!\bz\.B)(?<!\bNr)(?<!\bAbs)(?<!\bggf)(?<!\bbzw)(?<!\busw)(?<!\bu\.a)"
                           r"(?<!\bvgl)(?<!\bArt)(?<!\bz)(?<!\bB)(?<!\bd\.h)(?<!\bca)(?<!\bevtl)(?<!\binkl)"
                           r"(?<!\b\d\.\d)(?<!\b\d\d\.\d)(?<!\b\d\.\d\d)(?<!\b\d\d\.\d\d)"  # "bis 31.3. den Antrag"
                           r"[.!?;]+(?=\s+|$)|\n+"
                           # "… goldene Hochzeit usw. Dann guck ich": a list's "usw." ends the sentence
                           r"|(?<=\busw\.)(?=\s+[A-ZÄÖÜ])|(?<=\betc\.)(?=\s+[A-ZÄÖÜ])")
_VERB_ONLY_TAGS = ("VV",)
_NO_COMMA_SUBORDINATORS = {"ob", "wenn", "falls", "weil", "sofern", "sobald", "wo", "damit", "dass"}


@dataclass
class Clause:
    tokens: list[Token]
    role: str  # main | condition | else | reason | relative | complement | until | aside
    sentence: int
    coordinated: bool = False  # joined to the previous clause by "und"/"oder" (shares its subject)

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def words(self) -> list[str]:
        return [t.text.lower() for t in self.tokens]


def is_verb(tokens: list[Token], index: int) -> bool:
    """A full verb, including clipped forms HanTa mistakes for nouns ("druck ihn aus", "Ruf ich an")."""
    token = tokens[index]
    if token.tag.startswith(_VERB_ONLY_TAGS):
        return True
    if token.tag.startswith(("VA", "VM")) or not token.text[:1].isalpha():
        return False
    if base_of(token.text) is None:
        return False
    nxt = tokens[index + 1].text.lower() if index + 1 < len(tokens) else ""
    prev = tokens[index - 1] if index else None
    at_start = prev is None or prev.text in _CLAUSE_PUNCT or prev.text.lower() in ("und", "oder", "dann", "danach")
    after_pronoun = prev is not None and prev.tag in ("PDS", "PRELS", "PPER")
    if token.text[0].islower() and token.tag not in ("ART", "APPR", "APPRART", "PPER", "KON", "KOUS", "PTKVZ"):
        return (nxt in SUBJECT_PRONOUNS | OBJECT_PRONOUNS | {"der"} or at_start or after_pronoun
                or nxt in ("ab", "aus", "an", "ein", "raus"))
    return at_start and nxt in SUBJECT_PRONOUNS | OBJECT_PRONOUNS


def is_finite(tokens: list[Token], index: int) -> bool:
    token = tokens[index]
    if token.tag.endswith(("(FIN)", "(IMP)")):
        return True
    return is_verb(tokens, index) and not token.tag.startswith(_VERB_ONLY_TAGS)


def _any_finite(tokens: list[Token], start: int, stop: int) -> bool:
    for i in range(start, min(stop, len(tokens))):
        if tokens[i].text in _CLAUSE_PUNCT or tokens[i].text in _SENTENCE_PUNCT:
            return False
        if tokens[i].text.lower() in ("und", "oder") and i > start:
            return False
        if is_finite(tokens, i) or tokens[i].tag.startswith(("VA(FIN)", "VM(FIN)")):
            return True
    return False


def sentences(text: str) -> list[str]:
    """Enumeration items and sentences, in order."""
    chunks = _ITEM.split(text) if _ITEM.search(text) else [text]
    out: list[str] = []
    for chunk in chunks:
        for sentence in _SENTENCE_END.split(chunk):
            sentence = sentence.strip(" \t,:")
            if sentence:
                out.append(sentence)
    return out


def _role(tokens: list[Token]) -> str:
    words = [t.text.lower() for t in tokens]
    while words and words[0] in ("und", "oder", "aber", "also", "ja", "naja", "nur"):
        words = words[1:]
    if not words:
        return "main"
    first = words[0]
    if first in CONDITION or (first == "wenn" or words[:2] == ["wenn", "'"]):
        return "condition"
    if first in ELSE or words[:2] in (["wenn", "nicht"], ["falls", "nicht"]):
        return "else"
    if first in UNTIL:
        return "until"
    if first in REASON and not (first == "da" and len(words) > 1 and words[1] in ("ich", "wir", "man")):
        return "reason"
    if first in COMPLEMENT and len(tokens) > 1:
        return "complement"
    head = tokens[0] if tokens[0].text.lower() not in ("und", "oder") else (tokens[1] if len(tokens) > 1 else tokens[0])
    position = tokens.index(head)
    verb_second = position + 1 < len(tokens) and (is_finite(tokens, position + 1)
                                                  or base_of(tokens[position + 1].text) is not None)
    if head.tag in ("PRELS", "PRELAT") and not verb_second:
        return "relative"  # "…, das bei uns eine Excel-Tabelle ist"
    if head.tag in ("PDS", "PRELS") and len(tokens) > position + 1 and tokens[position + 1].tag.startswith("VA") \
            and not (tokens[position + 1].text.lower() in ("wird", "werden") and tokens[-1].tag == "VV(PP)"):
        return "relative"  # "…, das ist bei uns eine Excel-Tabelle"; "der wird dann unterschrieben" is a step
    return "main"


def retag(tokens: list[Token]) -> list[Token]:
    """Past participles HanTa tags as adjectives ("der Schein wird gedruckt") become verbs again."""
    out: list[Token] = []
    passive = False
    for index, token in enumerate(tokens):
        if token.tag == "PTKVZ" and index and token.text[:1].isupper():
            token = Token(token.text, token.text, "NN")  # "sag ich Bescheid": a noun, not a verb particle
        if token.tag.startswith("VA") and token.lemma.lower() in ("werden", "sein"):
            passive = True
        if passive and token.tag in ("ADJD", "ADJ(D)"):
            infinitive = participle_infinitive(token.text)
            if infinitive:
                token = Token(token.text, infinitive, "VV(PP)")
        out.append(token)
    return out


def _next_participle(tokens: list[Token], start: int) -> bool:
    """A non-finite full verb ends the next stretch (before a comma or "und"), with no finite verb in it."""
    for j in range(start, len(tokens)):
        token = tokens[j]
        if token.text in _CLAUSE_PUNCT or token.text in _SENTENCE_PUNCT or token.text.lower() in ("und", "oder"):
            return False
        if token.tag.endswith(("(FIN)", "(IMP)")):
            return False
        if token.tag in ("VV(PP)", "VV(INF)"):
            return True
    return False


def split_clauses(tokens: list[Token], sentence: int = 0) -> list[Clause]:
    """Cut one tagged sentence where a new clause starts."""
    cuts: list[tuple[int, bool]] = [(0, False)]
    gapped: dict[int, Token] = {}  # cut → the finite verb its verbless conjunct shares
    asides: set[int] = set()  # cuts that start a remark after a finished clause
    has_verb = False
    has_participle = False
    for i, token in enumerate(tokens):
        lower = token.text.lower()
        if i and tokens[i - 1].text in _CLAUSE_PUNCT and token.text not in _CLAUSE_PUNCT:
            subordinate = lower in CONDITION | ELSE | REASON | COMPLEMENT | UNTIL or token.tag in ("PRELS", "KOUS")
            if subordinate or _any_finite(tokens, i, i + 4):
                cuts.append((i, False))
                has_verb = has_participle = False
            elif has_verb and _ends_clause(tokens, cuts[-1][0], i - 1) and _aside(tokens, i):
                # "Urkunden druck ich aus, meistens drei bis fünf Stück": after a finished clause, an aside
                cuts.append((i, False))
                asides.add(i)
                has_verb = has_participle = False
        elif lower in _NO_COMMA_SUBORDINATORS and has_verb and i and tokens[i].tag in ("KOUS", "APPR", "PWAV", "KON"):
            cuts.append((i, False))  # "ich prüfe ob er vollständig ist": clerks leave out the comma
            has_verb = False
        elif (lower in ("und", "oder") or token.text == ",") and (
                has_participle or (has_verb and _ends_clause(tokens, cuts[-1][0], i))) and _next_participle(tokens, i + 1):
            # "der Schein wird gedruckt, unterschrieben und ausgehändigt": three steps; "Karteikarte heraussuchen
            # und danach Blatt einscannen": two, also when the first infinitive reads as a finite verb
            cuts.append((i, True))
        elif lower == "und" and has_verb and _gapped_direction(tokens, i + 1) \
                and (shared := _shared_verb(tokens[cuts[-1][0]:i])) is not None:
            # "der geht zur Amtsleitung und dann per Post raus": the second conjunct shares the verb
            cuts.append((i, True))
            gapped[i] = shared
        elif lower in ("und", "oder", "aber", "sonst", "ansonsten") and has_verb and i + 1 < len(tokens):
            if lower in ("sonst", "ansonsten") or _any_finite(tokens, i + 1, i + 5):
                cuts.append((i, lower != "sonst"))
                has_verb = False
        if is_verb(tokens, i) or token.tag.startswith(("VA", "VM")):
            has_verb = True
        if token.tag in ("VV(PP)", "VV(INF)"):
            has_participle = True
    clauses: list[Clause] = []
    for (start, coordinated), (stop, _) in zip(cuts, cuts[1:] + [(len(tokens), False)]):
        piece = [t for t in tokens[start:stop] if t.text not in _CLAUSE_PUNCT and t.text not in _SENTENCE_PUNCT]
        if start in gapped and piece:
            piece.insert(1, gapped[start])
        if piece:
            role = "aside" if start in asides else _role(piece)
            inner = _main_after_condition(piece) if role in ("condition", "else") else None
            if inner:
                clauses.append(Clause(piece[:inner], role, sentence, coordinated))
                clauses.append(Clause(piece[inner:], "main", sentence, False))
            else:
                clauses.append(Clause(piece, role, sentence, coordinated))
    return clauses


_GAP_VERBS = {"gehen", "kommen", "schicken", "geben", "bringen"}
_GAP_PARTICLES = {"raus", "heraus", "hinaus", "weg", "zurück", "rüber", "hinüber", "weiter"}


def _ends_clause(tokens: list[Token], start: int, stop: int) -> bool:
    """The stretch before ``stop`` is a finished clause: its verb or separated particle comes last
    ("druck ich aus", "Gebühren ausrechnen"), so what follows the comma is not its object."""
    words = [t for t in tokens[start:stop] if t.text not in _CLAUSE_PUNCT]
    return len(words) >= 2 and (words[-1].tag == "PTKVZ" or (words[-1].tag.startswith("VV") and is_verb(words, len(words) - 1)))


def _aside(tokens: list[Token], start: int) -> bool:
    """What follows a comma or bracket is a remark, not more of the clause: in brackets, or it starts with an
    adverb ("meistens drei bis fünf Stück", "je nachdem"), or it holds a number or a participle of its own
    ("Grab frei bzw. Nutzungsrecht erloschen")."""
    if tokens[start - 1].text == "(":
        return True
    stretch = []
    for token in tokens[start:]:
        if token.text in _CLAUSE_PUNCT or token.text in _SENTENCE_PUNCT:
            break
        stretch.append(token)
    if stretch and (stretch[0].text.lower() in _NEXT or any(t.tag in ("VV(INF)", "VV(FIN)") for t in stretch)):
        return False  # "Akte anlegen, dann Bescheid schreiben": the next activity
    return bool(stretch) and (stretch[0].tag in ("ADV", "ADJD", "ADJ(D)") or any(
        t.tag in ("CARD", "VV(PP)") for t in stretch))


_NEXT = {"dann", "danach", "anschließend", "daraufhin", "zuletzt", "schließlich", "außerdem", "zusätzlich", "nun",
         "jetzt", "später", "nachher", "zuerst", "erst", "vorher"}


def _shared_verb(conjunct: list[Token]) -> Token | None:
    """The finite motion verb a following verbless conjunct can share."""
    return next((t for t in reversed(conjunct) if t.tag.endswith("(FIN)") and t.lemma.lower() in _GAP_VERBS), None)


def _gapped_direction(tokens: list[Token], start: int) -> bool:
    """A verbless stretch ending in a direction particle ("und dann per Post raus")."""
    stretch: list[Token] = []
    for token in tokens[start:]:
        if token.text in _CLAUSE_PUNCT or token.text in _SENTENCE_PUNCT or token.text.lower() in ("und", "oder"):
            break
        stretch.append(token)
    return 1 <= len(stretch) <= 6 and stretch[-1].text.lower() in _GAP_PARTICLES and not any(
        t.tag.startswith(("VV", "VA", "VM")) for t in stretch[:-1])


_CONTRACTED = {"gibts", "gibt's", "gehts", "geht's", "kommts", "kommt's", "brauchts", "braucht's", "machts",
               "macht's"}
_INVERTED_SUBJECTS = {"ich", "wir", "man", "er", "sie", "es", "die", "der"}


def _main_after_condition(tokens: list[Token]) -> int | None:
    """Where a comma-less condition hands over to its main clause.

    "wenn ja mach ich einen Termin aus", "wenn der Zugang unklar ist fahr ich raus": the main clause
    starts with its finite verb and the subject right after it, behind the condition's own verb or
    behind "ja", "nein", "nicht".
    """
    for k in range(2, len(tokens) - 1):
        token, before = tokens[k], tokens[k - 1]
        contracted = re.fullmatch(r"(?i)\w+t'?s", token.text) is not None and token.text.lower() in _CONTRACTED
        finite = token.tag.endswith(("(FIN)", "(IMP)")) or (token.text[:1].islower() and is_verb(tokens, k))
        adjacent = finite and before.tag.endswith("(FIN)") and token.tag.startswith(("VA", "VM", "VV"))
        if not contracted and not adjacent and (not finite or tokens[k + 1].text.lower() not in _INVERTED_SUBJECTS):
            continue  # "wenns gefährlich ist wird sofort abgesperrt": two finite verbs meet at the border
        if before.tag.endswith("(FIN)") or before.text.lower() in ("ja", "nein", "nicht", "so", "doch"):
            return k
    return None


def clauses(text: str) -> list[Clause]:
    """All clauses of a description, sentence by sentence."""
    out: list[Clause] = []
    for number, sentence in enumerate(sentences(text)):
        tokens = retag(tag(tokenize(sentence) + ["."]))
        out.extend(split_clauses(tokens, number))
    return out


_NOT_VERBS = {"nicht", "mehr", "jetzt", "selbst", "oft", "gut", "weit", "bereit", "recht", "schlecht", "echt", "erst",
              "meist", "fast", "sonst", "halt", "unten", "oben", "hinten", "vorne", "morgen", "gestern", "intern",
              "extern", "modern", "selten", "ebenfalls"}


def _separated(verb: str) -> tuple[str, str]:
    """"zurückkommen" → ("zurück", "kommen"), a finite form keeps its ending ("zurückkommt" → "kommt")."""
    for particle in sorted(PARTICLES, key=len, reverse=True):
        rest = verb[len(particle):]
        if verb.startswith(particle) and len(rest) >= 3 and base_of(rest) is not None:
            return particle, rest
    return "", ""


_AUX = {"ist", "sind", "hat", "haben", "wird", "werden", "kann", "können", "muss", "müssen", "gibt", "war", "waren",
        "will", "wollen", "soll", "sollen", "darf", "dürfen", "mag", "möchte", "möchten"}  # modals: no ending rule knows their forms
_LOWER_FIRST = {"der", "die", "das", "den", "dem", "ein", "eine", "einer", "es", "er", "sie", "was", "jemand", "alles",
                "alle", "man", "wir", "ich", "kein", "keine", "keiner", "nichts", "nix"}


def as_question(condition: str) -> str:
    """A condition as the yes/no question of a decision: "wenn der Entsorger keinen Termin frei hat" →
    "Hat der Entsorger keinen Termin frei?", "was fehlt" → "Fehlt was?"; without a final verb as told."""
    text = re.sub(r"^\W*(?:(?:und|aber|also|ja)\s+)*(?:wenn|falls|sofern|ob)\s+", "", condition.strip(" ?.,"),
                  flags=re.IGNORECASE)
    text = re.sub(r"^'\s*s\s+|^'s\s+", "es ", re.sub(r"\s+'\s*s\b", "'s", text))
    words = text.split()
    last = words[-1] if words else ""
    verb_final = last.isalpha() and last.islower() and last not in _NOT_VERBS and (
        last in _AUX or re.search(r"(?:[^e]t|en|ern|eln)$", last) is not None)
    if len(words) >= 2 and verb_final and not is_verb(tag(words), 0):
        first = words[0].lower() if words[0].lower() in _LOWER_FIRST else words[0]
        particle, rest = _separated(last)
        verb = rest or last
        question = " ".join([verb[:1].upper() + verb[1:], first, *words[1:-1], *([particle] if particle else [])])
    else:
        question = text[:1].upper() + text[1:]
    return question + "?" if question else "?"
