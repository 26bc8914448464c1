"""German understanding: figures, legal references, steps, decisions, corrections, draft editing."""

from __future__ import annotations

import pytest

from app.dialogue import drafting
from app.dialogue.corrections import find_corrections
from app.domain import ProcessProfile
from app.nlp.decisions import parse_decisions, says_no_decisions
from app.nlp.figures import case_volume_per_year, minutes_per_case
from app.nlp.gazetteer import Gazetteer
from app.nlp.legal import legal_references
from app.nlp.steps import activities, split_items


@pytest.mark.parametrize("text, expected", [
    ("ca. 400 Fälle im Jahr", 400), ("rund 30 im Monat", None), ("Ungefähr 1.200 Anträge pro Jahr", 1200),
    ("zwei Fälle pro Woche", 104), ("so zwanzig Vorgänge jährlich", 20), ("Das kommt ungefähr 40 Mal im Jahr vor", 40),
    ("meist warten wir eine Woche", None), ("keine Ahnung", None),
])
def test_case_volume(text, expected):
    assert case_volume_per_year(text) == expected


def test_case_volume_when_asked_needs_no_noun():
    assert case_volume_per_year("rund 30 im Monat", asked=True) == 360


@pytest.mark.parametrize("text, expected", [
    ("rund 20 Minuten", 20), ("So 25 Minuten pro Fall.", 25), ("eine Stunde", 60), ("anderthalb Stunden", 90),
    ("eine halbe Stunde", 30), ("1,5 Stunden", 90), ("zwei Stunden pro Woche", None), ("drei Tage Frist", None),
])
def test_minutes_per_case(text, expected):
    assert minutes_per_case(text) == expected


def test_legal_references():
    assert legal_references("Das regelt § 14 GewO, dazu Art. 19 LStVG und § 90 SGB VIII.") == [
        "§ 14 GewO", "Art. 19 LStVG", "§ 90 SGB VIII"]
    assert legal_references("Nach der Hundesteuersatzung der Stadt.") == ["Hundesteuersatzung"]
    assert legal_references("§ 45 Abs. 1b StVO") == ["§ 45 Abs. 1b StVO"]


def test_split_items_handles_sentences_and_lists():
    assert split_items("Zuerst nehme ich den Antrag an, dann prüfe ich ihn. Zum Schluss lege ich ihn ab.") == [
        "Zuerst nehme ich den Antrag an, dann prüfe ich ihn", "Zum Schluss lege ich ihn ab"]
    assert split_items("1. Antrag annehmen\n2. Antrag prüfen\n3. Bescheid senden") == [
        "Antrag annehmen", "Antrag prüfen", "Bescheid senden"]
    steps = activities("Zuerst nehme ich den Antrag an, dann prüfe ich ihn. Zum Schluss lege ich ihn ab.")
    assert [s.label for s in steps] == ["Antrag entgegennehmen", "Antrag prüfen", "Antrag ablegen"]


def test_one_step_per_activity():
    steps = activities("Dann erstelle ich den Bescheid und versende ihn per Post an den Antragsteller.")
    assert [s.label for s in steps] == ["Bescheid erstellen", "Bescheid per Post versenden"]
    assert [s.kind for s in steps] == ["create_document", "send"]
    printed = activities("Dann drucke ich die Bescheinigung aus und händige sie aus.")
    assert [s.label for s in printed] == ["Bescheinigung ausdrucken", "Bescheinigung aushändigen"]


def test_actor_system_and_media_break():
    gazetteer = Gazetteer()
    step = activities("Danach tippe ich die Daten vom Papierformular in OK.EWO ein.", gazetteer)[0]
    assert step.label == "Daten vom Papierformular in OK.EWO erfassen"  # "eintippen" → erfassen, the system is the place
    assert step.it_system == "OK.EWO" and step.media_break and step.kind == "enter_data"
    paid = activities("Die Stadtkasse bucht die Zahlung in SAP.", gazetteer)[0]
    assert paid.actor == "Stadtkasse" and paid.label == "Zahlung buchen" and paid.kind == "payment"
    assert paid.it_system == "SAP" and not paid.media_break


def test_decisions_with_end_and_loop():
    text = ("Nach Schritt 2 entscheiden wir: Ist der Einsatz kostenpflichtig? Wenn ja, geht es mit Schritt 3 weiter, "
            "wenn nein, ist der Vorgang beendet. Nach Schritt 4 fragen wir: Gibt es Einwände? Wenn ja, geht es "
            "zurück zu Schritt 2, wenn nein mit Schritt 5.")
    decisions = parse_decisions(text, 6)
    assert [(d.after_step, [(b.condition, b.goto_step) for b in d.branches]) for d in decisions] == [
        (2, [("ja", 3), ("nein", None)]), (4, [("ja", 2), ("nein", 5)])]
    assert decisions[0].question == "Ist der Einsatz kostenpflichtig?"
    assert parse_decisions("Nach Schritt 9: ok? Wenn ja Schritt 1, wenn nein Schritt 2.", 5) == []
    assert says_no_decisions("Da gibt es keine Verzweigung, das läuft immer gleich.")


def test_corrections_are_recognised():
    kinds = [(c.action, c.step, c.text) for c in find_corrections(
        "Schritt 3 fällt weg. Nach Schritt 2 kommt noch die Prüfung durch die Leitung. Schritt 5 macht bei uns "
        "die Kasse.")]
    assert ("delete", 3, "") in kinds and ("actor", 5, "Kasse") in kinds
    assert any(a == "insert_after" and s == 2 for a, s, _ in kinds)
    assert [(c.action, c.step, c.other) for c in find_corrections("Schritt 2 und 4 tauschen")] == [("swap", 2, 4)]


@pytest.mark.parametrize("text, expected", [
    ("Statt „Gebühr nach Tarifstelle berechnen“ machen wir: Gebühr festsetzen.",
     ("rename", "Gebühr nach Tarifstelle berechnen", "Gebühr festsetzen")),
    ("„Auskunft bzw. Mitteilung versenden“ heißt bei uns „Auskunft verschicken“.",
     ("rename", "Auskunft bzw. Mitteilung versenden", "Auskunft verschicken")),
    ("Bei „Antrag prüfen“ ist es bei uns eigentlich so: Vollmacht anfordern.",
     ("rename", "Antrag prüfen", "Vollmacht anfordern")),
    ("„Antrag prüfen“ ist bei uns eher: Unterlagen sichten", ("rename", "Antrag prüfen", "Unterlagen sichten")),
    ("Nach „Flurstück recherchieren“ fehlt was, da müssen wir noch Karteikarte heraussuchen und danach Blatt "
     "einscannen.", ("insert_after", "Flurstück recherchieren", "Karteikarte heraussuchen und danach Blatt einscannen")),
    ("Hinter „Antrag prüfen“ gehört bei uns noch „Gebühr kassieren“ rein.",
     ("insert_after", "Antrag prüfen", "Gebühr kassieren")),
    ("Was bei Ihnen fehlt: nach „Antrag prüfen“ noch Akte anlegen.", ("insert_after", "Antrag prüfen", "Akte anlegen")),
    ("Ganz am Anfang, vor „Antrag entgegennehmen“, kommt bei uns noch: Post öffnen.",
     ("insert_before", "Antrag entgegennehmen", "Post öffnen")),
    ("Bevor wir „Antrag entgegennehmen“ machen, müssen wir erst Termin vergeben.",
     ("insert_before", "Antrag entgegennehmen", "Termin vergeben")),
    ("Zum Schluss kommt bei uns noch: Vorgang in der Statistik erfassen.",
     ("insert_after", "", "Vorgang in der Statistik erfassen")),
])
def test_steps_named_by_their_quoted_label_are_corrected(text, expected):
    found = [(c.action, c.about, c.text) for c in find_corrections(text)]
    assert found == [expected]


@pytest.mark.parametrize("text", [
    "Zum Schluss lege ich die Anmeldung ab.",  # a step told, not an addition to a list
    "Der Antrag kommt rein, dann prüfe ich ihn, am Ende schicke ich den Bescheid raus.",
    "Das Formular heißt bei uns „Anmeldung Hund“.",
])
def test_told_steps_and_names_are_no_quoted_corrections(text):
    assert [c for c in find_corrections(text) if c.action in ("rename", "insert_after", "insert_before")] == []


def test_a_quoted_deletion_with_gar_is_recognised():
    found = find_corrections("Das mit „Gebühr nach Tarifstelle berechnen“ gibt's bei uns gar nicht.")
    assert [(c.action, c.text) for c in found] == [("delete_by_content", "Gebühr nach Tarifstelle berechnen")]


def _draft() -> ProcessProfile:
    return ProcessProfile.model_validate({
        "title": "T", "steps": [{"n": i, "label": f"S{i}"} for i in range(1, 6)],
        "decisions": [{"after_step": 2, "question": "Q?", "branches": [{"condition": "ja", "goto_step": 4},
                                                                     {"condition": "nein", "goto_step": 3}]}]})


def test_deleting_a_step_keeps_decisions_consistent():
    draft = drafting.delete_step(_draft(), 3)
    assert [s.label for s in draft.steps] == ["S1", "S2", "S4", "S5"] and [s.n for s in draft.steps] == [1, 2, 3, 4]
    assert [(b.condition, b.goto_step) for b in draft.decisions[0].branches] == [("ja", 3), ("nein", 3)]


def test_inserting_and_swapping_steps_renumber_references():
    new = drafting.steps_from(activities("Ich prüfe die Vollmacht."))
    draft = drafting.insert_steps(_draft(), 2, new)
    assert [s.label for s in draft.steps][:3] == ["S1", "Vollmacht prüfen", "S2"]
    assert draft.decisions[0].after_step == 3
    assert [b.goto_step for b in draft.decisions[0].branches] == [5, 4]
    swapped = drafting.swap_steps(_draft(), 3, 4)
    assert [b.goto_step for b in swapped.decisions[0].branches] == [3, 4]


def test_fallback_reasons_never_show_an_api_key():
    from app.dialogue.llm import FallbackLog

    log = FallbackLog()
    log.record("AuthenticationError: Error code: 401 - Incorrect API key provided: sk-live-abcdefgh1234. Bearer tok123")
    assert "sk-live" not in log.last["reason"] and "tok123" not in log.last["reason"]
    assert "401" in log.last["reason"]


# -- process names as object + infinitive -------------------------------------------------------

@pytest.mark.parametrize("name, verbal", [
    ("Friedhofsgebührenerhebung", "Friedhofsgebühr erheben"),  # linking "en" marked by the morphology
    ("Urkundenausstellung", "Urkunde ausstellen"),
    ("Schöffen-Auswahl", None),  # "-wahl" is no action noun of the table
    ("Sperrmüllabholung", "Sperrmüll abholen"),
    ("Geburtsbeurkundung", "Geburt beurkunden"),  # linking "s" after "-ts"
    ("Bücher-Ausleihe", "Bücher ausleihen"),
    ("Wohnungslosenunterbringung", "Wohnungslose unterbringen"),  # a nominalised adjective as object
    ("Gartenwasserzählerabnahme", "Gartenwasserzähler abnehmen"),
    ("Gewerbeanmeldung", None),  # a registration keeps its established name
    ("Ausgabe der Wahlscheine", "Wahlscheine ausgeben"),
    ("Abnahme eines Bauwerks", "Bauwerk abnehmen"),  # genitive singular → base form
    ("Bauverwaltung", None),  # names a body, not an act: no "walten"
    ("Straßenbeleuchtung", None),
    ("Ausnahme von der Satzung", None),
    ("Anmeldung", None),  # no object to name
    ("Hundesteuer anmelden", None),  # already a verb
])
def test_nominal_names_become_object_and_infinitive(name, verbal):
    from app.nlp.titles import verbal_title

    assert verbal_title(name) == verbal


def test_title_answer_is_stored_verbally_and_the_told_name_is_kept():
    from app.nlp.understanding_slots import renamed_title_note, short_title

    assert short_title("Wahlscheinausgabe") == "Wahlschein ausgeben"
    assert short_title("Wahlscheinausgabe", verbal=False) == "Wahlscheinausgabe"
    note = renamed_title_note("Wahlscheinausgabe", "Wahlschein ausgeben")
    assert "„Wahlschein ausgeben“" in note and "„Wahlscheinausgabe“" in note
    assert renamed_title_note("Wahlschein ausgeben", "Wahlschein ausgeben") is None


@pytest.mark.parametrize("answer, title", [
    ("Grabpflege, offiziell Pflege von Grabstätten", "Grabstätten pflegen"),
    ("Zuschussstelle bzw. Antrag auf Vereinszuschuss", "Antrag auf Vereinszuschuss"),  # the official form
    ("Ordnungswidrigkeiten / Bußgeldverfahren", "Bußgeldverfahren"),
    ("Urkundenausstellung bzw. Kopien", "Urkunde ausstellen"),  # the action name is the better one
    ("Maibaum / Brauchtumsfest anmelden", "Maibaum anmelden"),  # the verb serves both nouns
    ("Rechnungsprüfung / Schlussrechnungen", "Schlussrechnungen prüfen"),  # the second names the object
    ("Straßenfest (Musik, selten Feuerwerk)", "Straßenfest"),  # a gloss in brackets is no second name
    ("Sammelstelle / Ausnahme von der Gebühr", "Sammelstelle"),
])
def test_of_two_names_the_more_descriptive_one(answer, title):
    from app.nlp.understanding_slots import short_title

    assert short_title(answer) == title


@pytest.mark.parametrize("answer, trigger", [
    ("meistens ne anzeige", "Anzeige"),  # spoken, in lower case: still the trigger
    ("Anfrage eines Maklers, manchmal auch von Erben", "Anfrage eines Maklers"),  # a side remark on who else
    ("Antrag auf Zuschuss, kommt per Post oder online", "Antrag auf Zuschuss"),  # the channel is no trigger
    ("Meldung vom Hausmeister, fast immer per Telefon", "Meldung vom Hausmeister"),
    ("Nachbar meldet nen umgestürzten Baum", "Nachbar meldet einen umgestürzten Baum"),  # written articles
    ("Antrag des Vereins bis 30. April", "Antrag des Vereins bis 30. April"),  # a date is no sentence end
])
def test_trigger_answers_keep_the_trigger_without_remarks(answer, trigger):
    from app.nlp.understanding_slots import trigger_clause

    assert trigger_clause(answer) == trigger


def test_spoken_lower_case_german_is_german():
    from app.nlp.language import guess

    assert guess("meistens ne rechnung") == "de"
    assert guess("qwertz asdf yxcv") == "unknown"


@pytest.mark.parametrize("answer, result", [
    ("Genehmigung ist raus", "Genehmigung versandt"),
    ("Die Absagen sind raus und der Vertrag liegt in der Akte", "Die Absagen versandt und der Vertrag liegt in der Akte"),
    ("Der Bürger hat seinen Ausweis in der Hand", "Ausweis ausgehändigt"),
    ("Daten sind erfasst, sie haben ihre Urkunde in der Hand", "Daten sind erfasst, Urkunde ausgehändigt"),
    ("Zähler ist raus aus dem Keller und neu eingebaut", "Zähler ist raus aus dem Keller und neu eingebaut"),  # not sent
    ("Der Antrag ist bewilligt", "Der Antrag ist bewilligt"),  # said in written words already
])
def test_results_are_stated_as_what_was_done(answer, result):
    from app.nlp.understanding_slots import result_statement

    assert result_statement(answer) == result


def test_nobody_else_is_an_answer_that_there_is_none():
    from app.dialogue.understanding import says_none
    assert says_none("nix weiter") and says_none("nein, sonst niemand") and says_none("nur ich")
    assert not says_none("das Bauamt")
