"""First guess of a step's building-block kind from its German wording.

Imported catalogues (KOOS, spreadsheets) name their steps but do not say
which of the 20 building blocks a step is; the interviewer needs the same
guess for what a clerk types. A transparent table of weighted patterns is
enough for the short, formulaic labels of administrative processes, runs
offline in microseconds and can be corrected rule by rule.

How a label is scored:

* Texts are normalised: lower case, umlauts spelt out (ä → ae, ß → ss),
  everything that is not a letter or digit becomes a single space. Patterns
  are written against that form and mostly match word stems, because German
  compounds hide the verb inside a noun ("Vollständigkeitsprüfung").
* Every rule whose pattern occurs in the label adds its weight to its kind;
  several hits of one kind count as the strongest plus half of the others,
  because overlapping patterns often fire on the same word.
* A hit on the last word of a clause earns a bonus: terse labels put the
  verb last ("Ablehnungsbescheid versenden" is about sending, not
  rejecting). Whole sentences ("Ich prüfe, ob …") are exempt. A hit in the
  first clause (before "und", "/", ",") earns a smaller bonus, because
  combined labels name their main activity first.
* The description only counts with a reduced weight: it explains the label
  and often mentions neighbouring activities. If the label itself hits no
  rule ("Abschluss"), the description counts in full. Quoted passages are dropped
  from it (KOOS quotes topic names such as 'Zahlungsverkehr').
* Specific phrases carry higher weights than the generic verbs they contain,
  e.g. "Bescheid erhalten" (the citizen's view of the authority *sending*)
  outweighs "erhalten" (receive).
* The kind with the highest score wins; ties go to the more specific kind
  (order of ``_PRIORITY``). Below ``_MIN_SCORE`` the step is ``other``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .kind_neighbours import KindIndex

from app.domain.catalogue import KINDS

_DESCRIPTION_WEIGHT = 0.35
_FIRST_CLAUSE_BONUS = 0.25
_VERB_BONUS = 0.5
_STACKING = 0.5
_MIN_SCORE = 1.0
# Weight of the rules against the corpus neighbours' vote (see ``combine``).
RULE_WEIGHT = 0.5


@dataclass(frozen=True)
class Rule:
    """One weighted pattern: if it occurs, ``kind`` gains ``weight``."""

    kind: str
    weight: float
    pattern: re.Pattern[str]


def _rules(kind: str, weight: float, *patterns: str) -> list[Rule]:
    return [Rule(kind, weight, re.compile(p)) for p in patterns]


# Patterns are matched against normalised text (see ``normalise``).
# Weights: 4 = unambiguous phrase, 3 = strong verb/noun, 2 = typical but
# ambiguous word, 1–1.5 = weak hint.
RULES: tuple[Rule, ...] = tuple(chain(
    # --- Informationsfluss -------------------------------------------------
    _rules("receive", 3,
           r"entgegen ?(nehm|genommen|nahme)", r"\bannehmen\b|\bangenommen\b|\bannahme\b(?! ?beschluss)",
           r"\bempfang|\bempfangen",
           r"\bein(ge)?reich",  # citizen hands in = authority receives
           r"\bantrag\w* (stellen|einreichen)|\bantragstellung|\bstellt\b.*\bantrag",
           r"(anfrage|antrag|anliegen|meldung|anzeige|beschwerde|auftrag|bestellung|hinweis|fundsache)\w*( \w+){0,2} (aufnehmen|annehmen)",
           r"\b(geht|gehen|kommt|kommen|trifft|treffen|laeuft|laufen)\b.*\b(ein|an|rein)\b\s*$",
           r"\blande[nt]\b", r"\bbekomme?n?\b", r"\beingang|posteingang|\w+eingang\b",
           r"\beinsend|\beingesandt|\beingeschickt",
           r"\b(reiche|reicht|reichen)\b.*\bein\s*$|\b(nehme|nimmt|nehmen)\b.*\ban\b"),
    _rules("receive", 3, r"\b(aus|von|vom)\b.*\buebernehm"),
    _rules("receive", 2, r"\berhalten\b|\berhalte\b|\berhaelt\b", r"\bliegt\b.*\bvor\b",
           r"\bpost\w* (oeffnen|sortieren|verteilen)"),
    _rules("send", 4,
           r"(bescheid|genehmigung|erlaubnis|urkunde|bescheinigung|ausweis|nachricht|bestaetigung|antwort|entscheidung|zusage|absage|ergebnis|schreiben|pass|karte)\w*( \w+){0,2} (erhalten|bekommen|zugestellt|abholen)",
           r"\beingang\w* bestaetig"),
    _rules("send", 5, r"eingangsbestaetigung"),
    _rules("send", 4, r"\bfehlende?n? \w+( \w+){0,4} (nach)?(anfordern|fordern)|\bnachforder|\bnachgefordert",
           r"\bbekannt ?mach|\bzur \w+ auffordern|\bauffordern\b"),
    _rules("send", 3,
           r"\bversend|\bversand|\bverschick|\bzusend|\bsenden\b|\bsende\b|\bschicken\b|\bschicke\b|\bschickt\b",
           r"\buebermitt|\buebersend|\bzustell|\bpostausgang|\bweitermeld",
           r"\bmitteil|\bmitgeteilt|\bteil\w*\b.*\bmit\s*$|\b(maile|mailen|mailt|gemailt)\b|\bbenachrichtig|\bbekanntgabe|\bbekannt ?geben|\binformieren\b|\bunterrichten\b",
           r"\baushaendig|\bausgabe\b|\bherausgabe|\bherausgeben|\buebergabe\b|\buebergeben",
           r"\bauskunft\w* (erteilen|geben)|\bauskunftserteilung|\bauskunft erstellen",
           r"\bgeh\w*\b.*\braus\b|\braus(schick|send|geb|geh)", r"\bgebe?n?\b.*\baus\s*$",
           r"\bveroeffentlich|\bbekanntmach|\bdatenuebermittlung|\bverteilen\b|\bverbreitung",
           r"\bweiterleit|\bweitergeleitet|\bweitergeben\b"),
    _rules("send", 1.5, r"\bper (e ?mail|mail|post|fax)\b", r"bereitstell|\bbereit ?stellen", r"\bzustellung\b|\bnachsendung"),
    _rules("wait", 4, r"\bwarten\b|\bwarte\b|\bwartet\b|\babwart|\bwartezeit"),
    _rules("wait", 2, r"\bfrist\b|\bfristen\b|\bfristablauf|\w+frist\b(?<!aufbewahrungsfrist)"),
    _rules("wait", 3,
           r"\bwiedervorlage|\bwv\b", r"\bruh(t|en)\b|\bliegen ?(lassen|bleiben)|\bpausier|\bunterbrech",
           r"\bbis\b.*\b(zurueck|rueckmeld|antwort)\w*\b.*\b(kommt|vorliegt|eingeht)"),
    _rules("wait", 4, r"\bfrist\w*ueberwach|\bfristen wahren"),
    # --- Medienwechsel -----------------------------------------------------
    _rules("enter_data", 3,
           r"\berfass|\berfasst|\beingeb|\beintipp|\btipp", r"\beintrag|\beingetragen|\beinpfleg",
           r"\bregistrier", r"\bdatenbankeintrag|\bregistereintrag|\bdatenpflege",
           r"\b(im|ins|in das|in die|in den|in der)\b( \w+){0,3} (system|programm|fachverfahren|fachprogramm|software|datenbank|excel|tabelle|register|melderegister|maske)\w*",
           r"\w*(programm|system|fachverfahren|datenbank|register|tabelle)\w*\b.*\b(ein|eingeben|eingetragen|eintragen|uebernehmen|uebernommen|anlegen|angelegt|aktualisier\w*)\b",
           r"\bdaten\w*\b.*\buebern(ehm|omm)", r"\b(in|ins|in die|in den|in das)\b.*\b(uebernehm|uebertrag)", r"\buebertrag",
           r"\b(im|ins)\b \w+(programm|system|verfahren)\b",
           r"\b(gebe|geben|gibt|trage|tragen|traegt|tippe|tippen|tippt)\b.*\bein\s*$", r"\b(lege|legen|legt)\b.*\ban\s*$"),
    _rules("enter_data", 3.5, r"(daten|fingerabdr|lichtbild|foto)\w*( \w+){0,2} (aufnehmen|einlesen|scannen)"),
    _rules("enter_data", 2, r"\bspeicher|\bhinterleg|\banlegen\b|\bangelegt\b"),
    _rules("print", 3.5, r"\bdruck|\bausdruck|ausgedruckt|drucker\b", r"\bkopier|\bkopie\b"),
    _rules("scan", 3.5, r"scan|\bdigitalisier|\beinlesen\b"),
    # --- Dokumentation -----------------------------------------------------
    _rules("create_document", 3,
           r"\berstell", r"\banfertig|\bausfertig|\bfertigen\b|\bfertigung\b", r"entwurf|\bentwerf|\bentwirf",
           r"\bverfass|\bformulier|\bschreib|\baufsetz|\bausstell|\bausgestellt",
           r"dokumentier|dokumentation|protokoll|vermerk", r"\bakte\w* anlegen|\bneue akte"),
    _rules("create_document", 4, r"(bescheid|urkunde|bescheinigung|vertrag|vermerk|schreiben)\w*( \w+){0,2} (erstellen|ausfertigen|schreiben|entwerfen|fertigen|aufsetzen)"),
    _rules("create_document", 3.5, r"\b(?!wieder)\w*vorlage\b"),
    _rules("create_document", 2, r"statistik|konzept|\w+plan\b|\bplan\b|leistungsbeschreibung|bericht|urkund|\bbescheinigung\b|\bvorlage\b|\bbeschlussvorlage"),
    _rules("edit_document", 3,
           r"\bbearbeit|\baender|\baenderung|\bgeaendert|\bkorrigier|\bkorrektur|\bergaenz",
           r"\baktualis|\bueberarbeit|\banpass|\bangepasst|\bberichtig|\bnachtrag|\bfortschreib"),
    _rules("edit_document", 2, r"\bpflege\b|\bpflegen\b"),
    _rules("archive", 3.5,
           r"\bableg|\babgelegt|ablage|archiv", r"\bzu den akten\b|\bzda\b|\bz d a\b",
           r"\baufbewahr|\beinlager|\bverwahr|\baktenfuehrung",
           r"\bakte\w* (ab)?schliess|\bakte\w* (schliessen|zu)\b|\bleg\w*\b.*\b(akte|ablage|ordner|dms|e ?akte)\b",
           r"\b(lege|legen|legt)\b.*\bab\s*$"),
    _rules("archive", 4, r"\bzu[rm]? \w*akte\w* nehmen|\babheft|\bzu den \w*akten\b|\bticket \w*schliess"),
    # --- Informationsbeschaffung und Koordination ---------------------------
    _rules("search", 3,
           r"\brecherch|\bermittel|\babfrag|\babgefragt|\banforder|\bangefordert",
           r"\bbeschaff|\beinhol|\beingeholt|\bbesorg|\bnachschlag|\bnachsehen|\bnachschau\w* (im|in)",
           r"\bsuche\b|\bsuchen\b|\bheraussuch|\braussuch|\bsammeln\b|\bsammlung|\bzusammenstell|\bzusammentrag",
           r"abruf|abgleich|\berheb(en|ung)\b|\berhoben",
           r"\bfrag\w*\b.*\bnach\b|\bnachfrag|\berfrag|\bauskunft\w* (einholen|anfordern)",
           r"\bklaer(en|t|ung)?\b(?!.*\bmit\b)",
           r"\bgleich\w*\b.*\bab\s*$|\bruf\w*\b.*\bab\s*$|\b(hole|holen|holt)\b.*\bein\s*$|\bforder\w*\b.*\ban\s*$"),
    _rules("search", 1.5, r"\binformationen\b|\bdaten\b|\bunterlagen\b|\bnachweis"),
    _rules("coordinate_internal", 3,
           r"\babstimm|\babgestimmt|\bruecksprach|\babsprach|\babsprech|\bsprech\w*\b.*\bab\b",
           r"\bweiterreich|\bvermittl",
           r"\bbesprech|\binterne?\b|\bintern\w*\b", r"\bkolleg|\bvorgesetzt|\bteam\b|\bdienstbesprechung",
           r"\bstimm\w*\b.*\bab\s*$",
           r"\bmit\b( \w+){0,3} (klaeren|abklaeren|besprechen|abstimmen)"),
    _rules("coordinate_internal", 2.5, r"\bweiterleit|\bweitergeleitet|\bweitergeb"),
    _rules("coordinate_internal", 4,
           r"(personalrat|gleichstellungsbeauftragt|datenschutzbeauftragt|fachamt|fachabteilung|fachbereich|kaemmerei|\w+amt\b|\w+amts\b)\w*( \w+){0,2} (beteilig|einbezieh|einbinden|informier|anhoer|einschalt)",
           r"stellungnahme\w*( \w+){0,2} (personalrat|fachamt|fachabteilung|fachbereich)",
           r"\b(beteilig|einbezieh|einbinden|einschalt)\w*( \w+){0,2} (des |der |den |dem )?(personalrat|gleichstellungsbeauftragt|datenschutzbeauftragt|fachamt|fachabteilung|fachbereich|kaemmerei)"),
    _rules("coordinate_internal", 2,
           r"\bpersonalrat|\bgleichstellungsbeauftragt|\bdatenschutzbeauftragt|\bfachamt|\bfachabteilung|\bfachbereich",
           r"\bausschuss|\bgremi|\bsitzung|\bratsbeschluss|\b(stadt|gemeinde|kreis)rat\b"),
    _rules("coordinate_external", 3,
           r"beteilig", r"stellungnahme", r"\banhoer|\bangehoert", r"\bkonsultier|\bkonsultation",
           r"\bfachbehoerde|\b(andere|externe|zustaendige) (behoerde|stelle)|\bbehoerden ?(beteilig|anfrag)|\bbehoerdenanfrage",
           r"\btraeger oeffentlicher belange|\btoeb\b|\bauslegung\b",
           r"\bexterne?n?\b|\bextern\b"),
    _rules("coordinate_external", 4, r"stellungnahme\w*( \w+){0,3} (einholen|anfordern|erbitten)"),
    _rules("coordinate_external", 2.5, r"\bbeauftrag"),
    _rules("coordinate_external", 2,
           r"\w+behoerde|\bpolizei|\bfinanzamt|\bgericht|\bnotar|\bbundes\w*amt|\blandes\w*amt|\blandkreis|\bkreisverwaltung|\bministeri",
           r"\b(industrie und handels|handwerks|aerzte|architekten)kammer|\bihk\b|\brentenversicherung|\bkrankenkasse|\bjobcenter",
           r"\barbeitsagentur|\bagentur fuer arbeit|\bauslaenderbehoerde|\bbundesdruckerei|\bkba\b|\bbundeszentralregister|\bgutachter|\bsachverstaendig"),
    _rules("appointment", 3,
           r"termin", r"gespraech", r"\bvorsprach|\bvorsprech|\bsprechstunde", r"besichtig|ortstermin",
           r"\bvor ort\b", r"begehung|\bbegehen\b", r"\btrauung|\beheschliess|\btraue\b",
           r"beratung|\bberaten\b|\bberate\b", r"\binterview|\bschulung|\bkurs\b|\bworkshop|\bmoderation|\bbelehrung",
           r"\b(kommt|kommen)\b.*\b(vorbei|persoenlich|ins|zum|zur|in die)\b(?!.*\b(an|rein)\s*$)",
           r"\bam schalter|\bschalter\b|\btresen"),
    _rules("appointment", 4,
           r"(konferenz|hausbesuch|besuch|besprechung|sitzung|versammlung|termin|vorsprache|gespraech|begehung|anhoerungstermin)\w*( \w+){0,4} (durchfuehren|abhalten|fuehren|wahrnehmen)",
           r"(antragsteller|buerger|besucher|kunde|kundin|person|eltern|angehoerige)\w*( \w+){0,4} empfangen"),
    # --- Inhaltliche Verwaltungsarbeit --------------------------------------
    _rules("check_formal", 3,
           r"\bvollstaendig|\bformal|\bformell|\bzustaendigkeit|\bplausib|\bfristgerecht|\bzulaessig",
           r"\bidentitaet|\bpersonalien|\bausweis\w* (pruef|kontrollier)|\bgueltig|\bechtheit",
           r"(unterlagen|dokument|antrag|formular|nachweis|anzeige|anmeld|abmeld|angaben|bescheinigung|ausweis|urkund|bestaetigung|\bpass\b)\w*( \w+){0,6} (pruef|kontrollier|sicht|checken)",
           r"\brechnerisch|\brichtigkeit",
           r"\bvoraussetzung\w* (pruef|klaer)|\bberechtigung\w* (pruef|feststell)|\banzeigepflicht",
           r"\bob (alle|alles)\b|\balles da\b|\bkomplett\b|\b(fehlt|fehlen)\b|\bformular\w*pruef|\bantragspruef|\beingangspruef"),
    _rules("check_content", 2,
           r"\bpruef|\bgeprueft|ueberpruef|\w+pruefung\b", r"kontroll", r"ueberwach|monitoring",
           r"\bcheck", r"\babnahme\b", r"\bfeststell|\bfestgestellt", r"\bsichten\b|\bdurchsehen|\bdurchschauen|\bschau\w*\b.*\bdurch\b"),
    _rules("check_content", 3,
           r"\binhaltlich|\bsachlich|\bsachpruef|\bsachbearbeitung|\bfachliche?n? (bearbeitung|pruefung|bewertung)",
           r"\bbewert|\bbegutacht|\bgutacht|\bbeurteil|\babwaeg|\bbefund|\banalys|\buntersuch",
           r"\brisiko|\bgefaehrdung|\beinschaetz|\bevaluation|\bevaluier|\baudit|\bnachkontroll|\binspektion|\bauswert",
           r"\bsachverhalt\w* (pruef|beurteil|klaer|aufklaer|feststell|wuerdig)"),
    _rules("decide", 3,
           r"\bentscheid|\bentschied", r"\bgenehmig|\bbewillig|\bablehn|\babgelehnt|\bstattgeb|\bversag",
           r"\berteil|\berlass", r"beschluss\b|\bbeschluss|\bbeschliess|beschluss\w* fassen", r"\bzuschlag|\bzustimm|\bfestleg|\bfestgelegt",
           r"\banordn|\bangeordnet|\bverfueg"),
    _rules("decide", 4, r"(auswahl|entscheidung|vorauswahl|wahl)\w*( \w+){0,4} treffen"),
    _rules("decide", 1.5, r"bescheid\b|\bergebnis\b|\bauswahl\b|\bzuteil|\bvergabe|\bvergeben|\bbestimmen\b"),
    _rules("sign_off", 3.5,
           r"mitzeichn|\bmitgezeichnet|\bfreigeb|freigabe|\bfreigegeben",
           r"unterschreib|unterschrift|unterzeichn|unterschrieben",
           r"\b(mit|gegen|ab)?zeichn(en|et|e)\b|\bzeichnungsbefug|\bgegenzeichn|\bgegenles|\bvier ?augen",
           r"\b(genehmigung|freigabe|zeichnung|okay|ok) (durch|von) (der |die |den |dem )?(leitung|vorgesetzt|amtsleit|abteilungsleit|fachbereichsleit|teamleit|chef|buergermeist)"),
    _rules("sign_off", 4, r"(freigabe|genehmigung|zustimmung|unterschrift|mitzeichnung)\w*( \w+){0,3} (einholen|anfordern|erbitten|beantragen)"),
    _rules("sign_off", 3, r"vertrag\w*( \w+){0,2} (abschliess|schliessen|unterzeichn)|vertragsabschluss"),
    _rules("sign_off", 2, r"\bchef|\bamtsleit|\babteilungsleit|\bstempel|\bsignier|\bsignatur"),
    _rules("calculate", 3.5,
           r"\bberechn|\bberechnet|\bkalkul|\bfestsetz|\bfestgesetzt|\bausrechn|\brechne\w*\b.*\baus\b|\bhochrechn",
           r"\b(gebuehr|kosten|betrag|beitrag|steuer|wert|verkehrswert|hoehe|summe|einkommen\w*|preis|zins|messbetrag|anspruch|einheitswert|gewerbeertrag)\w*( \w+){0,2} (ermitteln|feststellen|bestimmen|festlegen|schaetzen)",
           r"\bhebesatz|\bsteuersatz|\bmessbetrag|\bveranlag|\bbemess|\beinstuf|\bkostenrechn|\bkostenermittl|\bkostenkalkul|\bgebuehrenberechn",
           r"\babrechnung|\babrechnen"),
    _rules("calculate", 1.5, r"\bgebuehr|\bkosten\b"),
    _rules("payment", 3.5,
           r"zahlung|\bzahlen\b|\bzahlt\b|\bbezahl|\bueberweis|\bkasse\b|\bkassier|\bstadtkasse|\bgemeindekasse",
           r"\bverbuch|\bbuchen\b|\bbucht\b|\bbuchung\b|\bgebucht|\beinzieh|lastschrift|\bsepa\b",
           r"mahnung|mahnverfahren|\bmahnen\b|auszahl|\bausgezahlt|\berstatt|\brueckforder|\bvollstreck",
           r"\bquittung|\bbar ?zahl|\bkartenzahl|\bec ?karte|\bentricht|\bsollstellung|\bkassenanordnung|\bzahlungsanordnung",
           r"\b(gebuehr|entgelt|beitrag|steuer|betrag|kosten)\w* (erheb|einnehm|kassier|einzieh|begleich|bezahl|zahlen|entricht)",
           r"\bzum soll\b|\bsoll ?stell",
           r"\bgebuehrenerheb|\bhaushaltsmittel|\bmittel (auszahlen|bereitstellen)|\bmittelabruf"),
    _rules("payment", 3.5, r"buchfuehrung|buchhaltung"),
    _rules("payment", 2, r"\bgeld\b|\bbetrag\b|\brechnung\b"),
))

# Tie-break order: the more specific building block first.
_PRIORITY: tuple[str, ...] = (
    "send", "receive", "payment", "calculate", "sign_off", "print", "scan", "archive", "wait",
    "enter_data", "appointment", "coordinate_external", "coordinate_internal", "decide",
    "check_formal", "check_content", "edit_document", "create_document", "search", "other",
)
assert set(_PRIORITY) == set(KINDS), "every building block needs a tie-break position"
assert {rule.kind for rule in RULES} <= set(KINDS), "rules may only name known kinds"

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_QUOTED = re.compile(r"'[^']*'|„[^“”]*[“”]|\"[^\"]*\"|‚[^‘’]*[‘’]|»[^«]*«")
_CLAUSE_BREAK = re.compile(r"\s+(?:und|sowie|oder|bzw\.?|dann|danach|anschließend)\s+|[/,;:(]")


def normalise(text: str) -> str:
    """Lower case, umlauts spelt out, only letters/digits separated by single spaces."""
    text = text.lower().translate(_TRANSLITERATION)
    return _NON_WORD.sub(" ", text).strip()


def _first_clause(label: str) -> str:
    return normalise(_CLAUSE_BREAK.split(label.strip(), maxsplit=1)[0])


_SENTENCE_START = frozenset(
    "ich wir man er sie es der die das dann danach anschliessend zuerst zunaechst zum zur "
    "mein meine unser unsere jetzt hier wenn nach am".split()
)


def _verb_spans(label: str, label_text: str) -> list[tuple[int, int]]:
    """Character spans (in ``label_text``) of the last word of every clause.

    Terse labels ("Bescheid an Notar versenden") put the verb last, and the
    verb names the activity better than the nouns before it. Whole sentences
    ("Ich prüfe, ob …") do not follow that order and get no spans.
    """
    if " " not in label_text or label_text.split(" ", 1)[0] in _SENTENCE_START:
        return []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for clause in _CLAUSE_BREAK.split(label.strip()):
        clause_text = normalise(clause)
        position = label_text.find(clause_text, cursor) if clause_text else -1
        if position < 0:
            continue
        cursor = position + len(clause_text)
        spans.append((position + clause_text.rfind(" ") + 1, cursor))
    return spans


def _hits_span(pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]]) -> bool:
    return any(m.start() < end and m.end() > start for m in pattern.finditer(text) for start, end in spans)


def _combine(gains: list[float]) -> float:
    """The strongest hit plus a share of the others: overlapping patterns of one
    kind often fire on the same word and must not simply add up."""
    strongest = max(gains)
    return strongest + _STACKING * (sum(gains) - strongest)


def explain_step(label: str, description: str = "") -> dict[str, float]:
    """Score of every kind that any rule hit, highest first (for tuning and review).

    When no rule hits the label at all ("Abschluss", "Durchführung"), the
    description is all there is to go on and counts in full.
    """
    label_text = normalise(label)
    first = _first_clause(label)
    verb_spans = _verb_spans(label, label_text)
    description_text = normalise(_QUOTED.sub(" ", description or ""))
    label_gains: dict[str, list[float]] = {}
    description_gains: dict[str, list[float]] = {}
    for rule in RULES:
        if label_text and rule.pattern.search(label_text):
            gained = rule.weight
            if first and first != label_text and rule.pattern.search(first):
                gained += rule.weight * _FIRST_CLAUSE_BONUS
            if verb_spans and _hits_span(rule.pattern, label_text, verb_spans):
                gained += rule.weight * _VERB_BONUS
            label_gains.setdefault(rule.kind, []).append(gained)
        if description_text and rule.pattern.search(description_text):
            description_gains.setdefault(rule.kind, []).append(rule.weight)
    factor = _DESCRIPTION_WEIGHT if label_gains else 1.0
    scores = {kind: _combine(gains) for kind, gains in label_gains.items()}
    for kind, gains in description_gains.items():
        scores[kind] = scores.get(kind, 0.0) + _combine(gains) * factor
    rank = {kind: position for position, kind in enumerate(_PRIORITY)}
    return dict(sorted(scores.items(), key=lambda item: (-item[1], rank[item[0]])))


def rule_kind(label: str, description: str = "") -> tuple[str, float]:
    """The rules' kind and its score (``other`` below ``_MIN_SCORE``)."""
    scores = explain_step(label, description or "")
    if not scores:
        return "other", 0.0
    kind, score = next(iter(scores.items()))
    return (kind if score >= _MIN_SCORE else "other"), score


def classify_step_rules(label: str, description: str = "") -> str:
    """The rules alone (for measurement and for callers that must not depend on the corpus)."""
    return rule_kind(label, description)[0]


def combine(label: str, description: str, index: "KindIndex | None") -> str:
    """The corpus neighbours' vote plus the rules' opinion, scaled to a half vote.

    Neighbours give every kind its share of the similarity-weighted vote
    (0–1); the rules add ``RULE_WEIGHT`` times each kind's score relative to
    the best rule score. So the rules' favourite wins unless the labelled
    steps of other municipalities clearly prefer another kind, and a label
    no rule knows ("Angrenzer benachrichtigen") is decided by the corpus.
    Weight chosen on the development cases (``python -m bench.kind_eval --sweep``).
    """
    scores = explain_step(label, description or "")
    if description and not explain_step(label):
        # A vague label ("Abschluss") is decided by its description, which the neighbours never see.
        return rule_kind(label, description)[0]
    guess = index.guess(label) if index is not None else None
    if guess is None:
        return rule_kind(label, description)[0]
    best = max(scores.values(), default=0.0)
    rank = {kind: position for position, kind in enumerate(_PRIORITY)}
    combined = {kind: guess.votes.get(kind, 0.0) + (RULE_WEIGHT * scores.get(kind, 0.0) / best if best else 0.0)
                for kind in set(guess.votes) | set(scores)}
    return min(combined, key=lambda kind: (-combined[kind], rank[kind]))


@lru_cache(maxsize=8192)
def classify_step(label: str, description: str = "") -> str:
    """The most likely building-block kind of a step, ``other`` if nothing fits.

    Rules combined with the nearest labelled steps of the corpus
    (``kind_neighbours``; see ``combine``). Cached: catalogues repeat the
    same step wording hundreds of times.
    """
    from . import kind_neighbours

    return combine(label, description or "", kind_neighbours.default_index())


def classify_steps(steps: Iterable[tuple[str, str | None]]) -> list[str]:
    """Classify ``(label, description)`` pairs in order."""
    return [classify_step(label, description or "") for label, description in steps]
