"""A small thesaurus from everyday German to administrative terms.

Clerks and citizens say "Welpe", "umziehen" or "Müllabfuhr"; profiles say
"Hund", "Wohnsitz anmelden" and "Abfallentsorgung". Paraphrased queries
often share no word with the profile they mean, so the query is expanded
with the administrative terms of every concept it mentions. The entries are
written from general knowledge of municipal services (not from evaluation
queries); the gain is measured in ``docs/benchmarks.md``.
"""

from __future__ import annotations

from functools import lru_cache

from .german import stem, words

# (everyday words …) → administrative terms added to the query
CONCEPTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("welpe", "welpen", "hündin", "vierbeiner", "rüde"), ("hund", "hundesteuer", "hundehaltung")),
    (("umziehen", "umzug", "umgezogen", "zugezogen", "hergezogen", "zuziehen", "neue wohnung", "eingezogen", "einziehen"),
     ("wohnsitz", "anmeldung", "ummeldung", "meldebehörde")),
    (("wegziehen", "wegzug", "auswandern", "ausziehen", "ausland"), ("abmeldung", "wohnsitz", "meldebehörde")),
    (("heiraten", "hochzeit", "trauung", "ja-wort", "vermählung"), ("eheschließung", "standesamt", "ehe")),
    (("baby", "neugeborenes", "entbindung", "kind bekommen", "niederkunft"), ("geburt", "geburtsurkunde", "beurkundung")),
    (("gestorben", "verstorben", "tod", "todesfall", "ableben", "beerdigung", "beisetzung", "begraben"),
     ("sterbefall", "bestattung", "sterbeurkunde", "friedhof", "grab")),
    (("grabstätte", "urne", "sarg"), ("friedhof", "grabstelle", "nutzungsrecht", "bestattung")),
    (("auto", "wagen", "pkw", "fahrzeug", "motorrad", "anhänger", "gebrauchtwagen"),
     ("kfz", "kraftfahrzeug", "zulassung", "fahrzeug")),
    (("nummernschild", "kennzeichen", "schild"), ("kfz", "kennzeichen", "zulassung")),
    (("führerschein", "fahrerlaubnis", "fahren lernen"), ("fahrerlaubnis", "führerschein")),
    (("parken", "parkplatz", "anwohnerparken", "parkschein"), ("parkausweis", "bewohnerparken", "parkerleichterung")),
    (("knöllchen", "strafzettel", "bußgeld", "falschparken", "blitzer", "geblitzt"),
     ("ordnungswidrigkeit", "verwarnungsgeld", "bußgeldverfahren")),
    (("baustelle", "straße sperren", "absperrung", "sperrung"), ("verkehrsrechtliche anordnung", "sondernutzung", "straße")),
    (("müll", "abfall", "tonne", "mülltonne", "abfuhr", "container", "wertstoff"),
     ("abfall", "abfallbehälter", "abfallentsorgung", "abfallgebühr")),
    (("sperrig", "sofa", "möbel", "schrank", "sperrgut", "sperrmüll", "matratze"), ("sperrmüll", "abholung", "abfall")),
    (("grünschnitt", "laub", "rasenschnitt", "gartenabfall", "astschnitt"), ("gartenabfall", "grünabfall", "abfall")),
    (("baum fällen", "baum", "fällen", "abholzen"), ("baumfällgenehmigung", "baumschutzsatzung", "fällgenehmigung")),
    (("bauen", "hausbau", "anbau", "umbau", "garage", "carport", "neubau", "bauvorhaben", "haus errichten"),
     ("bauantrag", "baugenehmigung", "bauaufsicht", "bauvorhaben")),
    (("abreißen", "abriss", "abbrechen", "beseitigen"), ("abbruch", "abbruchanzeige", "beseitigung")),
    (("grundstück", "flurstück", "bauland", "kaufen"), ("grundstück", "vorkaufsrecht", "baulast", "liegenschaft")),
    (("hausnummer",), ("hausnummer", "hausnummernvergabe")),
    (("firma", "selbstständig", "selbständig", "laden", "geschäft", "betrieb", "unternehmen", "existenzgründung", "nebenjob"),
     ("gewerbe", "gewerbeanmeldung", "gewerbeanzeige")),
    (("kneipe", "restaurant", "bar", "imbiss", "ausschank", "alkohol ausschenken", "gastronomie", "café"),
     ("gaststätte", "gaststättenerlaubnis", "gestattung")),
    (("fest", "feier", "veranstaltung", "straßenfest", "konzert", "flohmarkt", "stadtfest", "umzug feiern"),
     ("veranstaltung", "sondernutzung", "gestattung", "erlaubnis")),
    (("marktstand", "markthändler", "wochenmarkt"), ("wochenmarkt", "standplatz", "marktwesen")),
    (("verloren", "gefunden", "fundstück", "liegen gelassen", "portemonnaie", "geldbörse", "schlüssel verloren"),
     ("fundsache", "fundbüro")),
    (("perso", "personalausweis", "id-karte", "identitätsnachweis"), ("personalausweis", "ausweis", "ausweisdokument")),
    (("urlaub ausland", "reisepass", "verreisen", "fernreise"), ("reisepass", "pass", "passbehörde")),
    (("vorstrafen", "führungszeugnis", "polizeiliches", "leumund"), ("führungszeugnis", "bundeszentralregister")),
    (("kopie beglaubigen", "beglaubigt", "abschrift", "amtlich bestätigt"), ("beglaubigung", "amtliche beglaubigung")),
    (("adresse herausfinden", "adresse erfragen", "wo wohnt", "anschrift"), ("melderegisterauskunft", "auskunft", "melderegister")),
    (("wohnungsgeberbestätigung", "vermieter"), ("wohnungsgeber", "anmeldung", "meldebescheinigung")),
    (("miete", "mietzuschuss", "wenig geld", "zuschuss wohnung", "wohnkosten"), ("wohngeld", "mietzuschuss", "lastenzuschuss")),
    (("arm", "bedürftig", "sozialhilfe", "hartz", "bürgergeld", "grundsicherung", "kein einkommen"),
     ("sozialhilfe", "grundsicherung", "leistung", "bürgergeld")),
    (("obdachlos", "wohnungslos", "keine wohnung", "auf der straße"), ("obdachlosenunterbringung", "unterbringung", "obdach")),
    (("flüchtling", "geflüchtete", "asyl", "asylbewerber"), ("asylbewerberleistung", "asyl", "unterbringung")),
    (("ausländer", "visum", "aufenthalt", "einbürgerung", "staatsangehörigkeit"),
     ("aufenthaltstitel", "ausländerbehörde", "einbürgerung", "staatsangehörigkeit")),
    (("rente", "ruhestand", "pension", "altersrente"), ("rentenantrag", "versicherungsamt", "rente")),
    (("behinderung", "behindert", "rollstuhl", "schwerbehindert"), ("schwerbehindertenausweis", "schwerbehinderung", "parkerleichterung")),
    (("kita", "kindergarten", "krippe", "betreuungsplatz", "kinderbetreuung", "hort", "tagesmutter", "tagesvater"),
     ("kindertagesbetreuung", "kita-platz", "kindertagespflege", "betreuung")),
    (("kitagebühr", "elternbeitrag", "betreuungskosten"), ("elternbeitrag", "kostenbeitrag", "kita")),
    (("einschulung", "schulanfang", "grundschule", "erstklässler"), ("schulanmeldung", "schule", "schulpflicht")),
    (("schulbus", "schulweg", "busfahrkarte", "fahrkarte schule"), ("schülerbeförderung", "schulweg", "fahrkosten")),
    (("mittagessen", "schulessen", "verpflegung"), ("mittagsverpflegung", "essen", "bildung und teilhabe")),
    (("klassenfahrt", "nachhilfe", "lernförderung", "schulbedarf"), ("bildung und teilhabe", "lernförderung", "leistung")),
        (("grundbesitz", "eigenheim", "haus gekauft", "wohnungseigentum"), ("grundsteuer", "grundbesitzabgabe", "grundstück")),
    (("zweitwohnung", "ferienwohnung", "nebenwohnung"), ("zweitwohnungsteuer", "nebenwohnung")),
    (("spielautomat", "spielhalle", "glücksspiel", "spielgerät"), ("vergnügungsteuer", "spielgerät")),
    (("raten", "ratenzahlung", "aufschub", "später zahlen", "nicht zahlen können"), ("stundung", "erlass", "ratenzahlung")),
    (("mahnung", "zahlungserinnerung", "säumig", "schulden", "pfändung", "vollstreckung"),
     ("mahnung", "vollstreckung", "forderung", "kasse")),
    (("rechnung", "lieferant", "e-rechnung", "xrechnung", "zahlung anweisen"),
     ("eingangsrechnung", "rechnungsbearbeitung", "zahlungsanordnung", "kasse")),
    (("einkaufen", "bestellen", "anschaffen", "beschaffen", "angebot einholen", "ausschreibung", "auftrag vergeben"),
     ("beschaffung", "vergabe", "auftrag", "bestellung")),
    (("computer", "laptop", "rechner", "pc", "drucker", "software", "zugang", "passwort", "account"),
     ("it-arbeitsplatz", "it", "berechtigung", "benutzerkonto")),
    (("störung", "kaputt", "funktioniert nicht", "ausfall", "ticket", "helpdesk"), ("it-störung", "störung", "support")),
    (("sitzung", "gemeinderat", "stadtrat", "ausschuss", "tagesordnung", "einladung rat"),
     ("sitzungsdienst", "sitzung", "gremium", "ratsinformationssystem")),
    (("protokoll", "mitschrift"), ("niederschrift", "protokoll", "sitzung")),
    (("beschluss umsetzen", "beschlüsse", "erledigung beschluss"), ("beschlusskontrolle", "beschluss", "umsetzung")),
    (("briefe", "eingangspost", "poststelle", "briefpost"), ("posteingang", "postbearbeitung", "eingang")),
    (("akten", "alte akten", "aufbewahrung", "vernichten", "archiv"), ("aktenaussonderung", "archivierung", "archiv")),
    (("haushalt", "budget", "etat", "finanzplan"), ("haushaltsplan", "haushalt", "haushaltssatzung")),
    (("förderung", "fördergeld", "fördermittel", "zuschuss beantragen", "zuwendung"), ("zuwendung", "fördermittel", "förderantrag")),
    (("daten über mich", "welche daten", "datenschutz", "auskunft daten", "dsgvo"), ("datenschutz", "auskunft", "dsgvo")),
    (("akteneinsicht", "informationszugang", "transparenz"), ("informationsfreiheit", "informationszugang", "akteneinsicht")),
    (("bewerbung", "job", "neue kollegin", "neuer kollege", "personal suchen", "stellenanzeige"),
     ("stellenausschreibung", "auswahlverfahren", "einstellung", "personal")),
    (("neu anfangen", "erster arbeitstag", "onboarding", "arbeitsvertrag"), ("einstellung", "arbeitsvertrag", "personal")),
    (("urlaub", "freie tage", "frei nehmen"), ("urlaubsantrag", "erholungsurlaub", "urlaub")),
    (("krank", "krankmeldung", "arbeitsunfähig", "gelber schein", "au"), ("krankmeldung", "arbeitsunfähigkeit", "krankheit")),
    (("dienstreise", "reisekosten", "fahrtkosten", "dienstfahrt"), ("dienstreise", "reisekostenabrechnung", "reisekosten")),
    (("fortbildung", "weiterbildung", "seminar", "schulung", "lehrgang"), ("fortbildung", "weiterbildung", "qualifizierung")),
    (("arbeitszeugnis", "dienstzeugnis", "referenz"), ("arbeitszeugnis", "zeugnis")),
    (("kündigung", "kündigen", "aufhören", "ausscheiden", "renteneintritt", "verlassen"), ("ausscheiden", "austritt", "kündigung")),
    (("jubiläum", "25 jahre", "40 jahre", "dienstjubiläum"), ("dienstjubiläum", "jubiläum", "ehrung")),
    (("gefährlicher hund", "kampfhund", "listenhund", "beißen", "biss"), ("gefährlicher hund", "hundehaltung", "erlaubnis")),
    (("lärm", "ruhestörung", "nachbar", "belästigung"), ("ruhestörung", "ordnungsamt", "lärm")),
    (("wasser", "brunnen", "abwasser", "kanal", "regenwasser"), ("wasser", "abwasser", "entwässerung", "wasserrecht")),
    (("feuerwehr", "einsatz", "brand"), ("feuerwehr", "brandschutz", "einsatz")),
    (("wahl", "wählen", "briefwahl", "wahlschein", "stimmzettel"), ("wahl", "briefwahl", "wahlschein", "wählerverzeichnis")),
    (("kirche austreten", "kirchenaustritt", "austreten kirche", "kirchensteuer sparen"), ("kirchenaustritt", "austritt")),
    (("name ändern", "nachname", "namensänderung", "namen"), ("namensänderung", "namenserklärung", "name")),
    (("urkunde", "geburtsurkunde", "heiratsurkunde", "sterbeurkunde"), ("personenstandsurkunde", "urkunde", "standesamt")),
    (("angeln", "fischen", "angelschein"), ("fischereischein", "fischerei")),
    (("jagen", "jäger", "jagdschein"), ("jagdschein", "jagd")),
    (("waffe", "waffenschein"), ("waffenschein", "waffenbesitzkarte", "waffenrecht")),
    (("plakat", "werbung", "aufsteller", "werbeschild"), ("plakatierung", "werbeanlage", "sondernutzung")),
    (("spielplatz", "spielgerät kontrolle"), ("spielplatz", "spielplatzkontrolle", "verkehrssicherung")),
    (("straße kaputt", "schlagloch", "straßenschaden", "gehweg kaputt", "laterne"), ("straßenschaden", "straßenunterhaltung", "mängelmeldung")),
    (("schnee", "winterdienst", "streuen", "räumen"), ("winterdienst", "straßenreinigung")),
    (("impfung", "masern", "impfnachweis"), ("masernschutz", "impfnachweis", "infektionsschutz")),
    (("bücherei", "bibliothek", "ausleihen"), ("bibliothek", "ausleihe", "benutzerausweis")),
    (("sporthalle", "sportplatz", "halle mieten", "turnhalle"), ("sportstätte", "hallenbelegung", "vergabe")),
    (("verein", "ehrenamt", "ehrenamtlich"), ("ehrenamt", "verein", "ehrenamtskarte")),
    (("beschwerde", "unzufrieden", "reklamation", "meckern"), ("beschwerde", "anregung", "beschwerdemanagement")),
)


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[tuple[tuple[str, ...], ...], tuple[str, ...]], ...]:
    """Each concept as stemmed trigger phrases and its targets."""
    out = []
    for triggers, targets in CONCEPTS:
        phrases = tuple(tuple(stem(w) for w in words(t)) for t in triggers)
        out.append((tuple(p for p in phrases if p), targets))
    return tuple(out)


def expansions(query: str) -> list[str]:
    """Administrative terms for the concepts a query mentions (may be empty)."""
    query_stems = [stem(w) for w in words(query)]
    found: list[str] = []
    joined = " ".join(query_stems)
    for phrases, targets in _index():
        for phrase in phrases:
            if len(phrase) == 1:
                # A trigger also fires as the first part of a compound
                # ("Welpenschutz"), not as its head ("Büchereiausweis").
                hit = any(s == phrase[0] or (len(phrase[0]) >= 5 and s.startswith(phrase[0])) for s in query_stems)
            else:
                hit = " ".join(phrase) in joined
            if hit:
                found.extend(t for t in targets if t not in found)
                break
    return found
