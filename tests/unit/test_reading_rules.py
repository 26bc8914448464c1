"""Step reading rules for everyday clerk German: each test names one way clerks talk.

The sentences are written for these tests, not taken from any evaluation case.
"""

from __future__ import annotations

import pytest

from app.nlp import orthography
from app.nlp.clauses import sentences
from app.nlp.steps import read_description
from app.nlp.tagger import tokenize


def labels(text: str) -> list[str]:
    return [a.label for a in read_description(text).activities]


def test_colloquial_articles_become_full_forms_but_not_a_tag_question():
    assert orthography.normalise(["schreib", "nen", "Vermerk"]) == ["schreib", "einen", "Vermerk"]
    assert orthography.normalise(["das", "passt", "so", ",", "ne", "?"])[-2] == "ne"


def test_truecaser_only_touches_sentences_typed_in_lower_case():
    lower = tokenize("dann schreib ich den bericht und leg die akte an")
    assert "Bericht" in orthography.normalise(lower) and "Akte" in orthography.normalise(lower)
    mixed = tokenize("Dann schreib ich den Bericht für die Kasse und die liste")
    assert orthography.normalise(mixed)[-1] == "liste"  # typed with capitals: kept as typed
    assert "bauen" not in orthography.nouns()  # verbs that are also nouns stay verbs


def test_shipped_truecase_list_is_current():
    assert sorted(orthography.nouns()) == orthography.fit()


def test_lower_case_description_keeps_its_objects():
    assert labels("abends schreib ich nen kurzen bericht in word.") == ["Bericht erstellen"]


def test_two_tellings_of_one_receipt_are_one_step():
    assert labels("Der Antrag wird im Rathaus abgegeben, der kommt dann zu mir. Ich prüfe ihn.") == [
        "Antrag entgegennehmen", "Antrag prüfen"]


def test_same_verb_on_same_object_is_one_step_with_both_details():
    reading = read_description("Ich schau mir das Vorhaben baurechtlich an, das guck ich im GIS nach.")
    assert [a.label for a in reading.activities] == ["Vorhaben baurechtlich prüfen"]


def test_document_heads_are_read_at_the_end_of_a_compound():
    assert labels("Dann mach ich eine Sitzungsvorlage.") == ["Sitzungsvorlage erstellen"]
    assert labels("Dann machen wir eine Besprechung.") == ["Besprechung durchführen"]


def test_filing_told_with_kommen_and_forwarding_with_weiter():
    assert labels("Zum Schluss kommt alles in die Bauakte.") == ["Unterlagen in Bauakte ablegen"]
    assert labels("Den Antrag schick ich weiter ans Landratsamt.") == ["Antrag ans Landratsamt weiterleiten"]


def test_usw_ends_a_sentence_before_a_capitalised_opener():
    assert sentences("Urkunden, Ausweis usw. Dann prüf ich alles.") == ["Urkunden, Ausweis usw.", "Dann prüf ich alles"]


def test_decades_are_one_token_and_a_threshold():
    assert "90ern" in tokenize("bei den 90ern")
    reading = read_description("Ich druck die Karten aus. Bei den 90ern ruf ich vorher an und mach einen Termin aus.")
    assert [a.label for a in reading.activities] == ["Karten ausdrucken", "Termin telefonisch vereinbaren"]
    assert [(d.after_step, [b.goto_step for b in d.branches]) for d in reading.decisions] == [(1, [2, None])]


def test_idiom_with_a_full_verb_is_not_a_step():
    assert labels("Der Bürgermeister unterschreibt die Karten, darauf legt er Wert.") == [
        "Karten vom Bürgermeister unterschreiben lassen"]


def test_comma_less_condition_hands_over_to_its_main_clause():
    reading = read_description("Ich ruf die Leute an. Wenn ja mach ich einen Termin aus und bestell die Blumen.")
    assert [a.label for a in reading.activities][1:] == ["Termin vereinbaren", "Blumen bestellen"]
    assert len(reading.decisions) == 1


def test_recipients_of_kriegen_and_a_letter_to_a_person():
    assert labels("Post und Versorger kriegen eine Info.") == ["Info an Post und Versorger versenden"]
    assert labels("Dann schreib ich dem Eigentümer.") == ["Eigentümer anschreiben"]


def test_time_phrase_is_not_the_object():
    assert labels("Am Monatsanfang zieh ich mir die Liste der Jubilare.") == ["Liste der Jubilare abrufen"]


def test_visit_and_the_look_taken_there_are_one_step():
    assert labels("Dann fahr ich raus und guck mir das an.") == ["Vor Ort besichtigen"]


def test_opening_heading_names_the_process_but_a_signature_does_not():
    from app.nlp.understanding_slots import opening_title

    assert opening_title("Hausnummern vergeben. Meistens kommt der Bauantrag …") == "Hausnummern vergeben"
    assert opening_title("Hallo,\nanbei wie wir Schülerpraktika vergeben:\n- Bewerbung kommt") == \
        "Schülerpraktika vergeben"
    assert opening_title("Stadt Neuhain, Ordnungsamt. Sondernutzungen. Die Leute rufen an") == "Sondernutzungen"
    assert opening_title("Der Antrag kommt per Post, ich prüfe ob er vollständig ist.") is None


def test_unit_named_after_aber_or_also_wins():
    from app.nlp.understanding_slots import org_unit_name

    assert org_unit_name("offiziell der Zweckverband, aber die Arbeit macht das Bauamt, also ich") == "Bauamt"
    assert org_unit_name("ich sitz in der Kasse, also Fachbereich 3 Finanzen, Stadtkasse") == "Stadtkasse"
    assert org_unit_name("Ordnungsamt, also ich") == "Ordnungsamt"


def test_kommt_in_files_or_enters_instead_of_receiving():
    assert labels("Der Antrag kommt per Post. Jeder Antrag kommt dann in unsere Excel-Liste.") == [
        "Antrag entgegennehmen", "Antrag in Excel-Liste erfassen"]
    assert labels("Der Antrag kommt per Post. Die Kopie kommt in enaio.") == [
        "Antrag entgegennehmen", "Kopie in enaio ablegen"]


def test_no_receipt_mid_process_without_a_named_thing():
    assert labels("Der Antrag kommt per Post. Ich prüfe ihn. Die kommen meistens mit.") == [
        "Antrag entgegennehmen", "Antrag prüfen"]


def test_what_others_do_without_a_building_block_is_a_remark():
    assert labels("Ich scanne die Rechnung ein. Die Poststelle stempelt.") == ["Rechnung einscannen"]


def test_walking_over_is_not_sending_and_handing_over_is_not_posting():
    assert labels("Dann geh ich rüber an den Karteischrank.") == []
    assert labels("Dann kriegen sie den Schein in die Hand.") == ["Schein aushändigen"]


def test_writing_to_an_office_is_a_letter_to_it():
    assert labels("Dann schreib ich ans Jobcenter.") == ["Jobcenter anschreiben"]


def test_number_words_ranges_and_the_figure_settled_on():
    from app.nlp.figures import case_volume_per_year, minutes_per_case

    assert case_volume_per_year("so dreihundertfünfzig im jahr", asked=True) == 350
    assert case_volume_per_year("achtzehntausend Rechnungen im Jahr, grob") == 18000
    assert case_volume_per_year("vor Wahlen hundert im Monat, aufs Jahr gerechnet so zwei- bis dreihundert",
                                asked=True) == 250
    assert case_volume_per_year("zwischen 150 und 180 im Jahr, sagen wir hundertzwanzig neue", asked=True) == 120
    assert case_volume_per_year("2025 waren es 37 Anträge", asked=True) == 37
    assert minutes_per_case("ne halbe stunde") == 30


def test_participants_are_the_named_offices_of_clauses_not_negated():
    from app.nlp.understanding_slots import participant_names

    assert participant_names("eigentlich nur die Stadtkasse, wegen dem Bargeld. Die Polizei hat ihr eigenes "
                             "Fundbüro, mit denen haben wir nix zu tun") == ["Stadtkasse"]
    assert participant_names("IHK, Handwerkskammer und die untere Fischereibehörde") == [
        "IHK", "Handwerkskammer", "Untere Fischereibehörde"]
    assert participant_names("nur die Entsorgungsfirma, das ist Remondis. Den Bauhof brauchen wir nicht") == [
        "Entsorgungsfirma Remondis"]


def test_who_does_a_step_said_as_a_contrast():
    from app.dialogue.corrections import find_corrections

    found = find_corrections("das mit dem Anordnen stimmt so nicht, das macht nicht der Amtsleiter sondern die "
                             "Kollegin im Fachamt")
    assert [(c.action, c.text, c.about) for c in found] == [("actor", "Fachamt", "Anordnen")]
    found = find_corrections("die Rechnung schreib nicht ich, die macht die Stadtkasse")
    assert [(c.action, c.text, c.about) for c in found] == [("actor", "Stadtkasse", "Rechnung")]


def test_a_participant_can_be_added_at_any_time():
    from app.dialogue.field_changes import find_field_changes
    from app.domain import ProcessProfile

    draft = ProcessProfile(title="T", participants=["Kasse"])
    assert find_field_changes("setz bitte noch den Landkreis als Beteiligten dazu", draft) == {
        "participants": ["Kasse", "Landkreis"]}


def test_title_answers_prefer_a_short_official_name():
    from app.nlp.understanding_slots import short_title

    assert short_title("Wir sagen intern einfach Infostände, offiziell ist das die Sondernutzungserlaubnis für "
                       "Informationsstände auf öffentlichen Verkehrsflächen nach dem Straßengesetz") == \
        "Sondernutzungserlaubnis für Informationsstände"
    assert short_title("bei uns heißt das Fundbüro, offiziell glaub ich Annahme von Fundsachen oder so ähnlich") == \
        "Fundsachen annehmen"  # the official name, as object + infinitive


def test_renaming_with_draus_and_no_judgement_as_a_name():
    from app.dialogue.field_changes import find_field_changes
    from app.domain import ProcessProfile

    draft = ProcessProfile(title="Vermietung des Bürgerhauses für private Feiern")
    assert find_field_changes("nur der Titel ist zu lang, mach einfach Bürgerhaus vermieten draus", draft) == {
        "title": "Bürgerhaus vermieten"}
    assert find_field_changes("der Titel ist zu lang", draft) == {}


def test_products_named_in_lower_case_and_negated_lists():
    from app.nlp.understanding_slots import named_products, negated_mentions

    assert named_products("fundinfo heißt das programm, und fürs melderegister OK.EWO") == ["Fundinfo", "OK.EWO"]
    assert named_products("nur die zeiterfassung, das ist interflex") == ["Interflex"]
    assert "excel" in negated_mentions("Excel-Listen benutzen wir dafür keine")


def test_a_step_said_to_come_before_or_after_another():
    from app.dialogue.corrections import find_corrections

    found = find_corrections("und übrigens, den Friedhofsgärtner frag ich erst nachdem ich's im Programm "
                             "eingetragen hab, nicht vorher")
    assert [(c.action, c.text, c.where) for c in found] == [("move", "Friedhofsgärtner", "nach")]
    assert find_corrections("Nach dem Prüfen schreib ich den Bescheid.") == []


def test_wenn_nicht_after_an_ob_clause_asks_that_question():
    reading = read_description("Ich guck ob die wirklich im Gebiet wohnen, wenn nicht gibt's keinen Ausweis und die "
                               "kriegen eine Ablehnung. Sonst druck ich den Ausweis aus.")
    assert [a.label for a in reading.activities] == ["Gebiet prüfen", "Ablehnung versenden", "Ausweis ausdrucken"]
    decision = reading.decisions[0]
    assert decision.question == "Wohnen die wirklich im Gebiet?"
    assert [(b.condition, b.goto_step) for b in decision.branches] == [("nein", 2), ("ja", 3)]


def test_durations_are_no_volumes_and_the_average_is_settled_on():
    from app.nlp.figures import case_volume_per_year

    assert case_volume_per_year("die Genehmigungen laufen fünf Jahre, also verlängern wir im Schnitt so zwölf im "
                                "Jahr", asked=True) == 12


def test_signer_of_a_step_is_its_actor():
    reading = read_description("Den Bescheid unterschreibt der Amtsleiter.")
    assert [(a.label, a.actor) for a in reading.activities] == [("Bescheid vom Amtsleiter unterschreiben lassen",
                                                                 "Amtsleiter")]


def test_handing_over_to_a_routine_of_the_office():
    assert labels("Ich buch die Anordnung und dann geht's in den Zahllauf.") == [
        "Anordnung buchen", "Zahllauf durchführen"]


def actors(text: str) -> list[tuple[str, str | None]]:
    return [(a.label, a.actor) for a in read_description(text).activities]


def test_roles_typed_in_lower_case_stay_nouns():
    assert orthography.normalise(tokenize("die zeichnet dann der fachbereichsleiter ab"))[4] == "Fachbereichsleiter"
    assert "Vorgesetzten" in orthography.normalise(tokenize("ich geb den schein beim vorgesetzten ab"))
    assert "insgesamt" in orthography.normalise(tokenize("das sind insgesamt so drei fälle im monat"))


def test_document_sent_to_a_role_for_signature_is_signed_by_that_role():
    assert actors("Die Verfügung schreib ich, die geht dann zum Bürgermeister zur Unterschrift.") == [
        ("Verfügung erstellen", None), ("Verfügung vom Bürgermeister unterschreiben lassen", "Bürgermeister")]
    signed = actors("den vertrag leg ich der amtsleitung zum abzeichnen vor")
    assert signed == [("Vertrag von der Amtsleitung abzeichnen lassen", "Amtsleitung")]


def test_verbless_conjunct_shares_the_motion_verb():
    assert labels("Das Schreiben geht zur Kämmerei zur Freigabe und dann per Post raus.") == [
        "Schreiben von der Kämmerei freigeben lassen", "Schreiben per Post versenden"]
    # alternatives are one means, not a second conjunct
    assert labels("Den Bescheid schreib ich. Der geht per Mail oder Post raus.") == [
        "Bescheid erstellen", "Bescheid per Mail oder Post versenden"]


def test_pronoun_subject_after_a_role_makes_that_role_act():
    assert actors("Die Rechnung geht an den Amtsleiter, der zeichnet sie ab.")[-1] == (
        "Rechnung vom Amtsleiter abzeichnen lassen", "Amtsleiter")
    steps = actors("Ich gebe den Antrag beim Vorgesetzten ab, der prüft die Vertretung und zeichnet ab.")
    assert [actor for _, actor in steps[-2:]] == ["Vorgesetzte", "Vorgesetzte"]


def test_a_sender_is_not_the_actor_of_the_receipt():
    assert actors("Die Schulen schicken mir im Herbst die Liste der Kinder.")[0][1] is None


def test_what_the_customer_does_on_their_own_is_no_step_of_the_office():
    assert labels("Die Eltern füllen den Antrag aus und geben ihn im Sekretariat ab.") == [
        "Antrag entgegennehmen"]
    assert labels("- Halter und Hund im Steuerprogramm anlegen") != []  # an infinitive item has no subject
    assert labels("Die Eltern kriegen von mir einen Bescheid.") == ["Bescheid an Eltern versenden"]


def test_a_passive_pronoun_names_the_object_told_before():
    assert labels("Den Bescheid schreib ich, und dann wird er ausgedruckt.") == [
        "Bescheid erstellen", "Bescheid ausdrucken"]


def test_an_aside_after_a_finished_clause_is_no_object_and_no_figure():
    assert labels("Urkunden druck ich aus, meistens drei bis fünf Stück.") == ["Urkunden ausdrucken"]
    assert labels("- Gebühren ausrechnen (Umbettung, Ausgrabung, je nachdem)\n- Bescheid versenden") == [
        "Gebühren berechnen", "Bescheid versenden"]
    assert labels("Ich prüfe den Antrag, die Nachweise und die Vollmacht.")[0].startswith("Antrag")


def test_a_contact_because_something_is_missing_requests_it():
    assert labels("Ich guck ob alles dabei ist. Fehlt was, schreib ich ne Mail.") == [
        "Auf Vollständigkeit prüfen", "Fehlende Unterlagen per E-Mail nachfordern"]
    assert labels("Wenn die Vollmacht fehlt, ruf ich den Notar an.")[-1] == "Fehlende Vollmacht telefonisch nachfordern"
    assert labels("ich prüf ob der antrag vollständig ist, wenn nicht schick ich nen brief raus") == [
        "Antrag auf Vollständigkeit prüfen", "Fehlende Unterlagen schriftlich nachfordern"]
    assert labels("wenn was fehlt ruf ich den Halter an und frag nach") == [
        "Fehlende Angaben beim Halter telefonisch erfragen"]
    assert labels("Wenn alles passt, schick ich den Bescheid raus.") == ["Bescheid versenden"]  # nothing missing


def test_whether_everything_is_there_checks_what_came_in():
    assert labels("Die Anzeige kommt per Mail. Ich guck ob alles drin ist, Standort, Uhrzeit, Brennmaterial.")[-1] \
        == "Anzeige auf Vollständigkeit prüfen"
    assert labels("Ich guck ob ne Auskunftssperre drin ist.") == ["Auskunftssperre prüfen"]  # presence, not completeness


def test_a_request_told_twice_is_one_step_and_a_mail_is_not_visited():
    assert labels("Ich prüfe ob alles da ist, wenn was fehlt schreib ich ne Mail und fordere das nach. Dann fahr "
                  "ich raus.") == ["Auf Vollständigkeit prüfen", "Fehlende Unterlagen per E-Mail nachfordern",
                                   "Vor Ort besichtigen"]


def test_what_is_granted_or_refused_is_what_came_in():
    told = read_description("Der Antrag kommt per Mail. Dann fahr ich raus und guck mir den Baum an, wenn der gesund "
                            "ist lehnen wir ab, sonst genehmigen wir.")
    assert [a.label for a in told.activities] == ["Antrag entgegennehmen", "Baum vor Ort besichtigen",
                                                  "Antrag ablehnen", "Antrag genehmigen"]
    [decision] = told.decisions  # the "sonst" step is the other branch, not the continuation
    assert decision.question == "Ist der Baum gesund?"
    assert [(b.condition, b.goto_step) for b in decision.branches] == [("ja", 3), ("nein", 4)]


@pytest.mark.parametrize(("answer", "trigger"), [
    ("Ein Bauantrag wird bei uns im Rathaus abgegeben.", "Eingang Bauantrag"),
    ("Jemand kommt mit Schwerbehindertenausweis und will den Parkausweis", "Vorsprache mit Schwerbehindertenausweis"),
    ("Die Eltern kommen mit Geburtsurkunde und Impfpass", "Vorsprache mit Geburtsurkunde und Impfpass"),
    ("Angler kommt vorbei, meistens nach bestandener Prüfung", "Angler kommt vorbei"),  # no "Eingang Angler"
    ("Antrag des Vereins bis 31. März", "Antrag des Vereins bis 31. März"),  # a date is no sentence end
    ("Prüfplan, aber den Termin bestimme ich spontan", "Prüfplan"),
])
def test_the_trigger_is_the_event_that_starts_the_process(answer, trigger):
    from app.nlp.understanding_slots import trigger_clause

    assert trigger_clause(answer) == trigger


@pytest.mark.parametrize(("text", "question"), [
    ("Ich prüfe die Straße. Wenns unsere ist, fahr ich raus, sonst geb ich es an den Kreis weiter.",
     "Ist die Straße unsere?"),  # "wenns": "es" is the subject, and the noun's ending gives the article
    ("Ich guck mir den Baum an. Wenn der gesund ist, lehne ich ab.", "Ist der Baum gesund?"),
    ("Die Karten gehen mit der Post raus. Bei den 90ern ruf ich vorher bei der Familie an.", "Bei den 90ern?"),
    ("Die Karten gehen raus. Wenn nicht, ruf ich an.", "Hat „Karten versenden“ geklappt?"),
])
def test_decision_questions_are_readable(text, question):
    reading = read_description(text)
    assert [d.question for d in reading.decisions] == [question]


def test_a_nouns_article_comes_from_its_ending_where_it_tells_it():
    from app.nlp.steps import noun_article

    assert [noun_article(w) for w in ("Straße", "Meldung", "Zentrum", "Baum", "Antrag", "Verzeichnis")] == [
        "die", "die", "das", None, None, "das"]


@pytest.mark.parametrize("text", [
    "Den Bescheid schreib ich in Word. Der muss dann vom Amtsleiter unterschrieben werden.",
    "Den Bescheid schreib ich in Word. Der wird dann vom Amtsleiter unterschrieben.",
    "Den Bescheid schreib ich in Word. Der Bescheid wird vom Amtsleiter unterschrieben.",
])
def test_a_passive_signature_by_someone_else_is_a_step_of_its_own(text):
    labelled = [(a.label, a.actor) for a in read_description(text).activities]
    assert labelled == [("Bescheid erstellen", None), ("Bescheid vom Amtsleiter unterschreiben lassen", "Amtsleiter")]


@pytest.mark.parametrize(("text", "labels"), [
    ("Die Leute rufen an.", ["Anruf entgegennehmen"]),  # the people call: the office takes the call
    ("Die Anträge kommen im März. Ich geh die durch, ob alles dabei ist.",
     ["Anträge entgegennehmen", "Anträge auf Vollständigkeit prüfen"]),  # "durchgehen" checks, it is no walk
    ("Dann geh ich rüber an den Karteischrank.", []),
    ("Die Firma repariert das, alle zwei Wochen fährt da einer rum.", []),  # others' doings
    ("Im Januar gehen die Formulare per Mail an alle Vereine. Die schicken bis 31.3. den Antrag zurück, mit der Liste "
     "ihrer Mitglieder.", ["Formulare per Mail versenden", "Antrag entgegennehmen"]),
])
def test_who_does_it_decides_the_step(text, labels):
    assert [a.label for a in read_description(text).activities] == labels


def test_a_date_ends_no_sentence():
    assert sentences("Die schicken bis 31.3. den Antrag zurück. Dann prüf ich.") == [
        "Die schicken bis 31.3. den Antrag zurück", "Dann prüf ich"]


def test_what_goes_out_without_a_name_is_the_document_made_last():
    text = "Die Auskunft schreib ich in Word, und die Gebühr setz ich gleich mit fest. Geht dann per Mail oder Post raus."
    assert [a.label for a in read_description(text).activities] == [
        "Auskunft erstellen", "Gebühr festsetzen", "Auskunft per Mail oder Post versenden"]


@pytest.mark.parametrize(("opening", "unit"), [
    ("Guten Tag. Ich bin in der Stadtkämmerei Kirchwalden, Sachgebiet Beiträge, und erstelle Bescheinigungen.",
     "Stadtkämmerei, Sachgebiet Beiträge"),  # the town is no part of the unit, its part is
    ("ich bin im Vorzimmer vom Bürgermeister in Hammersfeld", "Vorzimmer vom Bürgermeister"),
    ("ich bin in der Gemeindeverwaltung Sülzbach am Wald für die Schulverwaltung zuständig", "Schulverwaltung"),
    ("Ich bin in der Stadtverwaltung und mache die Hundesteuer.", None),  # the whole administration is no unit
    ("Ich bin im Bürgerbüro Nord.", "Bürgerbüro Nord"),
])
def test_the_unit_told_in_the_opening(opening, unit):
    from app.dialogue.understanding import org_unit

    assert org_unit(opening) == unit


@pytest.mark.parametrize(("answer", "unit"), [
    ("Jugendpflege im Fachbereich Bildung und Soziales", "Jugendpflege im Fachbereich Bildung und Soziales"),
    ("Hauptamt, Schulverwaltung", "Hauptamt, Schulverwaltung"),
    ("Stadtkämmerei, Sachgebiet Beiträge", "Stadtkämmerei, Sachgebiet Beiträge"),
    ("Ordnungsamt, glaub ich", "Ordnungsamt"),
    ("ordnungsamt, und übrigens den dritten schritt gibts bei uns nicht", "Ordnungsamt"),
])
def test_the_unit_answer_keeps_its_parts(answer, unit):
    from app.nlp.understanding_slots import org_unit_name

    assert org_unit_name(answer) == unit


@pytest.mark.parametrize(("text", "labels"), [
    ("Ich guck ob der Einsatz überhaupt kostenpflichtig ist, also z.B. Ölspur.", ["Einsatz auf Kostenpflicht prüfen"]),
    ("Dann prüfe ich, ob der Widerspruch fristgerecht ist.", ["Widerspruch auf Fristgerechtigkeit prüfen"]),
    ("Ich prüfe, ob der Antrag zulässig ist.", ["Antrag auf Zulässigkeit prüfen"]),
    ("Ich prüfe, ob der Baum krank ist.", ["Baum prüfen"]),  # no noun for the criterion: the object alone
])
def test_a_check_names_its_criterion(text, labels):
    assert [a.label for a in read_description(text).activities] == labels


@pytest.mark.parametrize(("text", "labels"), [
    ("Der Bescheid geht raus und die Zahlung wird angewiesen.", ["Bescheid versenden", "Zahlung anweisen"]),
    ("Die rufen an, ich schau im Kalender nach.", ["Anruf entgegennehmen", "Kalender prüfen"]),
    ("Ich guck mir die Straße an, dann schick ich den Bauhof raus.", ["Straße prüfen", "Bauhof beauftragen"]),
    ("Ist nichts da, geb ich den Fall an die Gemeindekasse ab.", ["Fall an Gemeindekasse abgeben"]),
])
def test_who_is_sent_and_what_is_handed_over(text, labels):
    assert [a.label for a in read_description(text).activities] == labels


def test_strong_participles_of_particle_and_prefix_verbs():
    from app.nlp.verbs import participle_infinitive

    assert [participle_infinitive(w) for w in ("angewiesen", "überwiesen", "eingezogen", "abgelegen")] == [
        "anweisen", "überweisen", "einziehen", None]


@pytest.mark.parametrize(("text", "labels"), [
    ("Papier wird eingescannt, dann geht die Rechnung an den Fachbereich, ich prüf rechnerisch, kontier und buch die "
     "Anordnung.", ["Papier einscannen", "Rechnung an Fachbereich versenden", "Rechnung rechnerisch prüfen",
                    "Rechnung kontieren", "Anordnung buchen"]),  # what is checked and booked goes without saying
    ("Dann Dankschreiben und Zuwendungsbestätigung raus.", ["Dankschreiben und Zuwendungsbestätigung versenden"]),
    ("Ich schreib die Spende in unsere Liste und prüf ob der Spender gerade nen Antrag laufen hat.",
     ["Spende in Liste erfassen", "Spender prüfen"]),
])
def test_elliptic_and_verbless_steps(text, labels):
    assert [a.label for a in read_description(text).activities] == labels


def test_a_document_named_in_the_clause_before_is_what_is_written():
    text = "Alle Spenden vom Quartal kommen in eine Sammelvorlage für den Gemeinderat, die schreib ich in Word."
    assert [a.label for a in read_description(text).activities][-1] == "Sammelvorlage erstellen"


def test_who_brings_something_and_what_is_filled_in_with_them():
    labels = [a.label for a in read_description("Also der Finder gibt die Sache ab, ich füll mit dem die Fundanzeige aus.")
              .activities]
    assert labels == ["Sache entgegennehmen", "Fundanzeige ausfüllen"]  # "mit dem | die Fundanzeige": two phrases


def test_a_receipt_is_named_by_what_arrives_not_how():
    assert labels("Die Meldung kommt meistens per Mail oder am Telefon bei mir an.")[0] == "Meldung entgegennehmen"
    assert labels("Ich nehme den Antrag auf Wohngeld am Schalter entgegen.") == ["Antrag auf Wohngeld entgegennehmen"]


def test_software_told_as_the_place_names_where_data_is_entered():
    assert labels("Dann erfasse ich alles in OK.EWO und druck die Bestätigung aus.")[0] == "Unterlagen in OK.EWO erfassen"
    assert labels("Den Brief schreib ich in Word.") == ["Brief erstellen"]  # a letter is not kept in Word


def test_a_time_phrase_is_not_what_arrives():
    assert labels("Die Vereine schicken uns Ende des Jahres eine Aufstellung.") == ["Aufstellung entgegennehmen"]


def test_paying_by_card_is_the_fee_taken():
    assert labels("Bezahlt wird gleich mit Karte.") == ["Gebühr mit Karte kassieren"]


def test_how_long_a_document_is_does_not_name_it():
    assert labels("Ich schick eine kleine Mitteilung an die Kasse.") == ["Mitteilung an Kasse versenden"]


def test_what_goes_out_unnamed_is_the_document_not_the_figure_computed_before():
    assert labels("Ich schreib den Bescheid, rechne die Gebühr aus und schick das raus.") == [
        "Bescheid erstellen", "Gebühr berechnen", "Bescheid versenden"]


def test_a_connection_is_an_object_and_what_follows_sich_is_no_subject():
    assert labels("Danach trag ich den Anschluss in die Liste nach.")[0].startswith("Anschluss")
    assert labels("Der Hausmeister geht hin und guckt sich die Leitung an.")[-1] == "Leitung prüfen"


def test_joined_objects_and_recipients_are_kept_together_with_the_purpose():
    assert labels("Dann kriegt er die Genehmigung mit Auflagen und die Rechnung.") == [
        "Genehmigung mit Auflagen und Rechnung versenden"]
    assert labels("Ich schick den Antrag an die Kasse und an das Bauamt zur Stellungnahme.") == [
        "Antrag an Kasse und Bauamt zur Stellungnahme versenden"]
    assert labels("Ich prüf den Plan wegen Abstand zu Häusern und Wald.") == ["Plan prüfen"]


def test_the_sender_named_first_is_not_what_arrives():
    assert labels("Der Notar schickt uns die Anfrage per Mail.") == ["Anfrage entgegennehmen"]


def test_a_pronoun_for_a_person_is_not_replaced_by_the_thing_named_before():
    # "er" is the applicant, not the "Gespräch" of the step before; an unknown gender keeps the pronoun
    reading = read_description("Ich führe das Gespräch. Wenn er keine Wohnung hat, such ich einen Platz und "
                               "schreib die Verfügung.")
    assert reading.decisions[0].question == "Hat er keine Wohnung?"
    reading = read_description("Ich prüfe das in Maps. Wenns passt, trag ich das Kind in die Liste ein, sonst "
                               "schreib ich den Bescheid.")
    assert reading.decisions[0].question == "Passt es?"


def test_wenn_ja_after_wenn_nicht_is_the_other_way_of_the_same_decision():
    reading = read_description("Zuerst nehme ich den Antrag an. Dann schau ich im Plan nach, ob die Hecke zu hoch "
                               "ist. Wenn nicht, ruf ich die Nachbarn an und sag Bescheid. Wenn ja, fährt die "
                               "Kollegin raus und misst nach. Dann schreib ich den Bescheid.")
    [decision] = reading.decisions  # not a second decision asking "Ja?"
    assert decision.question == "Ist die Hecke zu hoch?"
    assert sorted((b.condition, b.goto_step) for b in decision.branches) == [("ja", 4), ("nein", 3)]


def test_something_often_missing_is_requested():
    assert labels("Ich prüfe den Antrag, oft fehlt die Vollmacht, dann schreib ich ne Mail.") == [
        "Antrag prüfen", "Fehlende Vollmacht per E-Mail nachfordern"]


def test_bzw_joins_like_oder_and_ends_no_sentence():
    assert "bzw" not in " ".join(labels("Ich schreib den Eltern bzw. dem Vormund einen Brief und leg ihn ab."))


def test_note_style_steps_without_a_verb():
    assert labels("Dann Laufzettel ans Bauamt. Zahllauf freitags. Beleg in den Ordner, fertig.") == [
        "Laufzettel an Bauamt versenden", "Zahllauf durchführen", "Beleg in Ordner ablegen"]


def test_an_abbreviated_es_is_the_thing_named_before():
    assert labels("Ich kriege die Anzeige per Mail. Zum Schluss trag ich's in die Liste ein.")[-1] == \
        "Anzeige in Liste erfassen"


def test_what_goes_out_without_a_name_is_named_and_no_word_doubles():
    assert labels("Das geht per Post raus.") == ["Unterlagen per Post versenden"]
    assert labels("Ich schick das dann per per Post raus") == ["Unterlagen per Post versenden"]


def test_what_the_customer_does_next_in_the_same_breath_is_no_step_either():
    assert labels("Der Halter schickt uns den Antrag per Mail oder er füllt das Formular im Bürgerbüro aus.") == [
        "Antrag entgegennehmen"]
    assert labels("Die Leute kommen vorbei oder schreiben per Online-Formular, ich prüf die Daten.") == [
        "Meldung entgegennehmen", "Daten prüfen"]
