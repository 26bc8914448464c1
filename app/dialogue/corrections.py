"""Corrections in chat: "Schritt 3 fällt weg", "nach Schritt 2 kommt noch …",
"das macht bei uns die Kasse", "Schritt 4 heißt …", "Schritt 2 und 3 tauschen"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.nlp.figures import NUMBER_WORDS
from app.nlp.gazetteer import looks_like_actor

_N = r"(\d+|" + "|".join(w for w, v in NUMBER_WORDS.items() if isinstance(v, int) and v < 20) + r")"
DELETE = re.compile(r"schritt\s+" + _N + r"\s+(?:fällt\s+(?:weg|raus)|entfällt|streichen|löschen|brauchen wir nicht|"
                    r"gibt es (?:bei uns )?nicht|machen wir nicht|kann weg)|(?:streich|lösch|entfern)\w*\s+(?:bitte\s+)?"
                    r"(?:den\s+)?schritt\s+" + _N, re.IGNORECASE)
INSERT = re.compile(r"(?P<where>nach|vor)\s+schritt\s+" + _N + r"\s+(?:kommt|folgt|gibt es|machen wir)\s+(?:noch\b\s*:?\s*)?"
                    r"(?:(?:ein(?:en)?|der)\s+(?:weiterer?|zusätzlicher?)?\s*(?:schritt)?:?\s*)?(?P<what>.+)", re.IGNORECASE)
RENAME = re.compile(r"schritt\s+" + _N + r"\s+(?:heißt|lautet|ist eigentlich|ist eher|soll(?:te)? heißen|soll(?:te)? lauten|"
                    r"ist)\s*:?\s*(?P<what>.+)", re.IGNORECASE)
_TOLD_AS_ONE = (r"\s+(?:ist|sind)\s+(?:eigentlich\s+|doch\s+|bei uns\s+)*"
                r"(?:eins|ein schritt|ein einziger schritt|dasselbe|das gleiche|derselbe schritt)\b")
# "4 und 5 ist eigentlich eins", "Schritt 2 und 3 sind ein Schritt": two steps told as one activity
MERGE = re.compile(r"(?:schritte?\s+)?" + _N + r"\s+und\s+" + _N + _TOLD_AS_ONE, re.IGNORECASE)
# "Antrag entgegennehmen und Vollständigkeit prüfen ist eigentlich eins": two steps named by content told as one
MERGE_CONTENT = re.compile(r"(?P<first>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+){0,3}?)\s+und\s+"
                           r"(?P<second>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+){0,3}?)" + _TOLD_AS_ONE, re.IGNORECASE)
# "das Unterschreiben macht der Bürgermeister, nicht die Amtsleitung": who does a step, contrasted afterwards
ACTOR_RATHER = re.compile(r"(?:das|den|die)\s+(?P<about>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+){0,3}?)\s+(?:macht|erledigt|"
                          r"übernimmt|unterschreibt|zeichnet|bucht)\s+(?:bei uns\s+|jetzt\s+|immer\s+|doch\s+)*"
                          r"(?:der|die|das|unser\w*)\s+(?P<who>[\wÄÖÜäöüß\-]+)\s*,\s*nicht\s+(?:der|die|das)\s+"
                          r"(?P<old>[\wÄÖÜäöüß\-]+)", re.IGNORECASE)
_NOT_A_LABEL = re.compile(r"^(?:eins|einer|zwei|drei|falsch|richtig|gut|ok|okay|doch|nicht|weg|raus|so|das)\W*$", re.IGNORECASE)
SWAP = re.compile(r"schritt(?:e)?\s+" + _N + r"\s+und\s+" + _N + r"\s+(?:tauschen|vertauschen|sind vertauscht)",
                  re.IGNORECASE)
ACTOR = re.compile(r"(?:das|den|diesen schritt|schritt\s+" + _N + r")\s+(?:macht|erledigt|übernimmt|bearbeitet|"
                   r"unterschreibt|unterzeichnet|zeichnet|prüft|bucht)\s+"
                   r"(?:(?:jetzt|inzwischen|mittlerweile|neuerdings|eigentlich|immer|bei uns|aber|doch)\s+)*"
                   r"(?:(?:die|der|das|unsere?)\s+)?(?P<who>[\wÄÖÜäöüß\-]+(?:\s+[A-ZÄÖÜ][\wäöüß\-]+)?)",
                   re.IGNORECASE)


ORDINALS = {"ersten": 1, "zweiten": 2, "dritten": 3, "vierten": 4, "fünften": 5, "sechsten": 6, "siebten": 7,
            "achten": 8, "neunten": 9, "zehnten": 10, "elften": 11, "zwölften": 12, "letzten": -1}
_ORD = r"(?:den|der|dem)\s+(" + "|".join(ORDINALS) + r")\s+schritt"
_GONE = (r"(?:fällt\s+(?:weg|raus)|entfällt|streichen|löschen|rausnehmen|weglassen|kann\s+weg|brauchen wir nicht|"
         r"gibt'?s\s+(?:es\s+)?(?:bei uns\s+)?(?:gar\s+)?nicht|gibt es (?:bei uns )?(?:gar )?nicht|"
         r"machen wir (?:nicht|nicht mehr|gar nicht)|"
         r"(?:kannst du|können sie|könnt ihr|bitte)\s+(?:\w+\s+)?(?:streichen|löschen|rausnehmen|"
         r"weglassen))")
DELETE_ORDINAL = re.compile(_ORD + r"\b.{0,40}?" + _GONE, re.IGNORECASE)
# "der dritte Schritt ist eigentlich Anrufen beim Vorsitzenden, nicht Nachfordern per Post"
RENAME_ORDINAL = re.compile(r"(?:der|den|dem)\s+(" + "|".join([*ORDINALS, *(o[:-1] for o in ORDINALS)]) + r")\s+schritt\s+"
                            r"(?:heißt|lautet|ist eigentlich|ist eher|ist bei uns|soll(?:te)? heißen)\s*:?\s*"
                            r"(?P<what>[^.;!?]+)", re.IGNORECASE)
DELETE_QUOTED = re.compile(r"[„\"](?P<what>[^“\"„]{3,120})[“\"]\s+" + _GONE, re.IGNORECASE)
DELETE_WITH = re.compile(r"(?:das|den|die)\s+(?:schritt\s+)?mit\s+(?:dem|der|den)\s+(?P<what>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+){0,3}?)\s+"
                         r"(?:streich\w*|lösch\w*|raus|weg|kann weg|fällt weg|entfällt|brauchen wir nicht|"
                         r"gibt'?s\s+(?:es\s+)?(?:bei uns\s+)?(?:so\s+)?nicht|gibt es (?:bei uns )?nicht|"
                         r"machen wir (?:so )?nicht|haben wir nicht)", re.IGNORECASE)
DELETE_CONTENT = re.compile(r"(?:^|[,.;:!?]\s*|\bund\s+|\bach\s+|\baber\s+)(?:das|den|die|der)\s+(?P<what>[\wÄÖÜäöüß\-]+"
                            r"(?:\s+[\wÄÖÜäöüß\-]+)?)\s+" + _GONE, re.IGNORECASE)


MOVE = re.compile(r"(?:das|den|die)\s+(?P<what>[\wÄÖÜäöüß\-]+(?:\s+(?:mit|vom|von)\s+(?:dem|der|den)\s+[\wÄÖÜäöüß\-]+)?)"
                  r"\s+kommt\s+(?:bei uns\s+|eigentlich\s+|erst\s+|gleich\s+|doch\s+|schon\s+)*"
                  r"(?:(?P<where>nach|vor)\s+(?:dem|der|den)\s+(?P<ref>[\wÄÖÜäöüß\-]+)|(?P<edge>am anfang|zuerst|ganz am anfang|"
                  r"am ende|zum schluss|ganz am ende|als letztes|als erstes))", re.IGNORECASE)
# "den Friedhofsgärtner frag ich erst, nachdem ich's im Programm eingetragen hab", "das Eingeben kommt nicht ans
# Ende, das mach ich direkt nach dem Prüfen", "die Hausmeister kriegen den Plan vor den Vereinen": a step said to
# come before or after another one.
MOVE_SAID = re.compile(r"(?P<what>(?:das|den|die|der)\s+[^,.;!?]{2,80}?)\s*,?\s+(?:(?:ist|sind)\s+(?:übrigens\s+)?falsch "
                       r"rum,?\s+|kommt\s+nicht\s+(?:ans|am)\s+ende,?\s+)?(?:[^,.;!?]{0,60}?\s+)?"
                       r"(?:erst|direkt|gleich|schon|immer|übrigens)?\s*,?\s*(?P<where>nachdem|nach dem|nach der|nach den|"
                       r"bevor|vor dem|vor der|vor den)\s+(?:ich\s*'?s?\s+|wir\s+)?(?P<ref>[^,.;!?]{3,60})",
                       re.IGNORECASE)
_MOVE_MARK = re.compile(r"\b(?:erst|falsch rum|nicht vorher|nicht nachher|nicht ans ende|nicht am ende|direkt nach|"
                        r"gleich nach|schon vor|kommt nicht)\b", re.IGNORECASE)
ACTOR_BY_CONTENT = re.compile(r"(?:das|den|die)\s+(?P<about>[\wÄÖÜäöüß\-]+(?:\s+[\wÄÖÜäöüß\-]+){0,3}?)\s+(?:macht|erledigt|"
                              r"übernimmt)\s+(?:bei uns\s+|jetzt\s+|inzwischen\s+|aber\s+)*(?:die|der|das)\s+"
                              r"(?P<who>[A-ZÄÖÜ][\wäöüß\-]+)", re.IGNORECASE)
ACTOR_INSTEAD = re.compile(r"(?P<about>(?:die|der|das|den)\s+[\wÄÖÜäöüß\-]+)\s+[\wäöüß]+\s+nicht\s+(?:das|die|der)\s+"
                           r"[\wÄÖÜäöüß\-]+(?:\s+[\wäöüß]+)?\s+sondern\s+(?:das|die|der)\s+(?P<who>[A-ZÄÖÜ][\wäöüß\-]+)",
                           re.IGNORECASE)


# "das Abzeichnen macht nicht der Kassenleiter sondern seine Stellvertreterin", "das mit dem Gegenzählen stimmt
# nicht ganz, das macht nicht die Kollegin sondern die Kassenleitung", "die Rechnung schreib nicht ich, die macht
# die Stadtkasse": who does a step, said as a contrast.
ACTOR_NOT = re.compile(
    r"(?P<about>[\wÄÖÜäöüß\- ]{3,60}?)\s+(?:stimmt\s+(?:so\s+)?nicht(?:\s+ganz)?,?\s+(?:das|die|den)\s+)?"
    r"(?:macht|machen|erledigt|übernimmt|schreib\w*|zeichnet|unterschreibt|bucht)\s+(?:aber\s+|bei uns\s+)?nicht\s+"
    r"(?:der|die|das|den|ich|wir|unser\w*|mein\w*)\b[^,.;]*?(?:\s+sondern|,\s*(?:sondern\s+)?(?:das|die|der|den)\s+"
    r"(?:macht|machen|erledigt|übernimmt))\s+(?:immer\s+|jetzt\s+|inzwischen\s+|eigentlich\s+)*"
    r"(?:der|die|das|den|seine|ihre|unsere?|mein\w*)?\s*(?P<who>[\wÄÖÜäöüß\-]+(?:\s+(?:im|vom|von der|von|aus dem|aus der)"
    r"\s+[\wÄÖÜäöüß\-]+)?)", re.IGNORECASE)


def actor_name(who: str) -> str | None:
    """The acting unit or role of a phrase ("Kollegin im Fachamt" → "Fachamt", "Meier von der Verkehrssicherung")."""
    words = [w for w in re.split(r"\s+", who.strip()) if w]
    for word in reversed(words):
        name = word[:1].upper() + word[1:]
        if looks_like_actor(name) or looks_like_actor(re.sub(r"(?:en|n|s)$", "", name)):
            return name
    return None


# Short forms in a step list's context: "1 weg. nach 3 kommt Feuerwehr fragen. 4 heißt Genehmigung verschicken".
_AT = r"(?:^|[.;,!?]\s*|\bund\s+)"
DELETE_BARE = re.compile(_AT + r"(?P<n>\d{1,2})\s+(?:weg|fällt weg|raus|streichen|löschen|entfällt)\b", re.IGNORECASE)
INSERT_BARE = re.compile(_AT + r"(?P<where>nach|vor)\s+(?P<n>\d{1,2})\s+(?:kommt|folgt)\s+(?:noch\s+)?(?P<what>[^.;!?]+)",
                         re.IGNORECASE)
RENAME_BARE = re.compile(_AT + r"(?P<n>\d{1,2})\s+(?:heißt|lautet|ist)\s+(?:eigentlich\s+|eher\s+)?(?P<what>[^.;!?]+)",
                         re.IGNORECASE)


# A step named by its label in quotes, as the clerk copies it from a template's list: "Statt „Gebühr nach
# Tarifstelle berechnen“ machen wir: Gebühr festsetzen", "Nach „Flurstück recherchieren“ kommt bei uns noch: …",
# "Bevor wir „Antrag entgegennehmen“ machen, müssen wir erst …", "Zum Schluss kommt bei uns noch: …".
_Q = r"[„\"](?P<ref>[^“\"„]{3,160})[“\"]"
_UNTIL = r"(?P<what>.+?)\s*(?:(?<!\bbzw)(?<!\bca)(?<!\bggf)(?<!\bz\.B)\.(?=\s|$)|[;!?]|$)"
_BEI_UNS = r"(?:bei uns\s+|eigentlich\s+|eher\s+|dann\s+|außerdem\s+)*"
RENAME_QUOTED = [re.compile(pattern, re.IGNORECASE) for pattern in (
    _Q + r"\s+(?:heißt|nennen wir|lautet)\s+" + _BEI_UNS + r":?\s*" + _UNTIL,
    _Q + r"\s+ist\s+(?:bei uns\s+)?(?:eher|eigentlich)\s*:?\s*" + _UNTIL,
    r"(?:statt|anstatt|anstelle von)\s+" + _Q + r"\s*,?\s+(?:machen wir|mache ich|steht bei uns|haben wir|kommt bei uns)"
    r"\s*" + _BEI_UNS + r":?\s*" + _UNTIL,
    r"\bbei\s+" + _Q + r"\s+ist\s+es\s+" + _BEI_UNS + r"(?:so|anders)\s*:\s*" + _UNTIL,
)]
_ADDING = (r"\s*,?\s+(?:(?:kommt|kommen|folgt|gehört|gehören|fehlt|machen wir|mache ich|müssen wir|muss ich|gibt es)\b"
           r"[^.:;!?„]{0,40}?)?")
INSERT_QUOTED = [
    (re.compile(r"\b(?:nach|hinter)\s+" + _Q + _ADDING + r"\b(?:noch|außerdem noch)\b(?:\s+was)?\s*:?\s*" + _UNTIL,
                re.IGNORECASE), "insert_after"),
    (re.compile(r"\bvor\s+" + _Q + _ADDING + r"\b(?:noch|erst|zuerst)\b(?:\s+was)?\s*:?\s*" + _UNTIL, re.IGNORECASE),
     "insert_before"),
    (re.compile(r"\bbevor\s+(?:wir|ich|man)\s+" + _Q + r"\s+(?:machen|mache|macht|erledigen)\s*,?\s+(?:müssen|muss|machen|"
                r"mache)\s+(?:wir|ich|man)\s+(?:erst|noch|zuerst)\s*:?\s*" + _UNTIL, re.IGNORECASE), "insert_before"),
]
INSERT_END = re.compile(r"(?:^|[.;:!?]\s*|\b(?:und|ach ja,? und|dann)\s+)(?:zum schluss|am ende|ganz am ende|ganz zum schluss)"
                        r"\s*,?\s+(?:kommt|folgt|müssen wir|muss ich|machen wir|mache ich)\s+" + _BEI_UNS
                        + r"noch\s*:?\s*" + _UNTIL, re.IGNORECASE)


def _told_steps(what: str) -> str:
    """The new steps as told, without quotes or a closing "rein" ("„Karteikarte heraussuchen“ rein")."""
    what = re.sub(r"\s+(?:mit\s+)?(?:rein|dazu|hin|hinzu)$", "", what.strip(), flags=re.IGNORECASE)
    return re.sub(r"[„“\"]", "", what).strip(" .:")


def quoted_corrections(text: str) -> list[Correction]:
    """Changes to steps named by their quoted labels; ``about`` holds the label, resolved against the draft."""
    found: list[Correction] = []
    for pattern in RENAME_QUOTED:
        for match in pattern.finditer(text):
            what = _told_steps(match.group("what"))
            if what and not _NOT_A_LABEL.match(what):
                found.append(Correction("rename", None, text=what, about=match.group("ref").strip()))
    for pattern, action in INSERT_QUOTED:
        for match in pattern.finditer(text):
            what = _told_steps(match.group("what"))
            if what:
                found.append(Correction(action, None, text=what, about=match.group("ref").strip()))
    for match in INSERT_END.finditer(text):
        what = _told_steps(match.group("what"))
        if what:
            found.append(Correction("insert_after", None, text=what, where="end"))
    return found


# "die Entscheidung nach Schritt 2 löschen", "die Verzweigung kann weg": a decision struck, never its step
DELETE_DECISION = re.compile(
    r"(?:die\s+|diese\s+)?(?:entscheidung|verzweigung|abfrage)(?:\s+nach\s+schritt\s+(?P<n>\d{1,2}))?\s+(?:bitte\s+)?"
    r"(?:löschen|streichen|entfernen|rausnehmen|raus|weg|kann weg|fällt weg|gibt'?s (?:bei uns )?nicht)|"
    r"(?:lösch|streich|entfern)\w*\s+(?:bitte\s+)?(?:die\s+|diese\s+)?(?:entscheidung|verzweigung|abfrage)"
    r"(?:\s+nach\s+schritt\s+(?P<m>\d{1,2}))?", re.IGNORECASE)


def without_corrections(text: str) -> str:
    """The message without its corrections: what is left to file as the answer to the open question
    ("schritt 1 fällt weg" answers nothing; "Ordnungsamt, und übrigens den Schritt … gibts nicht" → "Ordnungsamt")."""
    parts = [part for piece in _sentences(text)
             for part in re.split(r",\s*(?=(?:und\s+)?(?:übrigens|außerdem|ach|und)\b)(?![^„]*“)", piece)]
    kept = [part for part in parts if part.strip() and not find_corrections(part)]
    if len(kept) < len(parts):  # "Ach ja, und „…“ ist bei uns eher: …": the filler left of a correction goes too
        kept = [part for part in kept if not _FILLER.fullmatch(part.strip(" ,.:!"))]
    return " ".join(kept).strip(" ,")


_FILLER = re.compile(r"(?i)(?:(?:ach|ach ja|ja|und|übrigens|noch was|dann noch|außerdem|also|ok|okay|genau|ah|oh)"
                     r"[\s,]*)+")


_ABBREVIATIONS = re.compile(r"(?i)(?:\bbzw|\bca|\bggf|\bz\.\s?b|\bu\.\s?a|\bnr|\bvgl|\busw|\betc|\bd\.\s?h)\.$")


def _sentences(text: str) -> list[str]:
    """The message cut after . ; ! ?, but not inside a quoted label nor after an abbreviation ("bzw.")."""
    out, start, quoted = [], 0, False
    for match in re.finditer(r"[„“]|[.;!?](?=\s)", text):
        mark = match.group()
        if mark in "„“":
            quoted = mark == "„"
        elif not quoted and not _ABBREVIATIONS.search(text[start:match.end()]):
            out.append(text[start:match.end()])
            start = match.end()
    out.append(text[start:])
    return [part.strip() for part in out if part.strip()]


def number(raw: str) -> int:
    return int(raw) if raw.isdigit() else int(NUMBER_WORDS[raw.lower()])


@dataclass
class Correction:
    # delete | delete_by_content | insert_after | insert_before | rename | swap | merge | merge_by_content | actor | move
    action: str
    step: int | None = None
    other: int | None = None
    text: str = ""
    about: str = ""  # the words before the correction, naming the step it is about
    where: str = ""  # move: "nach" | "vor" (the step named by ``about``) | "start" | "end"
    loose: bool = False  # read from free wording ("… frag ich erst, nachdem …"), not from a fixed phrase


def find_corrections(text: str) -> list[Correction]:
    found: list[Correction] = []
    for match in DELETE.finditer(text):
        raw = match.group(1) or match.group(2)
        found.append(Correction("delete", number(raw)))
    for match in DELETE_ORDINAL.finditer(text):
        found.append(Correction("delete", ORDINALS[match.group(1).lower()]))
    if not found:
        for match in DELETE_QUOTED.finditer(text):
            found.append(Correction("delete_by_content", None, text=match.group("what").strip()))
    if not found:
        for match in DELETE_WITH.finditer(text):
            found.append(Correction("delete_by_content", None, text=match.group("what").strip()))
    if not found:
        for match in DELETE_CONTENT.finditer(text):
            what = match.group("what").strip()
            if not re.match(r"(?i)(?:erste|zweite|dritte|vierte|fünfte|letzte)n?\b|schritt", what):
                found.append(Correction("delete_by_content", None, text=what))
    if not found and len(text) <= 300:
        for match in DELETE_BARE.finditer(text):
            found.append(Correction("delete", int(match.group("n"))))
    if not any(c.action.startswith("insert") for c in found):
        for match in INSERT_BARE.finditer(text):
            where = "insert_after" if match.group("where").lower() == "nach" else "insert_before"
            found.append(Correction(where, int(match.group("n")), text=match.group("what").strip()))
    if len(text) <= 300 and not any(c.action == "merge" for c in found) and not MERGE.search(text):
        for match in RENAME_BARE.finditer(text):
            if not _NOT_A_LABEL.match(match.group("what").strip(" .")):
                found.append(Correction("rename", int(match.group("n")), text=match.group("what").strip(" .")))
    for match in INSERT.finditer(text):
        where = "insert_after" if match.group("where").lower() == "nach" else "insert_before"
        found.append(Correction(where, number(match.group(2)), text=match.group("what").strip()))
    for match in MERGE.finditer(text):
        found.append(Correction("merge", number(match.group(1)), number(match.group(2))))
    if not any(c.action == "merge" for c in found):
        for match in MERGE_CONTENT.finditer(text):
            found.append(Correction("merge_by_content", None, text=match.group("first"), about=match.group("second")))
    for match in RENAME.finditer(text):
        what = re.split(r"\s*,\s*nicht\b|\s+und nicht\b", match.group("what"), maxsplit=1)[0].strip(" .")
        plain_is = re.match(r"(?i)schritt\s+\S+\s+ist\s*(?!eigentlich|eher)", match.group(0)) is not None
        if _NOT_A_LABEL.match(what) or (plain_is and not re.search(r"(?:en|ern|eln)\W*$", what)):
            continue  # "Schritt 3 ist falsch", "Schritt 2 ist gut": no new name
        found.append(Correction("rename", number(match.group(1)), text=what))
    for match in RENAME_ORDINAL.finditer(text):
        word = match.group(1).lower()
        n = ORDINALS.get(word) or ORDINALS.get(word + "n")
        what = re.split(r"\s*,\s*nicht\b|\s+und nicht\b", match.group("what"), maxsplit=1)[0].strip(" .")
        if n and what and not _NOT_A_LABEL.match(what):
            found.append(Correction("rename", n, text=what))
    for match in SWAP.finditer(text):
        found.append(Correction("swap", number(match.group(1)), number(match.group(2))))
    for match in MOVE.finditer(text):
        edge = (match.group("edge") or "").lower()
        where = "start" if edge in ("am anfang", "zuerst", "ganz am anfang", "als erstes") else (
            "end" if edge else match.group("where").lower())
        found.append(Correction("move", None, text=match.group("what"), about=match.group("ref") or "",
                                other=None, where=where))
    if not any(c.action == "move" for c in found) and _MOVE_MARK.search(text):
        for match in MOVE_SAID.finditer(text):
            where = "nach" if match.group("where").lower().startswith("nach") else "vor"
            what = re.sub(r"(?i)^(?:das|den|die|der)\s+(?:mit\s+(?:dem|der|den)\s+)?", "", match.group("what"))
            found.append(Correction("move", None, text=what, about=match.group("ref"), where=where, loose=True))
            break
    for match in ACTOR_RATHER.finditer(text):
        who = actor_name(match.group("who"))
        if who:
            found.append(Correction("actor", None, text=who, about=match.group("about"), where="explicit",
                                    other=None, loose=False))
    for match in ACTOR_NOT.finditer(text):
        if any(c.action == "actor" for c in found):
            break
        who = actor_name(match.group("who"))
        if who:
            about = re.sub(r"(?i)^.*?\b(?:das|die|den|der)\s+(?:mit\s+(?:dem|der|den)\s+)?", "", match.group("about"))
            found.append(Correction("actor", None, text=who, about=about, where="explicit"))
    for match in ACTOR_INSTEAD.finditer(text):
        if any(c.action == "actor" for c in found):
            break
        if looks_like_actor(match.group("who")):
            found.append(Correction("actor", None, text=match.group("who"), about=match.group("about")))
    for match in ACTOR_BY_CONTENT.finditer(text):
        if looks_like_actor(match.group("who")) and not any(c.action == "actor" for c in found):
            found.append(Correction("actor", None, text=match.group("who"), about=match.group("about")))
    for match in ACTOR.finditer(text):
        if any(c.action == "actor" for c in found):
            break
        step = number(match.group(1)) if match.group(1) else None
        who = match.group("who").strip()
        if not looks_like_actor(who.split()[0][:1].upper() + who.split()[0][1:]):
            tail = re.split(r"[,.;!?]", text[match.start("who"):], maxsplit=1)[0]
            who = actor_name(" ".join(tail.split()[:6])) or ""  # "die Kollegin aus dem Bürgerbüro"
            if not who:
                continue  # "das macht das Programm inzwischen automatisch" names no one
        before = text[:match.start()]
        who = re.sub(r"(?i)\s+(?:selbst|selber|allein|auch|jetzt|immer|mit|persönlich|meistens|bei uns)$", "", who)
        found.append(Correction("actor", step, text=who[:1].upper() + who[1:], other=None,
                                about=before[-120:]))
    found.extend(quoted_corrections(text))
    for match in DELETE_DECISION.finditer(text):
        step = match.group("n") or match.group("m")
        number_ = int(step) if step else None
        found = [c for c in found if not (c.action == "delete" and (number_ is None or c.step == number_))]
        found.append(Correction("delete_decision", number_))
    for correction in found:
        if correction.action == "actor" and correction.text[:1].islower():
            correction.text = correction.text[:1].upper() + correction.text[1:]  # "die stadtkasse" typed in lower case
    if any(c.action in ("delete", "delete_by_content") for c in found):
        # "Schritt 9 machen wir nicht, das macht die Kasse selbst": the reason it is struck, no new actor
        found = [c for c in found if not (c.action == "actor" and c.step is None and c.where != "explicit")]
    return found
