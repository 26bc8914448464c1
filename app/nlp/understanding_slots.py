"""The answer inside an answer: a short name, a unit, a trigger clause, negated mentions.

Clerks answer "Wie nennen Sie den Ablauf?" with "Wir sagen intern einfach
Infostände, offiziell ist das wohl die Sondernutzungserlaubnis …" and "Wer ist
noch beteiligt?" with "Kasse, Bauhof brauchen wir nicht". These functions take
what belongs in the slot and leave the rest; nothing is stored word for word.
"""

from __future__ import annotations

import re

from . import orthography
from .gazetteer import Gazetteer, looks_like_actor
from .tagger import tag, tokenize
from .titles import verbal_title

_OFFICIAL = re.compile(r"\b(?:offiziell|amtlich|eigentlich|richtig|korrekt)\b(?:\s+\w+){0,4}?\s+(?:heißt|ist|nennt)?\s*"
                       r"(?:das|es|der|die)?\s*(?:wohl|glaube? ich|ich glaube?|vermutlich|so was wie|sowas wie)?\s*"
                       r"(?:die|der|das)?\s*"
                       r"(?P<name>[^,.;!?…]+)", re.IGNORECASE)
_NAME_CUES = re.compile(r"\b(?:heißt|nennen wir|sagen wir|sagen|nennt sich|läuft unter|intern)\s+(?:das\s+|es\s+|bei uns\s+|"
                        r"einfach\s+|immer\s+|meist\s+|nur\s+|intern\s+)*[„\"]?(?P<name>[^,.;!?…“\"]+)", re.IGNORECASE)
# A long official name keeps its head: "Sondernutzungserlaubnis für Informationsstände auf öffentlichen
# Verkehrsflächen nach dem Straßen- und Wegegesetz" → "Sondernutzungserlaubnis für Informationsstände".
_NAME_TAIL = re.compile(r"\s+(?:nach dem|nach der|nach|gemäß|laut|auf|im rahmen|oder so(?: ähnlich)?|oder so was)\b.*$",
                        re.IGNORECASE)
_FILLER = re.compile(r"^(?:(?:also|ja|jein|naja|hm+|äh|ähm|ok(?:ay)?|gut|na|tja|so|meistens|meist|oft|normalerweise|"
                     r"in der regel|ne|nen)\b[,\s]*)+", re.IGNORECASE)
_INNER_FILLER = re.compile(r"\s+\b(?:halt|eben|doch|ja|mal)\b(?=\s|$)", re.IGNORECASE)
_BACK_REFERENCE = re.compile(r"\b(?:hab(?:e)? ich (?:doch )?(?:oben|vorhin|schon|eben|bereits)|wie (?:oben|gesagt|"
                             r"schon gesagt|vorhin)|siehe oben|s\. o\.)", re.IGNORECASE)
_NEGATED_AFTER = re.compile(r"(?P<what>[\wÄÖÜäöüß\-.]+(?:\s+[\wÄÖÜäöüß\-.]+)?)\s+(?:brauchen|braucht|benötigen|haben|"
                            r"nutzen|benutzen|verwenden|machen)\s+wir\s+(?:dafür\s+|da\s+|hier\s+|auch\s+|noch\s+|bisher\s+|"
                            r"leider\s+|überhaupt\s+)*(?:nicht|nie|gar nicht|keine?n?)\b", re.IGNORECASE)
_NEGATED_BEFORE = re.compile(r"\b(?:kein(?:e|en)?|nicht (?:die|der|das|den)|ohne)\s+(?P<what>[\wÄÖÜäöüß\-.]+)",
                             re.IGNORECASE)
_TRIGGER_NOUN = re.compile(r"\b(?:ein(?:e|en)?\s+|der\s+|die\s+|das\s+|den\s+)?(?:[\wÄÖÜäöüß\-]+\s+){0,2}?"
                           r"(?P<noun>\b[\wÄÖÜäöüß\-]*(?:antrag|anträge|anzeige|meldung|anmeldung|bescheid|"
                           r"mitteilung|beschwerde|anfrage|rechnung|eingang|termin|vorsprache|frist|liste|mail|"
                           r"brief|schreiben|formular|hinweis|auftrag|bestellung))", re.IGNORECASE)


def _tidy(value: str) -> str:
    value = _INNER_FILLER.sub("", _FILLER.sub("", value.strip()))
    value = re.sub(r"\s+", " ", value).strip(" .,;:!?…\"„“")
    return value[:1].upper() + value[1:] if value else value


def _nouns(text: str) -> list[str]:
    return [t.text for t in tag(tokenize(text)) if t.tag in ("NN", "NE")]


_CHOICE = re.compile(r"\b(?:nimm|nehmen sie|nehmt|schreib|schreiben sie|nenn es|nennen sie es|dann eben|am besten)\s+"
                     r"(?:doch\s+|einfach\s+|halt\s+|lieber\s+)*[„\"]?(?P<name>[^,.;!?…“\"]+)", re.IGNORECASE)
_SEGMENT = re.compile(r"[,;!?…(]|\.(?:\s|$)|\s+(?:bzw\.?|beziehungsweise|oder|also)\s+|\s+/\s*|\s+-\s+|\s+–\s+|"
                      r"\bund übrigens\b|\baber\b", re.IGNORECASE)
_CLAUSE_WORDS = re.compile(r"\b(?:wir|ich|man|sagen|sagt|heißt|nennen|ist|sind|weiß|glaube)\b", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"\b(?:nennt|nennen|heißt|ahnung|weiß|sagen|sagt)\b", re.IGNORECASE)


def short_title(text: str, verbal: bool = True) -> str | None:
    """A short process name from an answer to "Wie nennen Sie den Ablauf?", as object + infinitive where a
    nominal name can be rewritten reliably ("Aktenaussonderung" → "Akten aussondern"); ``verbal=False``: the
    name as the clerk said it."""
    name = _told_title(text)
    if name and verbal:
        return _narrowed(verbal_title(name), _alternative_names(text)) or name
    return name


def renamed_title_note(text: str, title: str | None) -> str | None:
    """Says so when the stored name is not the clerk's own wording, so the clerk's name stays visible."""
    told = short_title(text, verbal=False)
    if not told or not title or told == title:
        return None
    return (f"Ich nenne den Ablauf „{title}“ – so werden Abläufe im Katalog benannt (Gegenstand und Tätigkeit); "
            f"Ihr Name dafür: „{told}“. Wenn Sie Ihren Namen behalten möchten, schreiben Sie „der Name soll "
            f"{told} heißen“.")


def _told_title(text: str) -> str | None:
    text = text.strip()
    for pattern in (_CHOICE, _OFFICIAL):
        for match in pattern.finditer(text):
            name = _tidy(match.group("name"))
            if len(name.split()) > 5:
                name = _tidy(_NAME_TAIL.sub("", name))
            name = re.split(r"\s+oder\s+(?:einfach\s+)?", name)[0]
            if 0 < len(name.split()) <= 8 and not _NOT_A_NAME.search(name):
                return name[:300]
    first = _tidy(_SEGMENT.split(text, maxsplit=1)[0])
    if first and len(first.split()) <= 6 and not _NOT_A_NAME.search(first) and not _CLAUSE_WORDS.search(first):
        return _preferred_name(first, _alternative_names(text))[:300]
    for match in _NAME_CUES.finditer(text):
        name = _tidy(match.group("name"))
        if 0 < len(name.split()) <= 8 and not _NOT_A_NAME.search(name):
            return name[:300]
    if first and len(first.split()) <= 8:
        return first[:300]
    nouns = _nouns(text)
    return nouns[0][:300] if nouns else (_tidy(text)[:80] or None)


def _alternative_names(text: str) -> list[str]:
    """Further names after the first ("X bzw. Y", "X / Y", "X, also Y"); no gloss in brackets, no remark,
    no "-anzeige" variant, nothing in lower case."""
    unbracketed = re.sub(r"\([^)]*\)?", " ", text)
    parts = [p.strip() for p in _SEGMENT.split(unbracketed)[1:] if p and p.strip()]
    return [_tidy(p) for p in parts if p[:1].isupper() and len(p.split()) <= 6 and not _CLAUSE_WORDS.search(p)
            and not _NOT_A_NAME.search(p)]


def _name_weight(name: str) -> int:
    """How well a name describes a process: a nameable action, or an official "…verfahren" / "Antrag auf …"."""
    words = name.split()
    acting = verbal_title(name) is not None or _verb_form(words[-1])
    official = bool(re.search(r"(?i)verfahren$", words[-1]) or re.match(r"(?i)antrag auf\b", name))
    return 2 * acting + official


def _verb_form(word: str) -> bool:
    return word[:1].islower() and word.endswith("n")


def _preferred_name(first: str, others: list[str]) -> str:
    """Of two names for one process, the more descriptive one (the first unless another is clearly better).
    "Osterfeuer / Brauchtumsfeuer anzeigen": the verb of the second serves both nouns."""
    best = first
    for other in others:
        words = other.split()
        if len(first.split()) == 1 and len(words) == 2 and _verb_form(words[1]) and words[0][:1].isupper():
            return f"{first} {words[1]}"
        if _name_weight(other) > _name_weight(best):
            best = other
    return best


def _narrowed(verbal: str | None, others: list[str]) -> str | None:
    """A compound alternative that ends in the object names that object more precisely:
    "Rechnungsbearbeitung / Eingangsrechnungen" → "Eingangsrechnungen bearbeiten"."""
    if not verbal:
        return verbal
    obj, verb = verbal.rsplit(" ", 1)
    narrower = re.compile(r"[\wäöüß]{3,}" + re.escape(obj.lower()) + r"(?:e|en|n|s)?")
    precise = next((o for o in others if narrower.fullmatch(o.lower())), None)
    return f"{precise} {verb}" if precise else verbal


_GREETING = re.compile(r"^\s*(?:hallo|hi|hey|servus|grüß gott|guten (?:tag|morgen)|moin|liebe\w*|sehr geehrte\w*)\b"
                       r"(?:[^,.!\n]*[,.!\n]\s*|[^,.!\n]*$)", re.IGNORECASE)  # "Hallo zusammen" with no stop
_TOPIC = re.compile(r"\b(?:es geht um|geht's um|gehts um|thema(?: ist)?:?|anbei,? wie wir|so läuft bei uns|"
                    r"ich bearbeite(?: hier)?(?: die| den| das)?|ich betreue(?: hier)?(?: die| den| das)?|"
                    r"ich kümmere mich (?:hier )?um(?: die| den| das)?|"
                    r"ich mache (?:hier )?(?:bei uns )?(?:die|das|den))\s+(?:(?:die|das|den|der|unsere[nm]?) (?=(?-i:[A-ZÄÖÜ])))?"
                    r"(?P<name>[^.,;:!?\n]{3,80})", re.IGNORECASE)
_TRAILING_PLACE = re.compile(r"\s+(?:bei uns|hier|in (?:der|dem|unserer?)|im|beim|für (?:die|den|das))\b.*$",
                             re.IGNORECASE)


def opening_title(text: str) -> str | None:
    """A process name the opening starts with ("Hausnummern vergeben. Meistens kommt …", "Es geht um …").

    Only a short heading without a clause of its own counts, or a topic named with "es geht um";
    anything else stays for the title question.
    """
    body = " ".join(line.strip() for line in _GREETING.sub("", text.strip()).splitlines() if line.strip())
    match = _TOPIC.search(body)
    if match:
        name = _tidy(_TRAILING_PLACE.sub("", match.group("name")))
        if 0 < len(name.split()) <= 6 and not _NOT_A_NAME.search(name):
            return (verbal_title(name) or name)[:300]
    for head in re.split(r"[.:!?\n]|\s+[-–]\s+", body)[:3]:
        head = _tidy(_TRAILING_PLACE.sub("", head))
        words = head.split()
        if not words:
            continue
        if _SENDER.search(head) or any(looks_like_actor(w.strip(",/")) or _UNIT_WORD.search(w) for w in words):
            continue  # "Gemeinde Kornhagen, Hauptamt." signs the message, it does not name the process
        if len(words) > 5 or _CLAUSE_WORDS.search(head) or not words[0][:1].isupper():
            return None
        tokens = tag(tokenize(head))
        finite = [t for t in tokens if t.tag.endswith(("(FIN)", "(IMP)")) or t.tag.startswith(("VA", "VM"))]
        if finite or not any(t.tag in ("NN", "NE") for t in tokens):
            return None
        return (verbal_title(head) or head)[:300]
    return None


_SENDER = re.compile(r"(?:^|\s)(?:gemeinde|stadt|markt|landkreis|kreis|verbandsgemeinde|amt|samtgemeinde|"
                     r"stadtverwaltung|gemeindeverwaltung)\b", re.IGNORECASE)
_UNIT_WORD = re.compile(r"(?i)(?:bücherei|bibliothek|aufsicht|verwaltung|büro|amt|stelle|kasse|abteilung|referat)$")


_RECEIPT = re.compile(r"^(?:ein(?:e|en)?\s+|der\s+|die\s+|das\s+|ne\s+|nen\s+)?(?!(?:es|er|sie|das|der|die|"
                      r"dann|da|was|alles)\b)(?P<what>[A-ZÄÖÜ]?[\wäöüß\-]+"
                      r"(?:\s+(?:vom|von der|von|des|der)\s+[\wÄÖÜäöüß\-]+)?)\s+(?:kommt|kommen|geht|gehen|wird|werden|"
                      r"landet|landen|trudelt|läuft)\b(?:(?!\b(?:ich|wir|man)\b).)*?\b(?:ein|rein|an|abgegeben|"
                      r"eingereicht|zugeschickt|vorgelegt|geschickt|gemeldet|an)?\s*$", re.IGNORECASE)


_PERSON = re.compile(r"(?i)jemand|einer|eine|leute|bürger\w*|kund\w*|antragsteller\w*|eltern|paar|halter\w*|"
                     r"eigentümer\w*|angler\w*|mieter\w*|bewohner\w*|besucher\w*|interessent\w*|betroffene\w*|"
                     r"person(?:en)?|mann|frau|vater|mutter|familie\w*|schüler\w*|bauherr\w*|erbe\w*|angehörige\w*")
# "jemand kommt (vorbei) mit …": a visit in person, named by what is brought
_VISIT = re.compile(r"^(?:ein(?:e|en)?\s+|der\s+|die\s+|das\s+)?(?:" + _PERSON.pattern[4:] + r")\s+(?:kommt|kommen)\s+"
                    r"(?:(?:meistens|meist|persönlich|direkt|einfach|vorbei|zu uns|ins amt|ins rathaus|ans amt)\s+)*"
                    r"mit\s+(?:dem\s+|der\s+|den\s+|seinem\s+|seiner\s+|ihrem\s+|ihrer\s+|ein(?:em|er)?\s+)?"
                    r"(?P<what>[\wÄÖÜäöüß\-]+(?:\s+(?:und|oder)\s+(?-i:[A-ZÄÖÜ])[\wäöüß\-]+)?)", re.IGNORECASE)
_NOT_A_TRIGGER = re.compile(r"(?i)ja|nein|na|also|hm+|keine?|nichts|immer|unterschiedlich|verschieden")


# After a comma, how often, by which channel, or from when: a remark on the trigger, not the trigger
# ("Anfrage eines Maklers, seltener von Banken", "Antrag auf Zuschuss, kommt per Post").
_SIDE_REMARK = (r"meistens|meist|seltener|selten|manchmal|oft|öfter|fast immer|fast nie|gelegentlich|ab und zu|"
                r"teilweise|per|kommt|kommen|soll|sollte|muss|also|ab|dann")


def trigger_clause(text: str, history: tuple[str, ...] = ()) -> str | None:
    """What starts the process: the first clause naming it, or from what was said before."""
    source = text
    if _BACK_REFERENCE.search(text) and history:
        earlier = next((m for m in history if _TRIGGER_NOUN.search(m)), None)
        if earlier is not None:
            source = earlier
    first = re.split(r"(?<!\d)(?<!\bbzw)(?<!\bca)(?<!\bggf)[.]|[;!?…]|,\s+(?:das|aber|und übrigens|übrigens|hab|habe|"
                     r"wie|" + _SIDE_REMARK + r")\b", source, maxsplit=1)[0]  # "bis 31. März" is one clause
    clause = _tidy(first)
    pronoun = re.match(r"(?i)(?:der|die|das|er|sie)\s+(?:kommt|kommen|geht|gehen|landet|landen|wird|werden)\b", clause)
    earlier = next((m for m in reversed(history) if _TRIGGER_NOUN.search(m)), None) if pronoun else None
    if earlier is not None:  # "der kommt per Mail": what "der" is was said before
        noun = _TRIGGER_NOUN.search(earlier).group("noun")
        return f"Eingang {noun[:1].upper()}{noun[1:]} ({clause[pronoun.end():].strip()})"[:2000] \
            if clause[pronoun.end():].strip() else f"Eingang {noun[:1].upper()}{noun[1:]}"
    visit = _VISIT.match(clause)
    if visit:  # "Jemand kommt mit Schwerbehindertenausweis und will den Parkausweis"
        return f"Vorsprache mit {_tidy(visit.group('what'))}"[:2000]
    receipt = _RECEIPT.match(clause)
    if receipt and not _PERSON.fullmatch(receipt.group("what")):  # "Ein Bauantrag wird … abgegeben" → "Eingang Bauantrag"
        return f"Eingang {_tidy(receipt.group('what'))}"[:2000]
    one_noun = len(clause.split()) == 1 and clause[:1].isupper() and not _NOT_A_TRIGGER.fullmatch(clause)
    if _BACK_REFERENCE.search(clause) or (len(clause.split()) < 2 and not one_noun):
        match = _TRIGGER_NOUN.search(source)
        if match:
            return _tidy(match.group(0))[:2000]
    return _full_articles(clause)[:2000] or None


# The result as the catalogue states it: what was done, in the participle ("Bescheid versandt"), where the
# clerk tells the state in spoken words ("Bescheid ist raus", "er hat seinen Ausweis in der Hand").
_SENT = re.compile(r"(?i)\b(?:ist|sind)\s+(?:jetzt\s+|dann\s+|auch\s+)?raus\b(?=\s*(?:[,.;]|und\b|oder\b|$))")
_IN_HAND = re.compile(r"(?i)(?P<lead>^|,\s*|\bund\s+)(?:[\wÄÖÜäöüß]+\s+){0,2}?(?:hat|haben)\s+(?:den|die|das|"
                      r"seinen|seine|sein|ihren|ihre|ihr)\s+(?P<what>[\wÄÖÜäöüß\-]+)\s+in der hand\b")


def result_statement(answer: str) -> str:
    """The result in the catalogue's words: "Bescheid ist raus" → "Bescheid versandt", "die Person hat den
    Parkausweis in der Hand" → "Parkausweis ausgehändigt"; anything else as said."""
    stated = _SENT.sub("versandt", answer)
    stated = _IN_HAND.sub(lambda m: f"{m.group('lead')}{m.group('what')} ausgehändigt", stated)
    return stated[:1].upper() + stated[1:] if stated else stated


_SPOKEN_ARTICLE = {"ne": "eine", "nen": "einen", "nem": "einem", "ner": "einer"}


def _full_articles(clause: str) -> str:
    """"beantragt nen Wahlschein" → "beantragt einen Wahlschein": the profile is written German."""
    return re.sub(r"(?<=\s)(ne|nen|nem|ner)(?=\s+[\wÄÖÜäöüß])", lambda m: _SPOKEN_ARTICLE[m.group(1).lower()]
                  if m.group(1).islower() else m.group(1), clause)


def org_unit_name(text: str, gazetteer: Gazetteer | None = None) -> str | None:
    """The unit's name from an answer ("ordnungsamt, … und übrigens …" → "Ordnungsamt"); figures name no unit
    ("so 40 Anträge im Jahr kommen da")."""
    if re.search(r"\d|\b(?:im|pro)\s+(?:jahr|monat|woche)\b|\bminuten\b|\bstunden?\b", text, re.IGNORECASE) \
            and not any(looks_like_actor(w.strip(",.;:")) for w in text.split()):
        return None
    refined = _refined_unit(text)
    if refined:
        return refined
    segment = _tidy(_SEGMENT.split(text.strip(), maxsplit=1)[0])
    segment = re.sub(r"^(?:(?:das (?:ist|macht|machen wir)|bei uns|wir sind|ich bin|ich arbeite|zuständig ist|also|"
                     r"eigentlich|das|die|der|im|in der|beim|bei der|unser(?:e)?)\s+)+", "", segment, flags=re.IGNORECASE)
    if segment and len(segment.split()) <= 7 and not _CLAUSE_WORDS.search(segment) and \
            any(looks_like_actor(w[:1].upper() + w[1:]) or w[:1].isupper() for w in segment.split()):
        parts = [p.strip() for p in text.strip().split(",")]
        sub = _tidy(parts[1]) if len(parts) == 2 and parts[0].strip() == segment.strip() else ""
        if sub and len(sub.split()) <= 3 and not _CLAUSE_WORDS.search(sub) and (
                _SUB_UNIT_WORD.match(sub) or looks_like_actor(sub.split()[-1][:1].upper() + sub.split()[-1][1:])):
            segment = f"{segment}, {sub}"  # "Hauptamt, Schulverwaltung": the unit and its part
        return (segment[:1].upper() + segment[1:])[:300]
    for token in tag(tokenize(text)):
        word = token.text
        if looks_like_actor(word) or looks_like_actor(word[:1].upper() + word[1:]):
            return (word[:1].upper() + word[1:])[:300]
    first = re.split(r"[,;.!?…]|\s+und\s+übrigens\b", text.strip(), maxsplit=1)[0]
    first = _tidy(re.sub(r"^(?:das|bei uns|wir sind|ich bin|zuständig ist|das macht)\s+(?:das|die|der|im|in der|"
                         r"beim)?\s*", "", _tidy(first), flags=re.IGNORECASE))
    return first[:300] if first and len(first.split()) <= 6 else None


_SUB_UNIT_WORD = re.compile(r"(?:Sachgebiet|Abteilung|Referat|Fachbereich|Sachbereich|Team|Fachdienst|Bereich)\s+\S")
_REFINING = re.compile(r"(?:,\s*|\s+)(?:aber|also|genauer gesagt|beziehungsweise|bzw\.?)\s+", re.IGNORECASE)


def _refined_unit(text: str) -> str | None:
    """The unit named last when the clerk corrects or narrows it down.

    "offiziell die Jagdgenossenschaft, aber die Arbeit macht die Gemeindekasse" and "in der Kasse, also
    Fachbereich 2 Finanzen, Gemeindekasse" name the unit that does the work after "aber" or "also".
    """
    parts = _REFINING.split(text.strip())
    if len(parts) < 2:
        return None
    for part in reversed(parts):
        for segment in reversed(re.split(r"[,;]", part)):
            names = [t.text for t in tag(tokenize(segment))
                     if t.text[:1].isalpha() and looks_like_actor(t.text[:1].upper() + t.text[1:])]
            if names:
                return (names[-1][:1].upper() + names[-1][1:])[:300]
    return None


_NEGATED_CLAUSE = re.compile(r"(?i)\b(?:nicht|nix|nichts|nie|kein\w*|früher|brauchen wir nicht)\b")
_PARTY_HEAD = re.compile(r"(?i)(?:amt|behörde|kasse|polizei|firma|büro|verwaltung|stelle|kreis|gericht|ausschuss|rat|"
                         r"leitung|bauhof|feuerwehr|schule|kita|träger|verband|verein|kammer|ihk|bank|versicherung|"
                         r"meister|leiter|leiterin|beauftragte[r]?|dienst|wehr|ministerium|landratsamt|jobcenter|"
                         r"standesamt|finanzamt|notar|bestatter|architekt|gemeinde|stadt|werk|betrieb|zentrale|genossenschaft|"
                         r"gesellschaft|anstalt|institut|agentur|führung)(?:e|en|n|s|innen|in)?$")
_ACRONYM = re.compile(r"^[A-ZÄÖÜ]{2,5}$")
_POINTS_BACK = re.compile(r"(?i)^\s*(?:(?:mit\s+)?denen|damit|(?:die|der)\s+(?:haben|hat|kriegen|kriegt|brauchen|braucht|"
                          r"machen|macht|sind|ist))\b")


_NOT_NAMING = {"eigene", "eigenes", "eigenen", "eigener", "andere", "anderen", "anderes", "ganze", "ganzen", "jeweilige",
               "jeweiligen", "zuständige", "zuständigen", "betroffene", "betroffenen"}


def participant_names(text: str) -> list[str]:
    """Who takes part, from a free answer: the named offices and roles of every clause that is not negated.

    "eigentlich nur die Stadtkasse, wegen dem Bargeld … Die Polizei hat ihr eigenes Fundbüro, mit denen haben
    wir nix zu tun" → ["Stadtkasse"]; "Tiefbauamt kriegt ne Info wenns größer ist" → ["Tiefbauamt"].
    """
    names: list[str] = []
    previous: list[str] = []
    for clause in re.split(r"[,.;:!?\n]|\s+(?:aber|sondern|und|sonst|außer)\s+", text):
        if not clause.strip():
            continue
        if _NEGATED_CLAUSE.search(clause):
            if _POINTS_BACK.match(clause):  # "Die Polizei hat ihr eigenes Fundbüro, mit denen haben wir nix zu tun"
                names = [n for n in names if n not in previous]
            previous = []
            continue
        previous = []
        tokens = tag(tokenize(clause))
        for i, token in enumerate(tokens):
            word = token.text
            name = word[:1].upper() + word[1:]
            acronym = _ACRONYM.match(word) is not None and word not in ("OK", "EDV", "PDF", "EU")  # "IHK", "THW"
            if not acronym and (not word[:1].isalpha() or len(word) < 3
                                or not (looks_like_actor(name) or _PARTY_HEAD.search(word))):
                continue
            if token.tag not in ("NN", "NE") and not word[:1].islower() and not acronym:
                continue
            before = tokens[i - 1] if i else None
            if before is not None and before.tag in ("ADJA", "ADJ(A)") and before.text.lower() not in _NOT_NAMING:
                name = f"{before.text[:1].upper()}{before.text[1:]} {name}"  # "untere Fischereibehörde"
            if name.lower() not in {n.lower() for n in names}:
                names.append(name[:200])
                previous.append(name[:200])
        named = re.match(r"(?i)\s*das ist\s+(?:die\s+|der\s+|unsere?\s+)?(?P<name>[\wÄÖÜäöüß&-]{3,40})\s*$", clause)
        if named and names and not previous:  # "nur die Entsorgungsfirma, das ist Remondis"
            firm = named.group("name")
            names[-1] = f"{names[-1]} {firm[:1].upper()}{firm[1:]}"[:200]
    return names


def negated_mentions(text: str) -> set[str]:
    """Names the clerk says are not involved ("Bauhof brauchen wir nicht", "keine Kasse")."""
    found: set[str] = set()
    for pattern in (_NEGATED_AFTER, _NEGATED_BEFORE):
        for match in pattern.finditer(text):
            words = match.group("what").split()
            found.add(words[-1].lower())
            found.update(part for part in words[-1].lower().split("-") if len(part) > 2)  # "Excel-Listen" → excel
    return found


def without_negated(items: list[str], negated: set[str]) -> list[str]:
    """Items that name none of the negated words."""
    if not negated:
        return items
    kept = []
    for item in items:
        words = {w.lower() for w in re.findall(r"[\wÄÖÜäöüß\-.]+", item)}
        if words & negated or re.search(r"\b(?:brauchen|braucht)\s+wir\s+nicht|\bnicht\b", item, re.IGNORECASE):
            continue
        kept.append(item)
    return kept


_GENERIC_WORDS = {"programm", "software", "system", "finanzsoftware", "fachverfahren", "workflow", "tool", "portal",
                  "termine", "briefe", "sitzungen", "dokumente", "listen", "liste", "rest", "sachen", "zeug", "dank",
                  "gott", "glück"}


_PRODUCT_NAMED = (
    re.compile(r"(?i)(?P<name>[\w.&-]+)\s+heißt\s+(?:das|die|unser)\s+(?:programm|system|verfahren|software|tool|ding)"),
    re.compile(r"(?i)\b(?:programm|system|verfahren|software|tool|fachverfahren)\s+(?:heißt|ist)\s+(?:das\s+|die\s+)?"
               r"(?P<name>[\w.&-]+)"),
    re.compile(r"(?i)(?:^|,|\.)\s*(?:nur\s+)?(?:die|das|der)?\s*[\wäöüß-]+,\s*das\s+ist\s+(?:das\s+|die\s+)?"
               r"(?P<name>[\w.&-]+)"),
    re.compile(r"(?i)\b(?:das|die)\s+(?P<name>[\w.&-]+),?\s+läuft\s+(?:am|auf dem|auf)\s+(?:pc|rechner|computer|server)"),
)


_SOFTWARE_NOUN = re.compile(r"(?i)(?:register|portal|programm|verfahren|datenbank|kataster|system|software)$")


def _ordinary_noun(word: str) -> bool:
    """A German noun of everyday language ("Jahr", "Steuerbescheid", "Hundemarke"), not a product's name; names
    with digits, dots or inner capitals ("OK.FIS", "WinOWiG", "CIP-KD") never are."""
    if not re.search(r"[A-Za-zÄÖÜäöüß]", word) or word.lower() in ("ende", "anfang", "schluss"):
        return True  # "300", "am Ende"
    if re.search(r"\d|\.|[a-z][A-Z]|^[A-ZÄÖÜ]{2,}|-[A-ZÄÖÜ]", word) or _SOFTWARE_NOUN.search(word):
        return False  # "OK.FIS", "WinOWiG", "das Melderegister"
    return orthography.is_common_noun(word.lower())


def named_products(text: str) -> list[str]:
    """Names of software in an answer to "Mit welchen Programmen arbeiten Sie?" that no list knows yet:
    "das Melderegister halt, und Outlook", "Finanzsoftware ist CIP-KD", "das Schadensportal vom KSA"."""
    names: list[str] = []
    for pattern in _PRODUCT_NAMED:  # "fundinfo heißt das Programm", "das ist interflex", "läuft am PC"
        for match in pattern.finditer(text):
            name = match.group("name").strip(" .:()")
            if name.lower() not in _GENERIC_WORDS and len(name) > 2 and not re.search(
                    r"(?i)\b(?:nicht|kein\w*|nix)\b", text[match.end():match.end() + 30]):
                names.append(name if not name.islower() else name[:1].upper() + name[1:])
    for part in re.split(r",|;|\bund\b|\bsowie\b|\boder\b|\.(?:\s|$)", text):
        if re.search(r"(?i)\b(?:nicht|kein\w*|nix)\b", part):
            continue  # "Excel-Listen benutzen wir dafür keine"
        words = [w.strip(" .:()") for w in part.split()]
        candidates = [w for w in words if w and (w[:1].isupper() or any(c.isdigit() for c in w) or
                                                 re.search(r"[a-z][A-Z]", w)) and w.lower() not in _GENERIC_WORDS]
        candidates = [w for w in candidates if w.lower() not in ("ich", "wir", "das", "die", "der", "für", "bei",
                                                                  "mit", "vom", "von", "den", "im", "in")
                      and not _ordinary_noun(w)]
        if candidates:
            names.append(candidates[-1])
    return [n for n in dict.fromkeys(names) if len(n) > 1][:10]
