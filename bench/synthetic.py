"""A SYNTHETIC scale corpus for the search performance benchmark.

    from bench.synthetic import synthetic_profiles
    for profile in synthetic_profiles(10_000): ...

Profiles look like German municipal process profiles (area, object, action,
municipality, org unit, legal norms, 5–12 steps with building-block kinds,
descriptions assembled from templates), but they are made up: every one is
labelled ``source: "synthetic-scale-corpus"`` and ``external_id:
"synthetic:<n>"`` and lives in municipalities called "Synthstadt 17" and the
like. They exist to measure speed and memory at 1,000–100,000 profiles and
must never be loaded as demo data or used to judge retrieval quality.

Profile ``n`` depends only on ``(seed, n)``, so the first 1,000 profiles of
a 100,000 corpus are the 1,000-profile corpus, and profiles are generated
lazily one at a time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterator

from app.domain import ProcessProfile
from app.domain.catalogue import KINDS
from app.domain.models import LAENDER

SOURCE = "synthetic-scale-corpus"
EXTERNAL_PREFIX = "synthetic:"
DEFAULT_SEED = 20240611
MUNICIPALITY_POOL = 2000
_STEMS = ("Synthstadt", "Synthdorf", "Synthingen", "Synthhausen", "Synthfeld", "Synthberg")


@dataclass(frozen=True)
class Area:
    category: str
    units: tuple[str, ...]
    norms: tuple[str, ...]
    objects: tuple[str, ...]
    it_systems: tuple[str, ...]
    customers: tuple[str, ...]
    partners: tuple[str, ...]


AREAS: tuple[Area, ...] = (
    Area("Bürgerbüro und Meldewesen", ("Bürgerbüro", "Einwohnermeldeamt", "Bürgerservice"),
         ("§ 17 BMG", "§ 23 BMG", "§ 51 BMG", "PAuswG", "§ 9 PAuswG", "PassG", "§ 30 BZRG"),
         ("Wohnsitz", "Nebenwohnsitz", "Personalausweis", "Reisepass", "Kinderreisepass", "Meldebescheinigung",
          "Führungszeugnis", "Auskunftssperre", "Beglaubigung", "Lebensbescheinigung", "Fundsache",
          "Melderegisterauskunft", "Übermittlungssperre", "Wahlschein"),
         ("VOIS|MESO", "OK.EWO", "Digant", "ePayBL"), ("Einwohnerinnen und Einwohner", "Zugezogene", "Familien"),
         ("Bundesdruckerei", "Bundesamt für Justiz", "Ausländerbehörde")),
    Area("Standesamt", ("Standesamt", "Standesamt und Friedhofsverwaltung"),
         ("§ 12 PStG", "§ 18 PStG", "§ 28 PStG", "§ 1310 BGB", "§ 1355 BGB", "PStV", "NamÄndG"),
         ("Eheschließung", "Geburtsurkunde", "Sterbeurkunde", "Namensänderung", "Vaterschaftsanerkennung",
          "Kirchenaustritt", "Lebenspartnerschaft", "Eheurkunde", "Namenserklärung", "Personenstandsurkunde",
          "Sterbefall", "Geburt", "Ehefähigkeitszeugnis"),
         ("AutiSta", "Elektronisches Personenstandsregister", "XPersonenstand"), ("Brautpaare", "Eltern",
                                                                                  "Angehörige", "Bestatter"),
         ("Amtsgericht", "Kirchengemeinde", "Krankenhaus")),
    Area("Ordnung und Gewerbe", ("Ordnungsamt", "Gewerbeamt", "Fachbereich Sicherheit und Ordnung"),
         ("§ 14 GewO", "§ 55 GewO", "GastG", "§ 2 GastG", "Hundegesetz", "Hundesteuersatzung", "SprengG",
          "WaffG", "Sondernutzungssatzung", "Marktordnung"),
         ("Gewerbe", "Gaststättenerlaubnis", "Hund", "Hundesteuer", "Gefahrhund", "Sondernutzung", "Marktstand",
          "Spielhallenerlaubnis", "Schankerlaubnis", "Reisegewerbekarte", "Veranstaltung", "Feuerwerk",
          "Plakatierung", "Waffenschein", "Sperrzeitverkürzung"),
         ("GEWAN", "OWi21", "Hundesteuerverfahren", "Fachverfahren Ordnungsamt"),
         ("Gewerbetreibende", "Hundehalterinnen und Hundehalter", "Vereine", "Veranstalter"),
         ("Polizei", "Finanzamt", "Industrie- und Handelskammer", "Veterinäramt")),
    Area("Verkehr", ("Straßenverkehrsbehörde", "Ordnungsamt, Sachgebiet Verkehr", "Tiefbauamt"),
         ("§ 45 StVO", "§ 46 StVO", "FZV", "FeV", "PBefG", "§ 29 StVO", "VwV-StVO", "BKatV"),
         ("Bewohnerparkausweis", "Schwerbehindertenparkausweis", "Halteverbot", "Verkehrsrechtliche Anordnung",
          "Kfz-Zulassung", "Fahrerlaubnis", "Taxikonzession", "Schwertransport", "Lkw-Durchfahrt",
          "Verwarnungsgeld", "Umzugshalteverbot", "Fahrradabstellanlage", "Straßensperrung"),
         ("VIS Verkehr", "i-Kfz", "OWi21", "Parkausweis-Verfahren"),
         ("Anwohnerinnen und Anwohner", "Umzugsfirmen", "Baufirmen", "Fahrzeughalter"),
         ("Polizei", "Straßenbaulastträger", "Verkehrsbetriebe")),
    Area("Bauen", ("Bauaufsichtsamt", "Bauordnungsamt", "Stadtplanungsamt", "Fachbereich Bauen und Umwelt"),
         ("§ 59 BauO", "§ 64 BauO", "§ 72 BauO", "§ 34 BauGB", "§ 35 BauGB", "§ 24 BauGB", "BauVorlV",
          "Baumschutzsatzung", "Denkmalschutzgesetz"),
         ("Baugenehmigung", "Bauvoranfrage", "Abrissanzeige", "Baulast", "Baulastenauskunft", "Hausnummer",
          "Vorkaufsrecht", "Teilungsgenehmigung", "Nutzungsänderung", "Werbeanlage", "Solaranlage",
          "Grundstücksteilung", "Bebauungsplanauskunft", "Denkmalschutzgenehmigung", "Zweckentfremdung"),
         ("ProBauG", "Bauportal", "GIS-Auskunft", "XBau"), ("Bauherrinnen und Bauherren", "Architekturbüros",
                                                               "Grundstückseigentümer", "Notare"),
         ("Denkmalschutzbehörde", "Feuerwehr", "Gutachterausschuss", "Vermessungsamt")),
    Area("Steuern und Finanzen", ("Kämmerei", "Steueramt", "Stadtkasse", "Fachbereich Finanzen"),
         ("§ 222 AO", "§ 227 AO", "GrStG", "GewStG", "KAG", "Zweitwohnungsteuersatzung", "GemHVO",
          "Vergnügungssteuersatzung"),
         ("Grundsteuer", "Gewerbesteuer", "Zweitwohnungsteuer", "Vergnügungssteuer", "Stundung", "Ratenzahlung",
          "Mahnung", "Vollstreckung", "Steuererlass", "Eingangsrechnung", "Kassenanordnung", "Haushaltsmittel",
          "Säumniszuschlag", "Abwassergebühr"),
         ("SAP Kommunal", "H&H proDoppik", "Infoma newsystem", "KIRP"),
         ("Steuerpflichtige", "Unternehmen", "Grundstückseigentümer", "Fachämter"),
         ("Finanzamt", "Vollstreckungsbehörde", "Rechnungsprüfungsamt")),
    Area("Soziales", ("Sozialamt", "Wohngeldstelle", "Fachbereich Soziales", "Seniorenbüro"),
         ("WoGG", "SGB XII", "§ 28 SGB II", "SGB IX", "AsylbLG", "RBStV", "BEEG", "UVG"),
         ("Wohngeld", "Grundsicherung", "Bildungspaket", "Sozialpass", "Schwerbehindertenausweis", "Rentenantrag",
          "Asylbewerberleistung", "Hilfe zur Pflege", "Obdachlosenunterkunft", "Rundfunkbeitragsbefreiung",
          "Elterngeld", "Betreuungsverfügung", "Unterhaltsvorschuss"),
         ("OPEN/PROSOZ", "LISSA", "WoGG-Verfahren", "AKDN-sozial"),
         ("Leistungsberechtigte", "Rentnerinnen und Rentner", "Alleinerziehende", "Geflüchtete"),
         ("Jobcenter", "Deutsche Rentenversicherung", "Pflegekasse", "Betreuungsgericht")),
    Area("Jugend und Kita", ("Jugendamt", "Kita-Verwaltung", "Fachbereich Jugend, Familie und Bildung"),
         ("§ 24 SGB VIII", "§ 90 SGB VIII", "§ 43 SGB VIII", "§ 8a SGB VIII", "KiTaG", "Elternbeitragssatzung"),
         ("Kita-Platz", "Elternbeitrag", "Tagespflege", "Ferienbetreuung", "Jugendleitercard", "Beistandschaft",
          "Kinderschutzmeldung", "Hortplatz", "Jugendfreizeit", "Essensgeldzuschuss",
          "Kindertagespflegeerlaubnis", "Spielplatzpatenschaft"),
         ("KitaPlaner", "LITTLE BIRD", "OK.JUG", "Kita-Portal"),
         ("Eltern", "Tagespflegepersonen", "Jugendliche", "Träger"),
         ("Kita-Träger", "Familiengericht", "Gesundheitsamt")),
    Area("Schule", ("Schulverwaltungsamt", "Amt für Schule und Sport", "Fachbereich Bildung"),
         ("Schulgesetz", "§ 114 SchulG", "Schülerbeförderungssatzung", "Lernmittelverordnung", "§ 35a SGB VIII"),
         ("Schulanmeldung", "Schülerbeförderung", "Schülerfahrkarte", "Gastschulantrag", "Schulbegleitung",
          "Schulwechsel", "Lernmittel", "Schulbezirk", "Schulraumvergabe", "Mittagsverpflegung",
          "Schulsozialarbeit", "Einschulungsuntersuchung"),
         ("Schulverwaltungsprogramm", "SchiLD", "Fahrkartenportal"),
         ("Eltern", "Schülerinnen und Schüler", "Schulleitungen"),
         ("Schulamt", "Verkehrsverbund", "Gesundheitsamt")),
    Area("Umwelt und Abfall", ("Umweltamt", "Abfallwirtschaftsbetrieb", "Amt für Umwelt und Stadtgrün"),
         ("KrWG", "Abfallsatzung", "Abfallgebührensatzung", "§ 8 WHG", "§ 39 BNatSchG", "BImSchG",
          "Baumschutzsatzung", "LWG"),
         ("Sperrmüll", "Abfallbehälter", "Biotonne", "Baumfällung", "Grünschnitt", "Wasserrechtliche Erlaubnis",
          "Brunnen", "Kleinkläranlage", "Altfahrzeug", "Wilder Müll", "Sondermüll", "Gelber Sack",
          "Lärmschutz", "Osterfeuer"),
         ("Abfallwirtschaftsprogramm", "Baumkataster", "Wasserbuch", "Mängelmelder"),
         ("Haushalte", "Grundstückseigentümer", "Gewerbebetriebe", "Kleingartenvereine"),
         ("Untere Wasserbehörde", "Untere Naturschutzbehörde", "Entsorgungsunternehmen")),
    Area("Friedhof", ("Friedhofsverwaltung", "Friedhofsamt", "Standesamt und Friedhofsverwaltung"),
         ("Friedhofssatzung", "Friedhofsgebührensatzung", "Bestattungsgesetz", "§ 9 BestG", "§ 15 BestG"),
         ("Bestattung", "Grabstelle", "Urnenbeisetzung", "Grabnutzungsrecht", "Grabmal", "Friedhofsgebühr",
          "Umbettung", "Grabpflege", "Trauerhalle", "Anonyme Bestattung", "Baumbestattung", "Grabräumung"),
         ("Friedhofsverwaltungsprogramm", "WinFried", "Grabstellenkataster"),
         ("Angehörige", "Bestattungsunternehmen", "Steinmetze"),
         ("Gesundheitsamt", "Krematorium", "Kirchengemeinde")),
    Area("Personal", ("Personalamt", "Fachbereich Personal und Organisation", "Personalservice"),
         ("TVöD", "BeamtStG", "§ 3 TVöD", "BUrlG", "BEEG", "TzBfG", "Beihilfeverordnung", "Reisekostengesetz"),
         ("Stellenausschreibung", "Einstellung", "Fortbildung", "Urlaub", "Dienstreise", "Arbeitszeugnis",
          "Elternzeit", "Nebentätigkeit", "Beihilfe", "Ausscheiden", "Dienstjubiläum", "Arbeitsunfall", "Teilzeit"),
         ("LOGA", "SAP HCM", "Zeiterfassung", "Bewerbermanagement"),
         ("Beschäftigte", "Führungskräfte", "Bewerberinnen und Bewerber"),
         ("Personalrat", "Gleichstellungsbeauftragte", "Unfallkasse", "Versorgungskasse")),
    Area("Interne Dienste", ("Hauptamt", "IT-Service", "Zentrale Dienste", "Fachbereich Organisation"),
         ("GemO", "DSGVO", "Art. 15 DSGVO", "VgV", "UVgO", "Aktenordnung", "Dienstanweisung IT",
          "Geschäftsordnung des Rates"),
         ("Berechtigung", "IT-Störung", "Beschaffung", "Dienstwagen", "Sitzungsvorlage", "Gemeinderatssitzung",
          "Aktenaussonderung", "Posteingang", "Raumbuchung", "Schlüssel", "Telefonanschluss", "Vertrag",
          "Datenschutzanfrage", "Software"),
         ("Ticketsystem", "Session", "enaio (DMS)", "VIS-Suite (DMS)", "Vergabeplattform"),
         ("Fachämter", "Ratsmitglieder", "Beschäftigte"), ("Rechenzentrum", "Datenschutzbeauftragte",
                                                           "Stadtarchiv", "Rechnungsprüfungsamt")),
)

# (infinitive, noun)
ACTIONS: tuple[tuple[str, str], ...] = (
    ("anmelden", "Anmeldung"), ("abmelden", "Abmeldung"), ("ummelden", "Ummeldung"),
    ("beantragen", "Beantragung"), ("verlängern", "Verlängerung"), ("prüfen", "Prüfung"),
    ("genehmigen", "Genehmigung"), ("ausstellen", "Ausstellung"), ("ändern", "Änderung"),
    ("widerrufen", "Widerruf"), ("erteilen", "Erteilung"), ("bescheinigen", "Bescheinigung"),
    ("festsetzen", "Festsetzung"), ("erstatten", "Erstattung"), ("kündigen", "Kündigung"),
    ("bearbeiten", "Bearbeitung"), ("zurücknehmen", "Rücknahme"), ("übertragen", "Übertragung"),
    ("ersetzen", "Ersatzausstellung"), ("melden", "Meldung"),
)

OBJECTS: tuple[str, ...] = tuple(o for a in AREAS for o in a.objects)

_STEP_TEMPLATES: dict[str, tuple[str, ...]] = {
    "receive": ("Antrag auf {noun} ({obj}) entgegennehmen", "Unterlagen zu {obj} entgegennehmen",
                "Eingang der {noun} ({obj}) über das Onlineportal annehmen", "{doc} entgegennehmen"),
    "send": ("Bescheid über die {noun} versenden", "Eingangsbestätigung an {customer} senden",
             "Unterlagen an {partner} übermitteln", "Fehlende Unterlagen bei {customer} nachfordern"),
    "wait": ("Auf Rückmeldung von {partner} warten", "Widerspruchsfrist abwarten",
             "Auf Nachreichung der Unterlagen warten"),
    "enter_data": ("Daten zu {obj} in {it} erfassen", "Vorgang {obj} im Fachverfahren anlegen",
                   "Angaben aus dem Antrag in {it} übernehmen"),
    "print": ("Bescheid zu {obj} ausdrucken", "{doc} drucken und siegeln"),
    "scan": ("Papierunterlagen zu {obj} scannen", "{doc} digitalisieren und zuordnen"),
    "create_document": ("Bescheid über die {noun} ({obj}) erstellen", "Vermerk zu {obj} schreiben",
                        "{doc} aus der Vorlage erzeugen"),
    "edit_document": ("Entwurf des Bescheids zu {obj} überarbeiten", "{doc} ergänzen und korrigieren"),
    "archive": ("Vorgang {obj} in der E-Akte ablegen", "Unterlagen archivieren und Wiedervorlage löschen",
                "Akte zu {obj} ins Archiv geben"),
    "search": ("Angaben zu {obj} im Register abfragen", "Fehlende Nachweise bei {partner} anfordern",
               "Vorgänge zu {obj} in {it} recherchieren"),
    "coordinate_internal": ("{noun} ({obj}) mit {unit2} abstimmen", "Rückfrage an {unit2} zu {obj} stellen"),
    "coordinate_external": ("Stellungnahme von {partner} einholen", "{partner} an der {noun} beteiligen"),
    "appointment": ("Termin mit {customer} zu {obj} durchführen", "Vor-Ort-Termin zu {obj} vereinbaren"),
    "check_formal": ("Antrag auf {obj} auf Vollständigkeit prüfen", "Zuständigkeit und Fristen prüfen",
                     "Unterlagen zu {obj} formell prüfen"),
    "check_content": ("Voraussetzungen der {noun} ({obj}) prüfen", "Angaben zu {obj} nach {norm} prüfen",
                      "Sachverhalt zu {obj} inhaltlich bewerten"),
    "decide": ("Über die {noun} ({obj}) entscheiden", "Entscheidung über den Antrag zu {obj} treffen"),
    "sign_off": ("Bescheid zu {obj} von der Sachgebietsleitung mitzeichnen lassen",
                 "Freigabe der {noun} durch die Amtsleitung einholen"),
    "calculate": ("Gebühr für die {noun} ({obj}) berechnen", "Betrag nach {norm} festsetzen"),
    "payment": ("Zahlung der Gebühr zu {obj} buchen", "Kassenanordnung für {obj} erstellen und anweisen"),
    "other": ("Statistik zu {obj} fortschreiben", "Wiedervorlage zu {obj} notieren"),
}
assert set(_STEP_TEMPLATES) == set(KINDS), "step templates must cover exactly the catalogue kinds"
_MIDDLE_KINDS = ("check_formal", "search", "coordinate_internal", "coordinate_external", "appointment",
                 "check_content", "decide", "calculate", "payment", "sign_off", "wait", "edit_document",
                 "print", "scan", "other")

_DESCRIPTION = (
    "Die {noun} ({obj}) ist Aufgabe des Bereichs {unit} der {municipality}.",
    "{customer_cap} wenden sich dafür an {unit}, persönlich, per Post oder über das Onlineportal.",
    "Rechtsgrundlage sind {norm} und {norm2}.",
    "Die Sachbearbeitung prüft die Angaben, beteiligt bei Bedarf {partner} und erstellt einen Bescheid.",
    "Im Jahr fallen etwa {volume} Fälle an; ein Fall dauert im Schnitt {minutes} Minuten.",
    "Der Vorgang wird in {it} geführt und nach Abschluss in der E-Akte abgelegt.",
    "Häufig fehlen bei Eingang Unterlagen, vor allem {doc_lower}.",
    "Für die {noun} wird eine Verwaltungsgebühr nach der Gebührensatzung erhoben.",
    "Die {noun} ({obj}) kann auch durch eine bevollmächtigte Person veranlasst werden.",
    "Bei Eilbedürftigkeit wird der Vorgang vorgezogen und telefonisch mit {customer} geklärt.",
)
_TRIGGERS = (
    "Antrag auf {noun} ({obj}) geht ein", "Online-Antrag zu {obj} über das Serviceportal",
    "Vorsprache von {customer} im {unit}", "Schriftliche Anzeige zu {obj}", "Meldung von {partner} zu {obj}",
)
_RESULTS = (
    "Bescheid über die {noun} ({obj})", "{obj}: {noun} erteilt oder abgelehnt",
    "Bestätigung der {noun} an {customer}", "Aktualisierter Datensatz zu {obj} und Mitteilung an {customer}",
)
_DOCUMENTS = ("Antrag auf {noun} ({obj})", "Nachweis zu {obj}", "Personalausweis oder Reisepass", "Vollmacht",
              "Bescheid über die {noun}", "Gebührenbescheid", "Lageplan", "Eingangsbestätigung")


def municipality(number: int) -> tuple[str, str]:
    """Name and Land of synthetic municipality ``number`` (1-based)."""
    stem = _STEMS[(number - 1) % len(_STEMS)]
    return f"{stem} {number}", LAENDER[(number * 7) % len(LAENDER)]


def slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(table)).strip("-")


def _fill(template: str, values: dict[str, str]) -> str:
    text = template.format(**values)
    return text[0].upper() + text[1:]


def synthetic_profile(n: int, seed: int = DEFAULT_SEED) -> ProcessProfile:
    """Profile number ``n`` (also its id); depends only on ``(seed, n)``."""
    rng = random.Random(seed * 1_000_003 + n)
    area = rng.choice(AREAS)
    obj = rng.choice(area.objects)
    verb, noun = rng.choice(ACTIONS)
    number = rng.randint(1, MUNICIPALITY_POOL)
    town, land = municipality(number)
    unit = rng.choice(area.units)
    unit2 = rng.choice([u for u in (*area.units, "Rechtsamt", "Kämmerei", "Hauptamt") if u != unit])
    norms = rng.sample(area.norms, k=min(len(area.norms), rng.randint(2, 4)))
    legal = [*norms, f"Verwaltungsgebührensatzung der {town}"] if rng.random() < 0.5 else list(norms)
    partners = rng.sample(area.partners, k=rng.randint(1, min(2, len(area.partners))))
    customer = rng.choice(area.customers)
    it = rng.choice(area.it_systems)
    values = {"obj": obj, "noun": noun, "verb": verb, "unit": unit, "unit2": unit2, "municipality": town,
              "customer": customer, "customer_cap": customer[0].upper() + customer[1:], "partner": partners[0],
              "norm": norms[0], "norm2": norms[-1], "it": it, "volume": str(rng.choice((20, 50, 120, 400, 1500))),
              "minutes": str(rng.choice((10, 15, 25, 40, 60, 90)))}
    documents = [_fill(d, values) for d in rng.sample(_DOCUMENTS, k=rng.randint(2, 4))]
    values["doc"] = documents[0]
    values["doc_lower"] = documents[-1]

    n_steps = rng.randint(5, 12)
    kinds = ["receive", rng.choice(("enter_data", "scan"))]
    kinds += [rng.choice(_MIDDLE_KINDS) for _ in range(n_steps - 4)]
    kinds += ["create_document", rng.choice(("send", "archive"))]
    steps = []
    for position, kind in enumerate(kinds, start=1):
        steps.append({
            "n": position, "kind": kind, "label": _fill(rng.choice(_STEP_TEMPLATES[kind]), values),
            "actor": rng.choice(("Sachbearbeitung", "Servicekraft", "Sachgebietsleitung", "Kasse")) + f" {unit}",
            "it_system": it if kind in ("enter_data", "create_document", "search", "archive") else None,
            "media_break": kind in ("print", "scan"), "minutes": rng.choice((2, 5, 10, 15, 20, 30)),
        })
    decisions = []
    checks = [s["n"] for s in steps if s["kind"] in ("check_formal", "check_content", "decide")
              and s["n"] < len(steps)]
    if checks and rng.random() < 0.5:
        after = rng.choice(checks)
        decisions.append({"after_step": after, "question": f"Liegen die Voraussetzungen für die {noun} vor?",
                          "branches": [{"condition": "ja", "goto_step": after + 1},
                                       {"condition": "nein", "goto_step": None}]})

    sentences = rng.sample(_DESCRIPTION, k=rng.randint(3, 6))
    title = f"{obj} {verb}" if rng.random() < 0.7 else f"{noun}: {obj}"
    return ProcessProfile(
        id=n,
        external_id=f"{EXTERNAL_PREFIX}{n}",
        process_key=slug(f"{obj} {verb}"),
        title=title,
        municipality=town,
        land=land,
        category=area.category,
        state="published",
        visibility="netzwerk" if rng.random() < 0.85 else "intern",
        description=" ".join(_fill(s, values) for s in sentences),
        trigger=_fill(rng.choice(_TRIGGERS), values),
        result=_fill(rng.choice(_RESULTS), values),
        customer=customer,
        org_unit=f"{unit}, Sachgebiet {obj}",
        participants=partners,
        legal_basis=legal,
        it_systems=[it],
        documents=documents,
        case_volume_per_year=int(values["volume"]),
        minutes_per_case=float(values["minutes"]),
        source=SOURCE,
        steps=steps,
        decisions=decisions,
    )


def synthetic_profiles(n: int, seed: int = DEFAULT_SEED) -> Iterator[ProcessProfile]:
    """Profiles with ids 1..n, generated lazily."""
    for number in range(1, n + 1):
        yield synthetic_profile(number, seed)


def municipality_id(profile: ProcessProfile) -> int:
    """The synthetic municipality's number (used as ``municipality_id`` in the index)."""
    return int((profile.municipality or "0").rsplit(" ", 1)[-1])


# -- queries ---------------------------------------------------------------

EVERYDAY_QUERIES: tuple[str, ...] = (
    "Ich habe einen Welpen bekommen, was muss ich tun?",
    "Wir ziehen nächsten Monat in eine neue Wohnung",
    "Mein Ausweis ist abgelaufen",
    "Wo kann ich mein altes Sofa loswerden?",
    "Wir wollen im Sommer heiraten",
    "Unser Baby ist letzte Woche geboren",
    "Meine Mutter ist gestorben, wer kümmert sich um die Beerdigung?",
    "Ich möchte einen Imbiss eröffnen",
    "Parkausweis für Anwohner",
    "Ich brauche einen Kitaplatz für meine Tochter",
    "Knöllchen bekommen, was nun?",
    "Baum im Garten fällen",
    "Ich will an mein Haus anbauen",
    "Die Mülltonne ist zu klein",
    "Wie beantrage ich Wohngeld?",
    "Zuschuss für Klassenfahrt",
    "Straße für Umzugswagen sperren",
    "Führungszeugnis für den Sportverein",
    "Grundsteuer zu hoch, kann ich in Raten zahlen?",
    "Flohmarkt auf dem Marktplatz anmelden",
    "Wer stellt eine Meldebescheinigung aus?",
    "Fahrkarte für den Schulbus",
    "Urnengrab verlängern",
    "Der Drucker im Büro geht nicht",
    "neuer Kollege braucht Zugang zum Fachverfahren",
    "Ich möchte Urlaub einreichen",
    "Feuerwerk zu Silvester genehmigen lassen",
    "Zweitwohnung in der Stadt",
    "Hausnummer für einen Neubau",
    "Gartenabfälle abholen lassen",
)

_SENTENCES = (
    "Wie kann ich {obj} {verb}?",
    "Ich möchte {obj} {verb}, welche Unterlagen brauche ich?",
    "Wer ist für die {noun} ({obj}) zuständig?",
    "Was kostet die {noun} für {obj} in {town}?",
    "Wie lange dauert die {noun} von {obj}?",
    "Kann man {obj} online {verb}?",
)


def benchmark_queries(count: int = 200, seed: int = DEFAULT_SEED) -> list[str]:
    """Hand-written everyday queries first, then generated keyword and sentence queries."""
    rng = random.Random(seed + 7)
    queries = list(EVERYDAY_QUERIES[:count])
    seen = set(queries)
    while len(queries) < count:
        area = rng.choice(AREAS)
        obj = rng.choice(area.objects)
        verb, noun = rng.choice(ACTIONS)
        roll = rng.random()
        if roll < 0.25:
            query = obj
        elif roll < 0.5:
            query = f"{obj} {verb}"
        elif roll < 0.6:
            query = f"{noun} {obj} {rng.choice(area.norms)}"
        else:
            query = rng.choice(_SENTENCES).format(obj=obj, verb=verb, noun=noun,
                                                  town=municipality(rng.randint(1, MUNICIPALITY_POOL))[0])
        if query not in seen:
            seen.add(query)
            queries.append(query)
    return queries
