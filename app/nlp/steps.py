"""From a clerk's description to process steps and the decisions between them.

The description is cut into clauses (``clauses``); every main clause with a
full verb is one activity. Its label is written as the corpus writes labels,
object first and the administrative verb in the infinitive last ("Bescheid
versenden" for "schick ihn raus"): colloquial verbs are mapped through the
verb lexicon, pronouns and elliptic objects ("den druck ich aus", "… und
schick raus") take the last object named, product names go to the step's IT
system, and clauses that are reasons, remarks, frequencies or negations stay
out of the step list. Conditional clauses ("wenn was fehlt, ruf ich an")
become decisions after the step before their consequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain import Branch, Decision

from .clauses import (OBJECT_PRONOUNS, Clause, as_question, is_finite, is_verb, retag, sentences,
                      split_clauses)
from .gazetteer import Gazetteer, is_generic_system, looks_like_actor, role_name
from .orthography import normalise
from .step_kind import classify_step
from .tagger import Token, tag, tokenize
from .verbs import PARTICLES, VerbEntry, administrative, base_of, infinitives, participle_infinitive

_LEADING = {"und", "oder", "aber", "dann", "danach", "anschließend", "zuerst", "zunächst", "erst", "erstmal",
            "erstmals", "also", "ja", "naja", "außerdem", "schließlich", "abschließend", "daraufhin", "noch",
            "nun", "jetzt", "hinterher", "nachher", "vorher", "parallel", "gleichzeitig", "zusätzlich", "ggf",
            "gegebenenfalls", "meistens", "meist", "normalerweise", "sonst", "ansonsten", "so", "halt", "eben",
            "dazu", "dabei", "zum", "schluss", "als", "erstes", "nächstes", "letztes", "im", "anschluss", "am",
            "ende", "anfang", "ganz", "direkt", "gleich", "sofort", "bei", "bedarf", "immer", "ach", "achso",
            "übrigens", "bzw", "oh", "tja", "okay", "ok"}
_TOPIC_VERB = re.compile(r"(?i)^(?:also |hallo,? )?(?:ich|wir)\s+(?:bearbeite|bearbeiten|betreue|betreuen|kümmere mich um|"
                         r"kümmern uns um)\b")
_LEADING_PREPOSITIONS = {"am", "im", "zum", "bei", "als"}
_NOT_STEP_VERBS = {"fertigen", "sein", "haben", "dauern", "brauchen", "laufen", "liegen", "passieren", "heißen", "stehen",
                   "kosten", "gelten", "passen", "reichen", "fehlen", "klappen", "wissen", "denken", "glauben",
                   "meinen", "tagen", "wollen", "sollen", "müssen", "können", "dürfen", "geben", "bleiben",
                   "handeln", "betreffen", "wohnen", "hängen", "zählen", "ändern", "finden", "lohnen",
                   "vorkommen", "sagen", "nennen", "bedeuten", "merken", "wundern", "freuen", "ärgern"}
_RECEIVE_VERBS = {"kommen", "eingehen", "reinkommen", "ankommen", "landen", "einreichen", "reinflattern",
                  "reinreichen", "einwerfen", "abgeben", "vorbeibringen", "einlaufen", "eintrudeln", "vorliegen"}
_SIGN_VERBS = {"unterschreiben", "zeichnen", "abzeichnen", "unterzeichnen", "genehmigen", "freigeben", "absegnen"}
_SKIP_NOUNS = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
               "November", "Dezember", "Vorjahr", "Jahresende", "Jahresanfang", "Quartal", "Woche", "Abend", "Morgen",
               "Vormittag", "Nachmittag", "Euro", "Prozent", "Stück", "Tag", "Tage", "Woche", "Wochen", "Monat", "Monate", "Jahr", "Jahre", "Minute", "Minuten", "Stunde",
               "Stunden", "Regel", "Fall", "Fälle", "Moment", "Zeit", "Mal", "Sache", "Sachen", "Ding", "Dinge",
               "Prinzip", "Grunde", "Schnitt", "Schluss", "Ende", "Anfang", "Zuge", "Hand", "Weg", "Rest",
               "Leute", "Bürger", "Kollegin", "Kollege", "Kollegen", "Anschluss", "Bedarf", "Hause", "Uhr",
               "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Schritt"}
_FIGURE = re.compile(r"\b(?:\d+|ein|zwei|drei|vier|fünf|zehn|zwanzig|fünfzig|hundert\w*|tausend\w*)\b.*\b(?:im jahr|pro "
                     r"jahr|jährlich|im monat|pro monat|minuten|stunden|stück|fälle|anträge im)\b", re.IGNORECASE)
_NEGATION = {"nicht", "nie", "niemals", "kein", "keine", "keinen", "keiner", "nix", "nichts"}
_END = re.compile(r"\b(?:ablehnen|ablehnung|abgelehnt|abbrechen|schluss|erledigt|ende|zurückweisen|eingestellt|"
                  r"einstellen)\b", re.IGNORECASE)
_PAPER = re.compile(r"papier|ausdruck|ausgedruckt|\bdruck|scann|händisch|abtipp|per post|postweg|fax|von hand|"
                    r"handschriftlich|schreibmaschine|zettel|ordner|abheft", re.IGNORECASE)
_NP_DETERMINERS = ("ART", "PPOSAT", "PIAT", "PDAT", "CARD", "ADJA", "ADJ(A)", "PIDAT")
_PREPOSITIONS = ("APPR", "APPRART", "APPO")
_VERB_FIXES = {"machen": "erstellen", "tun": "erledigen", "rechnen": "berechnen", "kleben": "aufkleben",
               "kommen": "entgegennehmen", "eingehen": "entgegennehmen", "reinkommen": "entgegennehmen",
               "ankommen": "entgegennehmen", "einreichen": "entgegennehmen", "landen": "entgegennehmen",
               "abgeben": "entgegennehmen", "rausgehen": "versenden", "rübergehen": "versenden",
               "zurückgehen": "versenden", "weggehen": "versenden", "rausschicken": "versenden",
               "schicken": "versenden", "eintragen": "erfassen", "tragen": "erfassen", "reinschreiben": "erfassen",
               "ausdrucken": "ausdrucken", "einscannen": "einscannen", "schauen": "prüfen", "gucken": "prüfen",
               "nachschauen": "prüfen", "nachgucken": "prüfen", "checken": "prüfen", "durchschauen": "prüfen",
               "angucken": "prüfen", "anschauen": "prüfen", "durchgucken": "prüfen", "durchgehen": "prüfen",
               "ziehen": "abrufen", "rausziehen": "abrufen", "ausmachen": "vereinbaren", "reinhacken": "erfassen",
               "weiterschicken": "weiterleiten", "weitersenden": "weiterleiten", "weitergeben": "weiterleiten",
               "rumrufen": "telefonisch anfragen", "rumtelefonieren": "telefonisch anfragen",
               "herumtelefonieren": "telefonisch anfragen", "abtelefonieren": "telefonisch anfragen", "abgehen": "begehen", "ablaufen": "begehen"}
_MANNER = re.compile(r"(?i)(?:rechnerisch|sachlich|schriftlich|telefonisch|mündlich|persönlich|elektronisch|"
                     r"formell|inhaltlich|fachlich|digital|postalisch|\w+rechtlich|\w+technisch|steuerlich|"
                     r"vorläufig|überschlägig|stichprobenartig|förmlich)$")
# Matched at the end of a compound: its last part names what it is ("Sitzungsvorlage" is a document).
_EVENT_HEADS = re.compile(r"(?:besichtigung|kontrolle|prüfung|besprechung|gespräch|sitzung|einweisung|schulung|"
                          r"anhörung|abnahme|begehung|ortstermin|bestandsaufnahme|recherche|rückfrage|beratung|"
                          r"befragung|messung|zählung|führung|übergabe|durchsicht|abstimmung|konferenz)(?:en|n|s)?$",
                          re.IGNORECASE)
_DOCUMENT_HEADS = re.compile(r"(?:bescheid|brief|vorlage|vermerk|liste|anordnung|schreiben|protokoll|bericht|termin|"
                             r"rechnung|quittung|bestätigung|bescheinigung|urkunde|ausweis|karte|kopie|ausdruck|"
                             r"meldung|mitteilung|antwort|entwurf|stellungnahme|verfügung|vertrag|aushang|eintrag|"
                             r"abrechnung|auszahlung|überweisung|buchung|zahlung|mahnung|akte|notiz|mail)(?:e|en|n|s|es|er)?$",
                             re.IGNORECASE)
_SEND_VERBS = {"schicken", "senden", "mailen", "faxen", "zuschicken", "rüberschicken", "übermitteln", "weiterleiten"}
_CONTACT_NOUN = {"anzeigen": "Anzeige", "anmelden": "Anmeldung", "beantragen": "Antrag", "anrufen": "Anruf",
                 "melden": "Meldung", "mailen": "E-Mail", "einreichen": "Antrag", "stellen": "Antrag"}
_CONTACT_VERBS = {"anzeigen", "anmelden", "vorbeibringen", "anrufen", "rufen", "schreiben", "mailen", "melden", "telefonieren", "kommen", "vorsprechen",
                  "vorbeikommen", "schicken", "beantragen", "einreichen", "abgeben", "stellen"}
_GREETING = re.compile(r"(?i)^(?:hallo|hi|guten (?:tag|morgen)|liebe|lieber|gruß|grüße|viele grüße|beste grüße|mfg|"
                       r"danke|vielen dank|anbei|hier)\b")
# "Ab 1000 Leuten machen wir …", "über 1000 Euro muss der Gemeinderat …", "bei Ausländern muss …": a step
# that happens only under a condition.
_THRESHOLD = re.compile(r"(?:ab|über|unter|bis|bei|oberhalb|unterhalb)\s+(?:(?:den|dem|der)\s+\d|\d|ein|zwei|drei|fünf|zehn|hundert|"
                        r"tausend|ausländern|bedarf|problemen|fragen|mängeln|verstößen|größeren|großen|kleinen)",
                        re.IGNORECASE)
# Sayings with a full verb that are remarks, not activities ("darauf legt er Wert").
_IDIOM = re.compile(r"(?i)\bdas war'?s\b|\bgeht(?:'s|\s+es|\s*'\s*s)?\s+(?:hier\s+|bei\s+\w+\s+)?um\b|\b(?:legt|legen|lege)\b.*\bwert\b|\bwert\b.*\b(?:legt|legen)\b|\bbescheid weiß|"
                    r"\bnimmt\b.*\bzeit\b|\bmacht\b.*\b(?:spaß|sinn|ärger|arbeit)\b|\bhat\b.*\bsich\b.*\bbewährt")
_LIST_ITEM = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-–•*])\s+")
_FILED = re.compile(r"\b(?:ab in|ablage (?:im|in|in der|in den)) (?:die|den|das|der)?\s*((?:E-)?Akte|Ordner|Ablage|Archiv|"
                    r"Registratur)\b", re.IGNORECASE)
_COMPLETE = {"da", "vollständig", "komplett", "ausgefüllt", "dabei", "fehlt", "beiliegt", "unterschrieben",
             "beisammen"}
_ASK_VERBS = {"nachfragen", "fragen", "erfragen", "nachhaken"}
_ARCHIVE_NOUNS = re.compile(r"akte|ordner|archiv|registratur|ablage|dms", re.IGNORECASE)


# How long or plain a document is does not name it: "nen kurzen Bericht schreiben" → "Bericht erstellen".
_PLAIN_ADJECTIVE = re.compile(r"(?i)^(?:kurz|knapp|klein|einfach|normal|ganz|schnell|ordentlich)(?:e|en|er|es|em)?$")


@dataclass
class Activity:
    label: str
    kind: str
    actor: str | None
    it_system: str | None
    media_break: bool
    text: str
    told_object: bool = True  # False when the object was only a pronoun or left out


@dataclass
class Reading:
    """Steps and decisions read from one description."""

    activities: list[Activity] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


@dataclass
class _Phrase:
    tokens: list[Token]
    preposition: str | None
    start: int

    @property
    def words(self) -> list[str]:
        return [t.text[:1].upper() + t.text[1:] if t.tag == "NN" else t.text for i, t in enumerate(self.tokens)
                if (t.tag not in ("ART", "PPOSAT", "PIAT", "PDAT", "PIDAT") or (i and t.text.lower() in ("der", "des")))
                and not (t.tag in ("ADJA", "ADJ(A)") and _PLAIN_ADJECTIVE.match(t.text))]

    @property
    def head(self) -> str:
        return self.tokens[-1].text


def _protect_systems(text: str, gazetteer: Gazetteer) -> tuple[str, dict[str, str]]:
    """Replace software names by single tokens so the tagger does not split them."""
    system_names: dict[str, str] = {}
    out = text
    for start, end, name in reversed(gazetteer.spans(text)):
        key = f"Sys{len(system_names)}x"
        system_names[key] = name
        out = out[:start] + key + out[end:]
    return out, system_names


def split_items(text: str) -> list[str]:
    """Enumeration items and sentences, in order (kept for callers that list sentences)."""
    return sentences(text)


def _infinitive(token: Token) -> str:
    if token.tag.startswith("VV"):
        lemma = token.lemma.lower()
        if not lemma.endswith("n"):
            if lemma.endswith(("l", "r")) and not lemma.endswith(("el", "er")):
                lemma = lemma[:-1] + "e" + lemma[-1] + "n"
            else:
                lemma = lemma + ("n" if lemma.endswith(("el", "er")) else "en")
        known = base_of(token.text)
        if known and lemma not in infinitives() and lemma not in _VERB_FIXES:
            return known  # "zieh" is "ziehen" in an office, not HanTa's "zeihen"
        if token.tag == "VV(PP)" and lemma not in infinitives() and administrative(lemma) is None:
            return participle_infinitive(token.text) or lemma  # HanTa's "eingescannen" for "eingescannt"
        return lemma
    return base_of(token.text) or token.text.lower()


def _strip_leading(tokens: list[Token]) -> list[Token]:
    i = 0
    while i < len(tokens) - 1 and tokens[i].text.lower() in _LEADING and not is_verb(tokens, i):
        if tokens[i].text.lower() in _LEADING_PREPOSITIONS and tokens[i + 1].text.lower() not in _LEADING:
            break  # "am Monatsanfang zieh ich …": the time phrase stays a phrase, not a bare object
        i += 1
    return tokens[i:]


def _main_verb(tokens: list[Token]) -> int | None:
    verbs = [i for i in range(len(tokens)) if is_verb(tokens, i)]
    if not verbs:
        return None
    nonfinite = [i for i in verbs if tokens[i].tag in ("VV(PP)", "VV(INF)", "VV(IZU)")]
    if len(nonfinite) > 1 and tokens[nonfinite[-1]].lemma.lower() == "lassen":
        return nonfinite[-2]  # "von der Schule unterschreiben lassen"
    # "lass den Amtsleiter zeichnen": the activity is the infinitive.
    return nonfinite[-1] if nonfinite else verbs[0]


def _particle(tokens: list[Token], verb: int) -> str:
    if not is_finite(tokens, verb):
        return ""
    end = len(tokens) - 1
    while end > verb and (tokens[end].text.startswith("Sys") or tokens[end].tag in ("ADV", "PTKANT")
                          and tokens[end].text.lower() not in PARTICLES):  # "ich geh die durch": a particle
        end -= 1
    for j in range(end, verb, -1):
        word = tokens[j].text.lower()
        if tokens[j].tag == "PTKVZ" or (word in PARTICLES and j == end):
            return word
        if word in PARTICLES and j + 1 <= end and tokens[j + 1].tag in ("APPR", "APPRART") \
                and tokens[j - 1].tag not in ("APPR", "APPRART") and tokens[j].text[:1].islower():
            return word  # "fordere ich das schriftlich nach mit Frist": the particle before an afterthought
        if tokens[j].tag.startswith("VV") and j != verb:
            break
    return ""


def _phrases(tokens: list[Token], skip: set[int], system_names: dict[str, str]) -> list[_Phrase]:
    """Noun phrases in order, each with the preposition that governs it (if any)."""
    out: list[_Phrase] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        is_noun = token.tag in ("NN", "NE") and i not in skip and not is_verb(tokens, i)
        if token.text in system_names:
            is_noun = is_generic_system(system_names[token.text])
        object_case = i and (token.text == "Fall" and tokens[i - 1].text.lower() in ("den", "diesen") or token.text in (
            "Sache", "Sachen") and tokens[i - 1].text.lower() in ("die", "diese") or token.text == "Anschluss"
            and tokens[i - 1].text.lower() in ("den", "einen", "der"))  # "geb den Fall ab", "trag den Anschluss nach"
        if not is_noun or (token.text in _SKIP_NOUNS and not object_case):
            i += 1
            continue
        start = i
        while start - 1 >= 0 and tokens[start - 1].tag in _NP_DETERMINERS and start - 1 not in skip \
                and not (tokens[start - 1].tag == "CARD" and "." in tokens[start - 1].text) \
                and not (tokens[start - 1].tag == "ART" and tokens[start].tag == "ART"):  # "mit dem | die Fundanzeige"
            start -= 1
        end = i
        while end + 1 < len(tokens) and tokens[end + 1].tag in ("NN", "NE") and end + 1 not in skip \
                and tokens[end + 1].text not in system_names and not is_verb(tokens, end + 1):
            end += 1
        # A genitive attribute belongs to the phrase: "den Nachweis der Fischerprüfung".
        if end + 2 < len(tokens) and tokens[end + 1].text.lower() in ("der", "des", "ihrer", "seiner", "unserer") and \
                tokens[end + 1].tag in ("ART", "PPOSAT") and tokens[end + 2].tag in ("NN", "NE") and end + 2 not in skip \
                and tokens[end + 2].text not in _SKIP_NOUNS and not is_verb(tokens, end + 2):
            end += 2
        preposition = tokens[start - 1].text.lower() if start and tokens[start - 1].tag in _PREPOSITIONS else None
        if preposition == "per":  # "per Mail oder Post": one means with its alternative
            while end + 2 < len(tokens) and tokens[end + 1].text.lower() in ("oder", "und") \
                    and tokens[end + 2].tag in ("NN", "NE") and end + 2 not in skip and not is_verb(tokens, end + 2):
                end += 2
        phrase_tokens = [system_names.get(t.text) and Token(system_names[t.text], system_names[t.text], "NE") or t
                         for t in tokens[start:end + 1]]
        out.append(_Phrase(phrase_tokens, preposition, start))
        i = end + 1
    return out


_PERSONS = {"Finder", "Finderin", "Besitzer", "Besitzerin", "Käufer", "Käuferin", "Anwohner", "Anwohnerin",
            "Eigentümerin", "Halterin", "Jubilar", "Jubilare", "Angler", "Anglerin", "Eltern", "Leute", "Bürger", "Bürgerin", "Bürgerinnen", "Antragsteller", "Antragstellerin", "Kunde",
            "Kunden", "Kundin", "Halter", "Bewohner", "Spender", "Kinder", "Mitarbeiter", "Mitarbeiterin", "Kollegin",
            "Kollege", "Kollegen", "Bauherr", "Bauherren", "Nachbarn", "Firma", "Firmen", "Veranstalter", "Pächter",
            "Mieter", "Besucher", "Schüler", "Bewerber", "Bewerberin", "Betroffene", "Betroffenen", "Angehörige",
            "Angehörigen", "Wirt", "Eigentümer", "Verein", "Vereine", "Gewerbetreibende", "Händler", "Chef", "Chefin"}


# Prepositional phrases kept in a label: the place, the recipient or the means ("im Bauantragsbuch erfassen").
PP_KEEP = {"in", "im", "ins", "an", "ans", "am", "beim", "bei", "vom", "von", "mit", "über", "übers", "zum", "zur",
           "für", "per", "nach", "auf", "aus"}


def _pp_words(phrase: _Phrase) -> list[str]:
    return [phrase.preposition or "", *phrase.words]


def _is_call(activity: Activity) -> bool:
    return activity.label.endswith(" anrufen") or activity.label == "Anrufen"


def _infinitive_of(activity: Activity) -> str:
    return activity.label.rsplit(" ", 1)[-1].lower()


_TIME_HEAD = re.compile(r"(?i)(?:anfang|ende|beginn|mitte|tag|tage|woche|wochen|monat|monats|jahr|jahres|"
                        r"morgen|abend|quartal|frist)$")


def _circumstance(phrase: _Phrase) -> bool:
    """A time or amount phrase ("am Monatsanfang", "bei den 90ern", "über 5.000 Euro"): not a place or recipient."""
    return bool(_TIME_HEAD.search(phrase.head)) or any(t.tag == "CARD" or t.text[:1].isdigit() for t in phrase.tokens)


_DMS = re.compile(r"(?i)enaio|regisafe|docuware|d\.3|d\.velop|vis|dms|akte|komxwork|eakte|archiv")
_STORE_PLACE = re.compile(r"(?i)(?:safe|tresor|schrank|fach|magazin|lager|kasse|fundschrank)$")
_LIST_PLACE = re.compile(r"(?i)(?:liste|tabelle|register|verzeichnis|kalender|datei|datenbank|buch|kartei|statistik)$")


_ROUTINES = {"zahllauf": (["Zahllauf"], "durchführen", "payment"),
             "post": (["Unterlagen", "per", "Post"], "versenden", "send"),
             "postausgang": (["Unterlagen", "per", "Post"], "versenden", "send"),
             "versand": (["Unterlagen"], "versenden", "send"),
             "umlauf": (["Vorgang", "in", "Umlauf"], "geben", "coordinate_internal"),
             "druck": (["Unterlagen"], "drucken", "print"),
             "ausschuss": (["Vorlage", "dem", "Ausschuss"], "vorlegen", "decide"),
             "gemeinderat": (["Vorlage", "dem", "Gemeinderat"], "vorlegen", "decide")}


def _into_routine(tokens: list[Token], verb: int) -> tuple[list[str], str, VerbEntry] | None:
    """"geht in den Zahllauf", "kommt in die Post": a thing handed to a routine of the office."""
    for i in range(verb + 1, len(tokens) - 1):
        if tokens[i].text.lower() in ("in", "ins", "zum", "zur", "an"):
            j = i + 1
            while j < len(tokens) - 1 and tokens[j].tag in ("ART", "ADJA", "ADJ(A)"):
                j += 1
            routine = _ROUTINES.get(tokens[j].text.lower())
            if routine is not None:
                return list(routine[0]), routine[1], VerbEntry(routine[1], routine[2])
    return None


def _destination(tokens: list[Token], verb: int, system_names: dict[str, str]) -> tuple[str, list[str]] | None:
    """Where "kommt in …" puts a thing: ("ablegen", ["in", "enaio"]) or ("erfassen", ["in", "Excel-Liste"])."""
    for i in range(verb + 1, len(tokens) - 1):
        if tokens[i].text.lower() not in ("in", "ins", "auf"):
            continue
        j = i + 1
        while j < len(tokens) - 1 and tokens[j].tag in ("ART", "PPOSAT", "ADJA", "ADJ(A)", "PIAT"):
            j += 1
        target = tokens[j]
        name = system_names.get(target.text.split("-")[0])
        shown = target.text
        for key, value in system_names.items():
            shown = shown.replace(key, value)
        if name is None and shown[:1].islower():
            shown = shown[:1].upper() + shown[1:]
        if name is not None or target.tag in ("NN", "NE"):
            if _DMS.search(name or "") or _ARCHIVE_NOUNS.search(shown):
                return "ablegen", ["in", shown]
            if tokens[i].text.lower() == "auf" and not _LIST_PLACE.search(shown):
                return None
            if _STORE_PLACE.search(shown):
                return "verwahren", ["im" if tokens[i].text.lower() == "in" and tokens[j - 1].text.lower() in (
                    "den", "das") else "in", shown]  # "das Geld kommt in den Safe"
            if name is not None or _LIST_PLACE.search(shown):
                return "erfassen", ["in" if tokens[i].text.lower() != "auf" else "auf", shown]
        return None
    return None


_GRANTS = {"erlaubnis": "erteilen", "genehmigung": "erteilen", "zustimmung": "erteilen", "befreiung": "erteilen",
           "zusage": "versenden", "bescheid": "versenden", "bescheinigung": "aushändigen", "urkunde": "aushändigen",
           "ausweis": "aushändigen", "marke": "aushändigen", "karte": "aushändigen", "plakette": "aushändigen"}


def _granted(tokens: list[Token], verb: int) -> str | None:
    """"Dann gibt's die Erlaubnis": what the office hands out, as a label ("Erlaubnis erteilen")."""
    word = tokens[verb].text.lower()
    contracted = word in ("gibts", "gibt's") or (word == "gibt" and verb + 1 < len(tokens)
                                                 and tokens[verb + 1].text.lower() in ("es", "'s", "s"))
    if not contracted:
        return None
    for token in tokens[verb + 1:]:
        if token.tag in ("NN", "NE"):
            head = token.text
            verb_text = next((v for k, v in _GRANTS.items() if head.lower().endswith(k)), None)
            return f"{head} {verb_text}" if verb_text else None
    return None


_SIGN_ROUTE = re.compile(
    r"\b(?P<to>zur|zum|der|dem)\s+(?P<who>(?-i:[A-ZÄÖÜ])[\wäöüß-]+)\s+(?:\w+\s+){0,2}?(?:zum|zur)\s+"
    r"(?P<what>unterschreiben|unterschrift|unterzeichnen|unterzeichnung|abzeichnen|zeichnen|mitzeichnung|"
    r"gegenzeichnung|freigabe|freigeben|genehmigung|genehmigen)\b", re.IGNORECASE)
_SIGN_ACT = {"unterschreiben": "unterschreiben", "unterschrift": "unterschreiben", "unterzeichnen": "unterzeichnen",
             "unterzeichnung": "unterzeichnen", "abzeichnen": "abzeichnen", "zeichnen": "abzeichnen",
             "mitzeichnung": "mitzeichnen", "gegenzeichnung": "gegenzeichnen", "freigabe": "freigeben",
             "freigeben": "freigeben", "genehmigung": "genehmigen", "genehmigen": "genehmigen"}


def _routed_for_signature(text: str) -> tuple[str, str, str] | None:
    """"der geht dann zur Amtsleitung zum Unterschreiben", "leg ich dem Bürgermeister zur Unterschrift vor":
    (who signs, "vom"/"von der", the signing verb); the document is signed by someone else."""
    match = next((m for m in _SIGN_ROUTE.finditer(text) if looks_like_actor(m.group("who"))), None)
    if match is None:
        return None
    by = "von der" if match.group("to").lower() in ("zur", "der") else "vom"
    return match.group("who"), by, _SIGN_ACT[match.group("what").lower()]


_ROLE_PRONOUNS = {"der", "die", "er", "sie"}
_DECIDES = {"ablehnen", "genehmigen", "bewilligen", "zurückweisen", "versagen", "befürworten"}


def _last_role(clause: Clause) -> str | None:
    """The role or unit a clause names last ("… gibt ihn beim Vorgesetzten ab" → "Vorgesetzten")."""
    nouns = [t for t in clause.tokens if t.tag in ("NN", "NE", "NNA")]
    return nouns[-1].text if nouns and looks_like_actor(nouns[-1].text) else None


_MISSING = re.compile(r"\b(?:fehlt|fehlen|unvollständig|nicht vollständig|nicht komplett|nicht dabei|nicht da)\b",
                      re.IGNORECASE)
_ASKS_FOR = re.compile(r"\b(?:mail\w*|e-mail|schreib\w*|anschreib\w*|brief|ruf\w*|anruf\w*|telefon\w*|"
                       r"nachfrag\w*|nachforder\w*|anforder\w*|forder\w*|frag\w*|schick\w*|meld\w*)\b",
                       re.IGNORECASE)


# "A bzw. B" is "A oder B" for the reading; the abbreviation's full stop ends no sentence or clause.
_BZW = re.compile(r"\bbzw\b\.?", re.IGNORECASE)
_HOW_OFTEN = {"sehr", "oft", "manchmal", "meistens", "meist", "häufig", "öfter", "öfters", "immer", "mal", "auch",
              "halt", "eben", "ja", "gern", "gerne", "dann", "aber", "leider", "regelmäßig", "ständig"}


def _told_missing(clause: Clause, before: Clause | None) -> str | None:
    """What is missing, when the clause says something is: "wenn die Vollmacht fehlt" → "Vollmacht",
    "Fehlt was" → "Unterlagen", "wenn nicht" after "ob alles da ist" → "Unterlagen"."""
    words = [t.text.lower() for t in clause.tokens]
    start = next((i for i, w in enumerate(words) if w not in _HOW_OFTEN), len(words))
    verb_first = clause.role == "main" and words[start:start + 1] in (["fehlt"], ["fehlen"])  # "oft fehlt die X"
    negated_check = clause.role in ("condition", "else") and words[:2] in (["wenn", "nicht"], ["falls", "nicht"]) \
        and before is not None and before.role == "complement" and bool(set(before.words) & _COMPLETE)
    if not (verb_first or negated_check or (clause.role == "condition" and _MISSING.search(clause.text))):
        return None
    named = [t.text for t in clause.tokens if t.tag in ("NN", "NE") and t.text not in _SKIP_NOUNS]
    return named[0] if named and not verb_first or (verb_first and named) else "Unterlagen"


def _request_missing(activity: Activity, what: str) -> None:
    """A contact told as the consequence of something missing requests it ("Fehlende Unterlagen per E-Mail
    nachfordern"), by the means the clerk named."""
    told = activity.text.lower()
    if activity.label.startswith("Angaben ") and activity.label.endswith(" erfragen"):
        activity.label = "Fehlende " + activity.label  # "ruf den Halter an und frag nach"
        return
    if not _ASKS_FOR.search(told) or activity.kind not in ("send", "create_document", "other", "search",
                                                           "coordinate_external", "appointment"):
        return
    means = "per E-Mail" if re.search(r"\bmail|e-mail", told) else "telefonisch" if re.search(
        r"\bruf|anruf|telefon", told) else "schriftlich" if re.search(r"brief|schreib|schriftlich", told) else ""
    thing = what if what[:1].isupper() else "Unterlagen"
    activity.label = " ".join(["Fehlende", thing, *([means] if means else []), "nachfordern"])
    activity.kind = "send"


def _sent_by_others(phrases: list[_Phrase], verb: int, own_subject: Token | None, passive: bool, base: str) -> bool:
    """"Die Parteien schicken den Antrag per Mail": someone else sends, so the office receives."""
    if own_subject is not None or passive or base not in _SEND_VERBS | {"schicken"}:
        return False
    first = next((p for p in phrases if p.preposition is None), None)
    return first is not None and first.start < verb and not _DOCUMENT_HEADS.search(first.head) \
        and any(p.preposition is None and p.start > verb for p in phrases)


# Where data is entered, filed or looked up, the software is the place and names the step
# ("Anmeldedaten in AutiSta erfassen"); a letter written in Word is not a place.
_KEPT_IN_SYSTEM = {"enter_data", "archive", "search"}
_PLACE_PREPOSITIONS = {"in", "im", "ins", "aus"}


def _with_system_place(label: str, tokens: list[Token], system_names: dict[str, str]) -> str:
    """Add the software told as the place ("erfasse alles in AutiSta") when the label names no place yet."""
    words = label.split()
    if any(w.lower() in _PLACE_PREPOSITIONS for w in words[1:-1]):
        return label
    for before, token in zip(tokens, tokens[1:]):
        name = system_names.get(token.text)
        if name and before.text.lower() in _PLACE_PREPOSITIONS and not is_generic_system(name) and name != "E-Mail":
            place = "in" if before.text.lower() == "ins" else before.text.lower()
            return " ".join([*words[:-1], place, name, words[-1]])
    return label


# What something is sent for ("zur sachlichen Prüfung", "zur Unterschrift") says which step it is.
_PURPOSE = re.compile(r"(?i)(?:ung|unterschrift|kenntnis|freigabe|stellungnahme)$")


def _coordinated_object(obj: _Phrase, phrases: list[_Phrase], tokens: list[Token]) -> _Phrase | None:
    """The second object joined by "und"/"sowie" right after the first, in a clause with one verb."""
    end = obj.start + len(obj.tokens)
    attribute = next((p for p in phrases if p.preposition == "mit" and p.start == end + 1), None)
    if attribute is not None:
        end = attribute.start + len(attribute.tokens)  # past the object's own attribute ("den Bescheid mit Auflagen")
    if end + 1 >= len(tokens) or tokens[end].text.lower() not in ("und", "sowie"):
        return None
    return next((p for p in phrases if p.start == end + 1 and p.preposition is None and not _is_person(p)
                 and not _circumstance(p)), None)


def _coordinated_recipients(pp: _Phrase, phrases: list[_Phrase], tokens: list[Token]) -> list[_Phrase]:
    """Further phrases with the same preposition joined by "und" ("an die Feuerwehr und an die Behörde")."""
    found, last = [], pp
    while True:
        end = last.start + len(last.tokens)
        if end + 2 >= len(tokens) or tokens[end].text.lower() != "und" or tokens[end + 1].text.lower() != \
                (last.preposition or ""):
            return found
        nxt = next((p for p in phrases if p.start == end + 2 and p.preposition == last.preposition), None)
        if nxt is None:
            return found
        found.append(nxt)
        last = nxt


def _plain_receipt(label: str) -> str:
    """A receipt is named by what arrives: how and where it came ("per Mail", "am Schalter", "über die
    Beratungsstelle") stays in the step's description. "Antrag auf …" names the thing itself and stays."""
    words = label.split()
    cut = next((i for i, w in enumerate(words[1:-1], 1) if w.lower() in PP_KEEP and w.lower() != "auf"), None)
    return " ".join([*words[:cut], words[-1]]) if cut is not None else label


def _is_person(phrase: _Phrase) -> bool:
    return phrase.head in _PERSONS


def _accusative(phrase: _Phrase) -> bool:
    return any(t.text.lower() in ("den", "einen", "meinen", "unseren", "ihren", "seinen", "diesen", "keinen")
               for t in phrase.tokens[:-1])


def _text(words: list[str]) -> str:
    return " ".join(words)


def _object_head(label: str) -> str | None:
    """The first noun of a label: the object it acts on ("Bescheid" in "Bescheid per Post versenden")."""
    return next((w.lower() for w in label.split()[:-1] if w[:1].isupper()), None)


def _same_activity(before: Activity, after: Activity) -> bool:
    """Two clauses that tell one activity: two receipts in a row, or the same verb on the same object."""
    if before.kind == "receive" and after.kind == "receive":
        return True
    return _infinitive_of(before) == _infinitive_of(after) and _object_head(before.label) is not None \
        and _object_head(before.label) == _object_head(after.label)


def _absorb(kept: Activity, told: Activity) -> None:
    """What the second telling adds (an IT system, a paper medium) goes into the first."""
    kept.it_system = kept.it_system or told.it_system
    kept.actor = kept.actor or told.actor
    kept.media_break = kept.media_break or told.media_break
    kept.text = f"{kept.text}, {told.text}"


class DescriptionReader:
    """Reads one description; keeps the last object named for pronouns and ellipses."""

    def __init__(self, gazetteer: Gazetteer | None = None, context: str | None = None) -> None:
        self.gazetteer = gazetteer or Gazetteer()
        self.context = context  # the last object named ("den Antrag"), for "den druck ich aus"
        self.addressee: str | None = None  # a role named last in the previous clause ("beim Vorgesetzten")
        self.acting: str | None = None  # the role a pronoun subject stood for, for the coordinated clause
        self.case: str | None = None  # what came in first ("Antrag"): what is granted or refused
        self.document: str | None = None  # the document made last ("Auskunft"): what goes out when nothing is named
        self.named_document: str | None = None  # a document the clause before named ("in eine Sammelvorlage")
        self.customer = False  # the clause before told what the customer does: "… oder er füllt das Formular aus"

    def read(self, text: str) -> Reading:
        reading = Reading()
        protected, system_names = _protect_systems(_BZW.sub("oder", text), self.gazetteer)
        all_clauses: list[Clause] = []
        for number, sentence in enumerate(sentences(protected)):
            tokens = retag(tag(normalise(tokenize(sentence)) + ["."]))
            all_clauses.extend(split_clauses(tokens, number))
        step_of_clause: dict[int, int] = {}
        missing: tuple[int, str] | None = None  # (sentence, what) after "wenn was fehlt", "fehlt die Vollmacht"
        requested: list[tuple[Activity, str]] = []
        for index, clause in enumerate(all_clauses):
            told_missing = _told_missing(clause, all_clauses[index - 1] if index else None)
            if told_missing is not None:
                missing = (clause.sentence, told_missing)
                if clause.role == "main":
                    continue  # "Fehlt was, schreib ich ne Mail": the condition, told verb first
            if clause.role != "main" and clause.role != "else":
                if clause.role in ("reason", "relative", "aside"):
                    reading.remarks.append(self._restore(clause.text, system_names))
                continue
            nxt = all_clauses[index + 1] if index + 1 < len(all_clauses) else None
            complement = nxt if nxt is not None and nxt.role == "complement" and nxt.sentence == clause.sentence \
                else None
            if not clause.coordinated:
                self.acting = None
                self.customer = False
            activity = self._activity(clause, complement, system_names)
            self.named_document = next((t.text for t in reversed(clause.tokens) if t.tag == "NN"
                                        and _DOCUMENT_HEADS.search(t.text)), None)  # for "die schreib ich in Word"
            self.addressee = _last_role(clause) if clause.role == "main" else self.addressee
            if activity is not None and index == 0 and _TOPIC_VERB.search(clause.text):
                reading.remarks.append(activity.text)  # "Ich bearbeite die Erlaubnisse für …": the process itself
                continue
            if activity is not None and reading.activities and reading.activities[-1].label == activity.label:
                continue  # "der kommt zu mir" after "der Antrag wird eingereicht": one receipt
            if activity is not None and clause.coordinated and reading.activities and \
                    _is_call(reading.activities[-1]) and _infinitive_of(activity) in _ASK_VERBS:
                called = reading.activities[-1]  # "ruf ich den Halter an und frag nach": one enquiry
                who = called.label.rsplit(" ", 1)[0]
                called.label = f"Angaben beim {who} telefonisch erfragen" if who and who != called.label \
                    else "Angaben telefonisch erfragen"
                called.kind = "search"
                continue
            if activity is not None and clause.coordinated and reading.activities and \
                    reading.activities[-1].kind == "appointment" and activity.kind.startswith("check"):
                visit = reading.activities[-1]
                _absorb(visit, activity)  # "fahr ich raus und guck's mir an": one visit
                looked_at = activity.label.rsplit(" ", 1)[0] if " " in activity.label and activity.told_object else ""
                at = visit.label.find("vor Ort") if not visit.label.startswith("Vor Ort") else 0
                if at >= 0 and looked_at and not visit.told_object:  # "fahr raus und guck mir den Baum an"
                    place = visit.label[at:]
                    visit.label = f"{looked_at} {place[:1].lower()}{place[1:]}"
                    visit.told_object = True
                step_of_clause[index] = len(reading.activities) - 1
                continue
            if activity is not None and clause.coordinated and reading.activities and \
                    _is_call(reading.activities[-1]) and activity.kind not in ("receive", "wait"):
                # "ruf bei der Familie an und mach einen Termin aus": the call is how the next activity is done
                called = reading.activities[-1]
                head, verb = activity.label.rsplit(" ", 1) if " " in activity.label else ("", activity.label)
                activity.label = f"{head} telefonisch {verb}".strip()
                activity.label = activity.label[:1].upper() + activity.label[1:]
                _absorb(activity, called)
                reading.activities[-1] = activity
                step_of_clause[index] = len(reading.activities) - 1
                continue
            if activity is None and clause.role == "main":
                activity = self._nominal(clause, system_names, listed=bool(_LIST_ITEM.search(text)))
                if activity is None and not any(is_verb(clause.tokens, i) for i in range(len(clause.tokens))):
                    nouns = [t.text for t in clause.tokens if t.tag in ("NN",) and t.text not in _SKIP_NOUNS]
                    if nouns and not self.context and not _GREETING.match(clause.text):
                        self.context = nouns[-1]  # "Abbruchanzeigen. Die kommen vom Bauherrn …"
            if activity is not None and clause.coordinated and requested and reading.activities \
                    and requested[-1][0] is reading.activities[-1] \
                    and activity.label.split()[-1] in ("nachfordern", "anfordern", "nachfragen", "erfragen"):
                _absorb(reading.activities[-1], activity)  # "schreib ich ne Mail und fordere das nach": one request
                step_of_clause[index] = len(reading.activities) - 1
                continue
            if activity is not None and missing is not None and missing[0] == clause.sentence:
                requested.append((activity, missing[1]))  # "wenn was fehlt, schreib ich ne Mail": requested
                missing = None
            if activity is not None and reading.activities and activity.kind == "receive" \
                    and not activity.told_object:
                continue  # "die kommen meistens mit", "irgendwann kommt's wieder": no new receipt mid-process
            if activity is not None and reading.activities and _same_activity(reading.activities[-1], activity):
                _absorb(reading.activities[-1], activity)  # "der Antrag wird eingereicht, der kommt zu mir"
                step_of_clause[index] = len(reading.activities) - 1
                continue
            if activity is not None:
                step_of_clause[index] = len(reading.activities)
                reading.activities.append(activity)
                if activity.kind == "receive" and self.case is None and activity.label[:1].isupper():
                    self.case = activity.label.split()[0] if activity.told_object else None
                if activity.kind == "create_document" and activity.told_object:
                    self.document = activity.label.split()[0]
        for activity, what in requested:  # after "ruf an und frag nach" became one enquiry
            _request_missing(activity, what)
        for activity in reading.activities:
            if activity.kind == "receive":
                activity.label = _plain_receipt(activity.label)
        reading.decisions = self._decisions(all_clauses, step_of_clause, reading.activities)
        return reading

    # -- one activity ---------------------------------------------------------------
    def _activity(self, clause: Clause, complement: Clause | None, system_names: dict[str, str]) -> Activity | None:
        tokens = _strip_leading(clause.tokens)
        words = {t.text.lower() for t in tokens}
        granted = next((g for g in (_granted(tokens, i) for i in range(len(tokens))) if g), None)
        if granted is not None and not words & _NEGATION:  # "wenn alles passt gibt's die Erlaubnis"
            label = granted[:1].upper() + granted[1:]
            return Activity(label=label, kind=classify_step(label, clause.text), actor=None, it_system=None,
                            media_break=bool(_PAPER.search(clause.text)), text=self._restore(clause.text, system_names))
        verb = _main_verb(tokens)
        if verb is None:
            return None
        routed = _routed_for_signature(" ".join(t.text for t in tokens))
        if routed is not None:  # "der geht dann zur Amtsleitung zum Unterschreiben"
            who, by, signing = routed
            named = [p for p in _phrases(tokens, {verb}, system_names)
                     if p.preposition is None and not _is_person(p) and not looks_like_actor(p.head)]
            thing = _text(named[0].words) if named else (self.context or "Vorgang")
            self.context = thing
            label = f"{thing} {by} {who} {signing} lassen"
            return Activity(label=self._restore(label[:1].upper() + label[1:], system_names)[:300], kind="sign_off",
                            actor=who, it_system=None, media_break=bool(_PAPER.search(clause.text)),
                            text=self._restore(clause.text, system_names))
        infinitive = _particle(tokens, verb) + _infinitive(tokens[verb])
        base = _infinitive(tokens[verb])
        tells = base in ("geben", "sagen") and any(t.text == "Bescheid" for t in tokens)  # "sag ich Bescheid"
        counts = base == "zählen" and any(t.tag == "NN" for t in tokens[verb + 1:])  # "ich zähl das Bargeld"
        if base in _NOT_STEP_VERBS and infinitive in _NOT_STEP_VERBS and not tells and not counts:
            return None
        if words & _NEGATION or _FIGURE.search(clause.text) or _IDIOM.search(clause.text):
            return None
        made = [p for p in _phrases(tokens, {verb}, system_names) if p.preposition is None]
        if base == "machen" and not any(_DOCUMENT_HEADS.search(p.head) or _EVENT_HEADS.search(p.head) for p in made) \
                and not clause.coordinated:
            return None  # "ich mache im Steueramt die Hundesteuer": who does what, not a step
        passive = any(t.lemma.lower() == "werden" and t.tag.startswith("VA") or t.tag.startswith("VM") for t in tokens) \
            and tokens[verb].tag == "VV(PP)"  # "… muss vom Amtsleiter unterschrieben (und gesiegelt werden)"
        own_subject = next((t for t in tokens if t.tag == "PPER" and t.text.lower() in ("ich", "wir", "man")), None)
        if own_subject is None and self.addressee and len(tokens) > 1 and tokens[0].text.lower() in _ROLE_PRONOUNS \
                and tokens[1].tag.endswith("(FIN)") and tokens[1].text.lower().endswith("t") and not clause.coordinated:
            self.acting = self.addressee  # "gibt den beim Vorgesetzten ab, der zeichnet ab": the role acts
        elif not (clause.coordinated and own_subject is None):
            self.acting = None
        phrases = _phrases(tokens, {verb}, system_names)
        bare = [p for p in phrases if p.preposition is None]
        moves = base in _RECEIVE_VERBS or infinitive in _RECEIVE_VERBS or base == "gehen"
        actor: str | None = None
        obj: _Phrase | None = None
        person_subject = own_subject is None and (bool(bare) and _is_person(bare[0]) and bare[0].start < verb or any(
            t.text in _PERSONS and t.tag == "NN" for t in tokens[:verb]) or (  # "die Leute rufen an"
            verb == 1 and tokens[0].text.lower() in ("die", "sie") and tokens[0].tag in ("PDS", "PPER", "ART")
            and tokens[verb].text.lower().endswith("en") and not clause.coordinated
            and (base in _CONTACT_VERBS or infinitive in _CONTACT_VERBS) and not self.addressee))  # "Die rufen an"
        someone_else = False  # a third party does it ("die Poststelle stempelt", "der Hausmeister holt das")
        customer_acts = False  # … and it is the customer ("die Eltern füllen den Antrag aus")
        if own_subject is None and any(t.text.lower() in ("einer", "jemand", "keiner") and t.tag in ("PIS", "PPER")
                                       for t in tokens):
            someone_else = True  # "alle zwei Wochen fährt da einer rum"
        if own_subject is None and not passive and not moves and bare:
            subject = next((p for p in bare if (_is_person(p) or looks_like_actor(p.head))
                            and not (p.start and tokens[p.start - 1].text.lower() == "sich")), None)  # "guckt sich die Leitung an"
            someone_else = subject is not None
            customer_acts = subject is not None and _is_person(subject) and subject.start < verb \
                and tokens[verb].tag.endswith("(FIN)")  # "Halter und Hund anlegen": an object, no subject
            pronoun_subject = any(t.tag == "PPER" and t.text.lower() in ("er", "sie", "es")
                                  for t in tokens[max(verb - 1, 0):verb + 2])  # "dann kriegt er X und Y"
            if subject is None and len(bare) > 1 and not pronoun_subject:
                subject = next((p for p in bare if not _accusative(p)), bare[0])
            if subject is not None:
                bare = [p for p in bare if p is not subject]
                if looks_like_actor(subject.head):
                    actor = _text(subject.words)
        if own_subject is None and clause.coordinated and self.customer and not person_subject \
                and not any(_is_person(p) or looks_like_actor(p.head) for p in bare if p.start < verb):
            person_subject = customer_acts = True  # "die Leute kommen vorbei oder schreiben per Formular"
        self.customer = own_subject is None and (person_subject or customer_acts or (
            base in _SEND_VERBS | {"schicken", "bringen", "vorbeibringen"}
            and any(t.text.lower() in ("uns", "mir") for t in tokens)))  # "schickt der uns nen Antrag"
        told = [p for p in bare if not _circumstance(p)] or bare  # "schicken Anfang des Jahres eine Liste"
        if moves and len(told) > 1 and told[0].start < verb < told[1].start \
                and any(t.text.lower() in ("uns", "mir") for t in tokens):
            told = told[1:]  # "der Bestatter bringt uns die Unterlagen vorbei": the sender first, then what arrives
        obj = next((p for p in told if _accusative(p)), None) or next(
            (p for p in told if not (moves and _is_person(p))), None)
        pronoun = any(t.text.lower() in OBJECT_PRONOUNS and t.tag in ("PPER", "PDS", "PIS", "ART", "PRELS")
                      for t in tokens if t is not own_subject) \
            or (moves and any(t.text.lower() in ("der", "die", "das", "er", "sie", "es") for t in tokens[:2])) \
            or (passive and any(t.text.lower() in ("er", "sie", "es") and t.tag == "PPER" for t in tokens)) \
            or (passive and tokens[0].text.lower() in ("der", "die", "das", "dieser", "diese", "dieses")
                and len(tokens) > 1 and tokens[1].tag not in ("NN", "NE", "ADJA"))  # "der muss … unterschrieben werden"
        object_words: list[str] = obj.words if obj else []
        calls = infinitive in ("anrufen", "telefonieren") or base in ("anrufen", "telefonieren")
        borrowed = False  # the object is the one named before ("den druck ich aus")
        if not object_words and obj is None and any(t.text.lower() == "alles" and t.tag in ("PIS", "PIAT")
                                                    for t in tokens[verb:]):
            hint = administrative(infinitive) or administrative(base)
            object_words = ["Vorgang"] if hint is not None and hint.kind == "archive" else ["Unterlagen"]  # "leg alles ab"
            borrowed = True
        if not object_words and pronoun and self.named_document and self.named_document != self.context \
                and (base in _WRITE_VERBS or infinitive in _WRITE_VERBS):
            object_words = [self.named_document]  # "kommen in eine Sammelvorlage, die schreib ich in Word"
            borrowed = True
        if not object_words and (pronoun or clause.coordinated) and self.context and not calls:
            object_words = self.context.split()
            if self.document and (base in _SEND_VERBS or infinitive in _SEND_VERBS) \
                    and not _DOCUMENT_HEADS.search(object_words[-1]):
                object_words = [self.document]  # "schreib den Bescheid, rechne die Gebühr aus und schick das raus"
            borrowed = True
        pp = next((p for p in phrases if p.preposition is not None and p is not obj and not _circumstance(p)), None)
        if not object_words and moves and pp is not None and pp.preposition == "mit":
            object_words, pp = pp.words, None  # "der Antragsteller kommt mit seinem Prüfungszeugnis vorbei"
        if not object_words and pp is not None and pp.preposition in ("ins", "in", "im", "an", "ans", "zum", "zur"):
            object_words = pp.words
        elif pp is not None and pp.preposition in PP_KEEP:
            object_words = [*object_words, *_pp_words(pp)]
        recipients = _coordinated_recipients(pp, phrases, tokens) if pp is not None and object_words \
            and object_words[-len(pp.words):] == pp.words else []
        for other in recipients:  # "an die Feuerwehr und an die Naturschutzbehörde": both get it
            object_words = [*object_words, "und", *other.words]
            pp = other
        purpose = next((p for p in phrases if pp is not None and p.preposition in ("zur", "zum")
                        and p.start == pp.start + len(pp.tokens) + 1 and _PURPOSE.search(p.head)), None)
        if purpose is not None and object_words:
            object_words = [*object_words, *_pp_words(purpose)]  # "an den Fachbereich zur sachlichen Prüfung"
        also = _coordinated_object(obj, phrases, tokens) if obj is not None and object_words[:len(obj.words)] == \
            obj.words else None
        if also is not None:  # "kriegt den Bescheid mit Auflagen und die Kosten": both go out
            object_words = [*object_words, "und", *also.words]
        if obj is not None:
            self.context = _text(obj.words)
        if actor is None and self.acting and not passive:
            actor = self.acting
        entry = administrative(infinitive) or administrative(base)
        verb_text = _VERB_FIXES.get(infinitive) or (entry.administrative if entry else _VERB_FIXES.get(base, infinitive))
        if base == "machen" and obj is not None and _EVENT_HEADS.search(obj.head):
            verb_text = "durchführen"
        if base == "schreiben" and infinitive == "schreiben" and pp is not None and pp.preposition in ("in", "ins") \
                and _RECORDS.search(pp.head):
            verb_text, entry = "erfassen", administrative("erfassen")  # "schreib die Spende in unsere Liste"
        if not object_words and obj is None and self.context and not calls \
                and (entry.kind if entry is not None else classify_step(verb_text, "")) in _NEEDS_OBJECT \
                and (own_subject is not None or clause.coordinated or verb == 0):
            object_words = self.context.split()  # "ich prüf rechnerisch, kontier und buch": the invoice
            borrowed = True
        if tells:  # "dem Steueramt sag ich Bescheid", "ich geb der Kasse Bescheid": the recipient is informed
            told = [[w for w in p.words if w != "Bescheid"] for p in phrases if p.preposition is None]
            told = [words for words in told if words]
            verb_text = "informieren"
            object_words = told[0] if told else ["Beteiligte"]
            entry = None
        words_lower = [t.text.lower() for t in tokens]
        if base in _SEND_VERBS and ("uns" in words_lower or "mir" in words_lower):
            verb_text = "entgegennehmen"  # "das Portal schickt uns ne Mail": received, not sent
            entry = None
        elif base == "gehen" and own_subject is not None and not (entry is not None and entry.kind.startswith("check")):
            return None  # "dann geh ich rüber an den Karteischrank": the clerk walks ("ich geh die durch" checks)
        elif base == "gehen" and any(p.preposition in ("per", "an", "ans", "zum", "zur") for p in phrases):
            verb_text = "versenden"  # "die Liste geht per Mail an die Schule"
        elif base in ("kriegen", "bekommen", "erhalten") and own_subject is None and (person_subject or (
                phrases and phrases[0].preposition is None and phrases[0].start < verb) or any(
                t.tag in ("PPER", "PDS") and t.text.lower() in ("er", "sie", "die", "der") for t in tokens[:verb + 2]) or any(
                _is_person(p) and p.start == verb + 1 for p in phrases) or " ".join(words_lower).count("von uns")
                or " ".join(words_lower).count("von mir")):  # "kriegt der Bürger von uns eine Nachricht"
            verb_text = "versenden"  # "dann kriegt er den Bescheid": sent from the office's point of view
            entry = None
            if re.search(r"(?i)\bin die hand\b|\bgegen unterschrift\b|\bgleich mit\b|\bdirekt mit\b|"
                         r"\bam schalter\b|\bvor ort\b", clause.text):
                verb_text = "aushändigen"  # "dann kriegen sie den Schein in die Hand"
            receivers = [p for p in phrases if p.preposition is None and p.start < verb]
            sent = [p for p in phrases if p.preposition is None and p.start > verb]
            if receivers and sent:  # "Post und Versorger kriegen ne Info": the Info goes to them
                named = [w for p in receivers for w in p.words]
                object_words = [*sent[0].words, "an", *(" und ".join(" ".join(p.words) for p in receivers)).split()] \
                    if len(named) <= 4 else sent[0].words
                obj = sent[0]
        elif base == "schreiben" and infinitive == "schreiben" and not bare and pp is not None \
                and pp.preposition in ("an", "ans") and (_is_person(pp) or looks_like_actor(pp.head)):
            object_words, verb_text, entry = pp.words, "anschreiben", None  # "dann schreib ich ans Jobcenter"
        elif base == "schreiben" and infinitive == "schreiben" and not any(
                _accusative(p) and not _is_person(p) for p in phrases if p.preposition is None) and any(
                _is_person(p) and any(t.text.lower() in ("dem", "der", "den") for t in p.tokens)
                for p in phrases if p.preposition is None):
            person = next(p for p in phrases if p.preposition is None and _is_person(p))
            object_words, verb_text, entry = person.words, "anschreiben", None  # "schreib dem Eigentümer"
        elif (person_subject or _sent_by_others(phrases, verb, own_subject, passive, base)) \
                and (base in _CONTACT_VERBS or infinitive in _CONTACT_VERBS):
            verb_text = "entgegennehmen"  # "die Leute rufen an oder schreiben ne Mail"
            entry = None
            if not object_words:
                object_words = [_CONTACT_NOUN.get(infinitive, _CONTACT_NOUN.get(base, "Meldung"))]
        elif own_subject is None and not passive and tokens[0].tag in ("PDS", "PPER") and tokens[0].text.lower() in (
                "die", "der", "sie", "er") and base in _SEND_VERBS | {"schicken"} and object_words and not borrowed \
                and not any(p.preposition in ("an", "ans") for p in phrases):
            verb_text, entry = "entgegennehmen", None  # "die schicken bis März den Antrag zurück": it reaches us
        into = _into_routine(tokens, verb) if base in ("kommen", "gehen", "wandern") else None
        if into is not None:  # "dann geht's in den Zahllauf", "das geht in die Post"
            object_words, verb_text, entry = into
        destination = _destination(tokens, verb, system_names) \
            if base in ("kommen", "wandern", "landen") and into is None else None
        if destination is not None:
            # "zum Schluss kommt alles in die Bauakte", "jeder Kontakt kommt in unsere Excel-Liste",
            # "die kommt in enaio": filed or entered, not received.
            verb_text, place = destination
            entry = None
            thing = obj.words if obj is not None and not _is_person(obj) and obj.start < verb else (
                self.context.split() if self.context else ["Unterlagen"])
            object_words = [*thing, *place]
        if infinitive == "abgeben" and own_subject is not None and verb_text == "entgegennehmen":
            verb_text, entry = "abgeben", None  # "den Antrag geb ich beim Amtsleiter ab": handed over, not received
        if verb_text == "versenden" and obj is not None and obj.start > verb and looks_like_actor(obj.head) \
                and own_subject is not None and not any(p.preposition in ("an", "ans", "per") for p in phrases):
            verb_text, entry = "beauftragen", None  # "dann schick ich den Bauhof raus": the Bauhof is sent, not posted
        if base in _SEND_VERBS | {"geben", "reichen"} and any(t.text.lower() == "weiter" for t in tokens[verb + 1:]) \
                and verb_text in ("versenden", "senden", "geben", "reichen", "weitergeben", "weiterreichen"):
            verb_text = "weiterleiten"  # "den Antrag schick ich gleich weiter ans Landratsamt"
        if complement is not None and verb_text.endswith("prüfen"):
            told = [t.text for t in complement.tokens if t.tag == "NN" and t.text not in _SKIP_NOUNS]
            if complement.words[1:2] == ["alles"] and self.context:
                told = self.context.split()  # "ob alles drin ist, Standort, Uhrzeit …": what came in is checked
            if (not object_words or borrowed) and told:
                object_words = told[:1]  # "prüf ob alle Unterlagen da sind", "… und prüf ob der Spender …"
                borrowed = False
            if not object_words and self.context:
                object_words = self.context.split()  # "ich prüfe, ob er vollständig ist"
            if set(complement.words) & _COMPLETE or {"alles", "drin"} <= set(complement.words):
                verb_text = "auf Vollständigkeit prüfen"  # "ob alles drin ist", not "ob ne Sperre drin ist"
            elif (criterion := _criterion(complement)) is not None:
                verb_text = f"auf {criterion} prüfen"  # "ob der Einsatz kostenpflichtig ist" → "auf Kostenpflicht"
        if actor is not None and actor == self.acting:
            actor = role_name(actor)  # the label keeps "vom Vorgesetzten", the step's actor is "Vorgesetzte"
            if base in _SIGN_VERBS or infinitive in _SIGN_VERBS:
                verb_text = f"{'von der' if self.acting.endswith(('ung', 'stelle')) else 'vom'} {self.acting} {verb_text} lassen"
        elif actor and (base in _SIGN_VERBS or infinitive in _SIGN_VERBS):
            verb_text = f"vom {actor} {verb_text} lassen"
        elif passive and (base in _SIGN_VERBS or infinitive in _SIGN_VERBS) and pp is not None \
                and pp.preposition in ("von", "vom") and not verb_text.endswith("lassen"):
            verb_text = f"{verb_text} lassen"  # "der muss vom Amtsleiter unterschrieben werden": signed by someone else
        elif any(t.lemma.lower() == "lassen" and t.tag == "VV(INF)" for t in tokens[verb + 1:]) \
                and not verb_text.endswith("lassen"):
            by = next((p for p in phrases if p.preposition in ("von", "vom")), None)
            verb_text = f"{_text(_pp_words(by))} {verb_text} lassen" if by is not None else f"{verb_text} lassen"
            if by is not None and by is pp and object_words[-len(_pp_words(by)):] == _pp_words(by):
                object_words = object_words[:-len(_pp_words(by))]
        if base in ("zahlen", "bezahlen", "einzahlen") and own_subject is None:
            verb_text, entry = "kassieren", None  # "die zahlen bar": the office takes the fee
            if not object_words or object_words[0].lower() in PP_KEEP:
                object_words = ["Gebühr", *object_words]  # "bezahlt wird mit Karte": the fee, by card
        if not object_words and self.case and (infinitive in _DECIDES or base in _DECIDES):
            object_words = [self.case]  # "wenn der Baum gesund ist, lehnen wir ab": the application is refused
            borrowed = True
        if verb_text.startswith("vor Ort") and not object_words and self.context \
                and self.context.split()[-1] not in ("Mail", "E-Mail", "Brief", "Post", "Anruf", "Fax", "Nachricht"):
            object_words = self.context.split()  # "fahr ich raus": to see what was just named
            borrowed = True
        if obj is None and not borrowed and verb_text in ("versenden", "weiterleiten", "aushändigen") \
                and (self.document or self.context) and (not object_words or object_words[0].lower() in PP_KEEP):
            # "Geht dann per Mail oder Post raus": the document made last goes out
            object_words = [*(self.document or self.context or "").split(), *object_words]
            borrowed = True
        core = " ".join([*(obj.words if obj else []), verb_text]).strip()
        manner = [t.text.lower() for t in tokens if t.tag in ("ADJD", "ADJ(D)") and _MANNER.match(t.text)
                  and t.text.lower() not in verb_text]
        if object_words and object_words[0].lower() in PP_KEEP and verb_text in ("versenden", "weiterleiten"):
            object_words = [*(self.document or self.context or "Unterlagen").split(), *object_words]  # "das geht per Post raus"
        label = " ".join([*object_words, *manner[:1], verb_text]).strip()
        label = re.sub(r"(?i)\b(\w+)(\s+\1\b)+", r"\1", label)  # "per per Post"
        label = self._restore(label, system_names)
        label = label[:1].upper() + label[1:]
        raw = self._restore(clause.text, system_names)
        systems = [system_names[t.text] for t in tokens if t.text in system_names]
        specific = [s for s in systems if not is_generic_system(s)]
        system = (specific or systems or [None])[0]
        if system == "E-Mail":
            system = None
        kind = classify_step(self._restore(core, system_names), raw)  # the label without its place
        if entry is not None and kind == "other":
            kind = entry.kind
        if verb_text == "abgeben":
            kind = "coordinate_internal"  # handed over to another unit of the house ("an die Gemeindekasse")
        if kind in _KEPT_IN_SYSTEM:
            label = _with_system_place(label, tokens, system_names)
        if kind == "other" and entry is None and infinitive not in infinitives() \
                and base not in infinitives() and infinitive not in _VERB_FIXES:
            return None  # "Freunde unterkommen", "Nacht schlafen": not an activity of the office
        if customer_acts and kind not in ("receive", "send", "sign_off", "payment", "appointment") \
                and verb_text != "entgegennehmen":
            return None  # "die Eltern füllen den Antrag aus": the customer's doing, not a step of the office
        if kind == "other" and someone_else and not clause.coordinated:
            return None  # what others do on their own, with no building block of the office: a remark
        if kind == "receive" and (someone_else or (self.acting and actor == role_name(self.acting))):
            actor = None  # "die Schulen schicken mir die Liste": what reaches the office is not the sender's step
        if actor is None:  # "… vom Bürgermeister unterschreiben lassen": the one who signs acts
            signer = re.search(r"\bvo(?:m|n der|n)\s+([A-ZÄÖÜ][\wäöüß-]+)\s+(?:\w+\s+)?\w+\s+lassen$", label)
            actor = signer.group(1) if signer and looks_like_actor(signer.group(1)) else None
        return Activity(label=label[:300], kind=kind, actor=actor, it_system=system,
                        media_break=bool(_PAPER.search(raw)) or kind in ("print", "scan"), text=raw,
                        told_object=not borrowed and bool(object_words))

    def _nominal(self, clause: Clause, system_names: dict[str, str], listed: bool) -> Activity | None:
        """A step told without a verb: a list item ("- Zusage oder Absage an den Schüler") or "ab in die Akte"."""
        tokens = _strip_leading(clause.tokens)
        if any(is_verb(tokens, i) or t.tag.startswith(("VA", "VM")) for i, t in enumerate(tokens)):
            return None
        text = self._restore(" ".join(t.text for t in tokens), system_names)
        routine_kind = None
        filed = _FILED.search(text)
        if filed and re.match(r"(?i)ablage", filed.group(0)):
            label = f"Vorgang im {filed.group(1)} ablegen" if not self.context else f"{self.context} im {filed.group(1)} ablegen"
        elif filed:
            label = " ".join([*(self.context.split() if self.context else []), "in", filed.group(1), "ablegen"])
        elif tokens and tokens[-1].text.lower() in ("raus", "hinaus") and any(t.tag in ("NN", "NE") for t in tokens):
            # "Dann Dankschreiben und Zuwendungsbestätigung raus": sent
            sent = [t.text for t in tokens[:-1] if t.tag in ("NN", "NE", "KON") or t.text.lower() in ("per", "mit")]
            label = " ".join([*" ".join(sent).strip(" und oder").split(), "versenden"])
        elif (telegraphic := self._telegraphic(tokens, system_names)) is not None:
            label, routine_kind = telegraphic  # "dann Umlaufmappe ans Fachamt", "Beleg in den Ordner", "Zahllauf …"
        elif listed and any(t.tag in ("NN", "NE") for t in tokens) and not _FIGURE.search(text) \
                and not set(t.text.lower() for t in tokens) & _NEGATION and not _GREETING.match(text) \
                and len(tokens) >= 2 or (listed and len(tokens) == 1 and tokens[0].tag == "NN" and len(tokens[0].text) > 12):
            label = re.sub(r"^(?:(?:am\s+)?(?:ersten|letzten)\s+tag|am ende|am anfang|ende|zum schluss|danach|dann)\s+",
                           "", text, flags=re.IGNORECASE)
        else:
            return None
        label = label[:1].upper() + label[1:]
        kind = routine_kind or classify_step(label, text)
        return Activity(label=label[:300], kind=kind, actor=None, it_system=None,
                        media_break=bool(_PAPER.search(text)), text=text)

    def _telegraphic(self, tokens: list[Token], system_names: dict[str, str]) -> tuple[str, str | None] | None:
        """A step told in note style, without a verb: "X an Y" goes to Y, "X in den Ordner" is filed,
        "X in die Liste" is entered, a routine ("Zahllauf") is carried out."""
        words = {t.text.lower() for t in tokens}
        if _FIGURE.search(" ".join(t.text for t in tokens)) or words & _NEGATION:
            return None
        phrases = _phrases(tokens, set(), system_names)
        if len(phrases) == 1 and phrases[0].preposition is None and phrases[0].head.lower() in _ROUTINES \
                and _ROUTINES[phrases[0].head.lower()][1] == "durchführen":
            thing, verb, kind = _ROUTINES[phrases[0].head.lower()]
            return " ".join([*thing, verb]), kind
        if len(phrases) != 2 or phrases[0].preposition is not None or phrases[1].preposition is None \
                or _is_person(phrases[0]) or _circumstance(phrases[0]) or phrases[0].start > 1:
            return None
        thing, place = phrases
        if place.preposition in ("an", "ans", "zum", "zur") and (looks_like_actor(place.head) or _is_person(place)):
            verb = "versenden"
        elif place.preposition in ("in", "ins") and _ARCHIVE_NOUNS.search(place.head):
            verb = "ablegen"
        elif place.preposition in ("in", "ins") and (_LIST_PLACE.search(place.head) or place.head in system_names.values()):
            verb = "erfassen"
        else:
            return None
        preposition = {"ans": "an", "ins": "in"}.get(place.preposition, place.preposition)
        return " ".join([*thing.words, preposition, *place.words, verb]), None

    @staticmethod
    def _restore(text: str, system_names: dict[str, str]) -> str:
        for key, name in system_names.items():
            text = text.replace(key, name)
        return text

    # -- decisions ---------------------------------------------------------------------
    def _decisions(self, all_clauses: list[Clause], step_of_clause: dict[int, int],
                   activities: list[Activity]) -> list[Decision]:
        count = len(activities)
        decisions: list[Decision] = []
        for index, clause in enumerate(all_clauses):
            threshold = index in step_of_clause and _THRESHOLD.match(" ".join(clause.words[:3]))
            negated_condition = clause.role == "else" and clause.words[:1] in (["wenn"], ["falls"])
            if clause.role != "condition" and not threshold and not negated_condition:
                continue
            same = [i for i in step_of_clause if all_clauses[i].sentence == clause.sentence]
            after = [i for i in same if i > index]
            before = [i for i in same if i < index]
            # A threshold governs its clause and what follows it in the sentence ("bei den 90ern ruf ich an,
            # mach einen Termin aus, bestell den Präsentkorb").
            otherwise_at = next((j for j in range(index + 1, len(all_clauses)) if all_clauses[j].sentence == clause.sentence
                                 and all_clauses[j].role == "else" and all_clauses[j].words[:1] not in (["wenn"], ["falls"])),
                                None) if clause.role == "condition" else None
            otherwise = [i for i in after if otherwise_at is not None and i >= otherwise_at]
            after = [i for i in after if i not in otherwise]  # "…, sonst genehmigen wir": the other branch's step
            goes_on = next((k for k, i in enumerate(after) if k and not all_clauses[i].coordinated
                            and all_clauses[i].words[:1] in (["dann"], ["danach"], ["anschließend"])), None)
            if goes_on is not None and not threshold:
                after = after[:goes_on]  # "wenn was fehlt ruf ich an, dann trag ich's ein": both branches go on
            consequence = [i for i in same if i >= index] if threshold else (after or before[-1:])
            if not consequence:
                continue
            first = step_of_clause[consequence[0]]
            last = step_of_clause[consequence[-1]]
            if first == 0 or activities[first].kind == "receive":
                continue  # "wenn jemand seinen Hund anmeldet, kommt das Formular": the trigger, not a decision
            words = clause.tokens if threshold else clause.tokens[1:]
            if not threshold and clause.words[:1] in (["wenns"], ["wenn's"], ["falls's"]):
                words = [Token("es", "es", "PPER"), *words]  # "wenns unsere ist": "es" is the subject
            condition = " ".join(t.text for t in (words[:3] if threshold else words)).strip() or "ja"
            named = [a for a in activities[:first] if a.told_object]
            article = {"der": "der", "die": "die", "das": "das", "er": "der", "sie": "die", "es": "das", "'s": "das",
                       "s": "das"}.get(words[0].text.lower()) if words else None
            if not threshold and article and (words[0].tag in ("PDS", "ART", "PRELS", "PPER")
                                              or words[0].text.lower() in ("'s", "s")) \
                    and named and len(words) > 1 and words[1].tag not in ("NN", "NE"):
                thing = _object_head(named[-1].label)  # "wenn der gesund ist" after "guck mir den Baum an"
                if thing and not _refers_to(words[0].text, thing):
                    thing = None  # "wenn er sich nicht selbst helfen kann": a person, not the "Gespräch"
                if thing:
                    if words[0].text.lower() in ("es", "'s", "s"):  # "wenn es unsere ist" after "Straße prüfen"
                        article = noun_article(thing) or article
                    condition = f"{article} {thing[:1].upper()}{thing[1:]} " + " ".join(t.text for t in words[1:])
            condition = re.sub(r"^'\s*s\s+", "", condition)
            condition = re.sub(r"\s+'\s*s\b", "'s", condition)  # "gibt ' s" → "gibt's"
            bare_answer = clause.words[1:2] in (["nicht"], ["ja"], ["nein"], ["doch"])  # "wenn nicht", "wenn ja"
            if bare_answer and _other_answer(decisions, clause.words[1], first + 1):
                continue  # "wenn nicht … Wenn ja …": the other way of the decision just told, not a new one
            asked = _yes_no_question(all_clauses[:index]) if negated_condition or bare_answer else None
            other = step_of_clause[otherwise[0]] + 1 if otherwise else (last + 2 if last + 1 < count else None)
            said, otherwise = condition[:300], "sonst"
            if asked:  # "Wohnen die wirklich im Gebiet?" – "wenn nicht …" / "wenn ja …"
                said, otherwise = ("ja", "nein") if clause.words[1:2] in (["ja"], ["doch"]) else ("nein", "ja")
            branches = [Branch(condition=said, goto_step=first + 1), Branch(condition=otherwise, goto_step=other)]
            if bare_answer and not asked and clause.words[1:2] == ["nicht"]:
                # "Die Karten gehen raus. Wenn nicht, …": asked after the step before the condition
                asked = _did_it_work(activities[first - 1].label)
                said, otherwise = "nein", "ja"
                branches = [Branch(condition=said, goto_step=first + 1), Branch(condition=otherwise, goto_step=other)]
            question = asked or as_question(condition)
            if not asked and question.rstrip("?").lower() != condition.lower():
                said, otherwise = "ja", "nein"  # "Ist der Baum gesund?": yes or no
                branches = [Branch(condition=said, goto_step=first + 1), Branch(condition=otherwise, goto_step=other)]
            if all(d.after_step != first for d in decisions):
                decisions.append(Decision(after_step=first, question=question[:300], branches=branches))
        return decisions


def _other_answer(decisions: list[Decision], answer: str, goto: int) -> bool:
    """A bare "wenn ja" after a decision told by a bare "wenn nicht" (or the reverse) answers the same question:
    its step becomes that decision's other way."""
    if not decisions:
        return False
    last = decisions[-1]
    told = "ja" if answer in ("ja", "doch") else "nein"
    conditions = [b.condition for b in last.branches]
    if sorted(conditions) != ["ja", "nein"] or last.branches[0].condition == told or goto <= last.after_step:
        return False
    last.branches[1] = Branch(condition=told, goto_step=goto)
    return True


_WRITE_VERBS = {"schreiben", "erstellen", "verfassen", "tippen", "fertigmachen", "aufsetzen", "entwerfen", "machen"}
_RECORDS = re.compile(r"(?i)(?:liste|tabelle|excel|buch|register|kartei|kalender|programm|datei|statistik)$")
_NEEDS_OBJECT = {"check_formal", "check_content", "print", "scan", "archive", "enter_data", "sign_off", "edit_document"}
_CRITERIA = {"frei": "Verfügbarkeit", "plausibel": "Plausibilität", "korrekt": "Korrektheit", "aktuell": "Aktualität",
             "berechtigt": "Berechtigung", "echt": "Echtheit", "gesund": "Gesundheit", "vollzählig": "Vollzähligkeit"}


def _criterion(complement: Clause) -> str | None:
    """What an "ob" clause checks, as a noun: "ob der Einsatz kostenpflichtig ist" → "Kostenpflicht",
    "ob der Widerspruch fristgerecht ist" → "Fristgerechtigkeit", "ob es zulässig ist" → "Zulässigkeit"."""
    tokens = [t for t in complement.tokens if t.text not in (",", ".")]
    end = next((i for i in range(len(tokens) - 1, 1, -1) if tokens[i].text.lower() in ("ist", "sind", "wäre", "wären")),
               None)  # "ob der Einsatz kostenpflichtig ist, also z. B. …"
    if end is None:
        return None
    tokens = tokens[:end + 1]
    adjective = tokens[-2].text.lower()
    if tokens[-2].tag not in ("ADJD", "ADJ(D)", "VV(PP)") or not adjective.isalpha():
        return None
    if adjective in _CRITERIA:
        return _CRITERIA[adjective]
    if adjective.endswith("pflichtig"):
        noun = adjective[:-2]
    elif adjective.endswith("gerecht"):
        noun = adjective + "igkeit"
    elif adjective.endswith(("ig", "lich", "bar", "sam")):
        noun = adjective + "keit"
    else:
        return None
    return noun[:1].upper() + noun[1:]


def _refers_to(pronoun: str, thing: str) -> bool:
    """Whether a personal pronoun can stand for ``thing``: only when the noun's ending tells its gender
    and it agrees ("wenn sie frei ist" after "Halle prüfen"); a demonstrative ("wenn der gesund ist")
    points back to the thing named last."""
    gender = {"er": "der", "sie": "die"}.get(pronoun.lower())
    if pronoun.lower() not in ("er", "sie", "es", "'s", "s"):
        return True
    article = noun_article(thing)
    return article is not None and (gender is None or article == gender)


_CHECKING = ("prüfen", "kontrollieren", "abgleichen", "sichten", "durchsehen", "überprüfen", "vergleichen")


def _did_it_work(label: str) -> str:
    """The yes/no question a bare "wenn nicht" asks about the step before it."""
    if label.split()[-1:] and label.split()[-1] in _CHECKING:
        return f"Ist bei „{label}“ alles in Ordnung?"
    return f"Hat „{label}“ geklappt?"


_FEMININE = re.compile(r"(?:ung|heit|keit|schaft|ion|tät|ik|ei|ur|e)$")
_MASCULINE = re.compile(r"(?:er|ling|ig|or|ismus|ant|ent|ist)$")
_NEUTER = re.compile(r"(?:chen|lein|ment|ium|eum|trum|tum|nis)$")


def noun_article(noun: str) -> str | None:
    """The definite article of a noun by its ending (of the last part of a compound), where the ending tells it."""
    word = noun.lower()
    for pattern, article in ((_NEUTER, "das"), (_FEMININE, "die"), (_MASCULINE, "der")):
        if pattern.search(word):
            return article
    return None


def _yes_no_question(before: list[Clause]) -> str | None:
    """"ich guck, ob die wirklich im Gebiet wohnen, wenn nicht …": the question is the "ob" clause asked
    ("Wohnen die wirklich im Gebiet?")."""
    if not before or before[-1].role != "complement" or before[-1].words[:1] != ["ob"]:
        return None
    words = [t.text for t in before[-1].tokens[1:]]
    if len(words) < 2:
        return None
    verb = words[-1]
    question = " ".join([verb[:1].upper() + verb[1:], *words[:-1]])
    return re.sub(r"\s+'\s*s\b", "'s", question) + "?"


def read_description(text: str, gazetteer: Gazetteer | None = None, context: str | None = None) -> Reading:
    """Steps, decisions and remarks of one description."""
    return DescriptionReader(gazetteer, context).read(text)


def activities(text: str, gazetteer: Gazetteer | None = None) -> list[Activity]:
    """One activity per activity clause of the description, in order."""
    return read_description(text, gazetteer).activities
