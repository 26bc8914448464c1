"""The dialogue never loses or misfiles what the clerk says (issue 15), through the chat API."""

from __future__ import annotations

import pytest

from app.dialogue import template_compare
from app.dialogue.engine import chosen_card
from app.dialogue.field_changes import find_field_changes
from app.domain import ProcessProfile, Step

OPENING_WITH_STEPS = ("Es geht um die Anmeldung zur Hundesteuer. Die Anmeldung kommt per Post, ich prüfe ob alles "
                      "ausgefüllt ist, dann lege ich den Hund im Steuerprogramm an. Danach schreibe ich den Bescheid "
                      "und schicke ihn mit der Steuermarke raus. Zum Schluss lege ich die Anmeldung ab.")


@pytest.fixture
def corpus(app, runner):
    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    return app


@pytest.fixture
def clerk(make_user):
    return make_user("clara", "clerk", "Simulationshausen", "Thüringen")[1]


def _start(client, headers, **body):
    response = client.post("/api/interviews", json=body, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def _say(client, headers, interview_id, text, **extra):
    response = client.post(f"/api/interviews/{interview_id}/messages", json={"text": text, **extra}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _labels(body):
    return [s["label"] for s in body["draft"]["steps"]]


def test_the_opening_steps_are_in_the_draft_and_read_back(client, clerk):
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    labels = _labels(first)
    assert len(labels) >= 5, labels
    assert any("prüfen" in label for label in labels) and any("versenden" in label for label in labels)
    # Later answers fill their slots; the steps question reads back what was understood.
    asked = first["reply"]["slot"]
    for _ in range(3):
        if asked == "steps":
            break
        asked = _say(client, clerk, started["id"], "Dazu kann ich nichts sagen.")["reply"]["slot"]
    assert asked == "steps"


def test_the_template_is_compared_with_the_told_steps_not_swapped(client, corpus, clerk):
    started = _start(client, clerk)
    first = _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    own = _labels(first)
    message = first["reply"]
    assert message["slot"] == "compare_template"
    assert "Ihre Schritte habe ich so übernommen" in message["text"]
    assert message["suggestions"][0]["municipality"] in message["text"]  # text and first card agree
    extras = [line[2:] for line in message["text"].splitlines() if line.startswith("- ")]
    assert extras
    after = _say(client, clerk, started["id"], f"Ja, „{extras[0]}“ machen wir auch, den Rest nicht.")
    labels = _labels(after)
    assert extras[0] in labels and len(labels) == len(own) + 1
    assert all(label in labels for label in own)  # nothing the clerk said was replaced


def test_corrections_after_the_summary_rename_and_undo(client, clerk):
    started = _start(client, clerk, retrieval=False)
    interview = started["id"]
    _say(client, clerk, interview, OPENING_WITH_STEPS)
    _say(client, clerk, interview, "Hundesteuer Anmeldung", answer_to="title")
    body = None
    for _ in range(20):  # answer nothing until the summary
        body = _say(client, clerk, interview, "Dazu kann ich nichts sagen.")
        if body["reply"]["slot"] == "confirm":
            break
    assert body["reply"]["slot"] == "confirm" and "Noch ohne Angabe" in body["reply"]["text"]
    renamed = _say(client, clerk, interview, "kannst du den namen noch ändern in Hundeanmeldung?")
    assert renamed["draft"]["title"] == "Hundeanmeldung" and "heißt jetzt" in renamed["reply"]["text"]
    steps_before = _labels(renamed)
    removed = _say(client, clerk, interview, "den zweiten schritt gibts bei uns nicht")
    assert len(_labels(removed)) == len(steps_before) - 1 and "gestrichen" in removed["reply"]["text"]
    undone = _say(client, clerk, interview, "rückgängig bitte")
    assert _labels(undone) == steps_before and "Rückgängig" in undone["reply"]["text"]
    undone_again = _say(client, clerk, interview, "mach das auch rückgängig")
    assert undone_again["draft"]["title"] == "Hundesteuer Anmeldung"


def test_answers_are_extracted_not_stored_word_for_word(client, clerk):
    started = _start(client, clerk, retrieval=False)
    interview = started["id"]
    _say(client, clerk, interview, OPENING_WITH_STEPS)
    title = _say(client, clerk, interview, "Wir sagen intern einfach Hundemarke, offiziell ist das wohl die "
                                           "Anmeldung zur Hundesteuer", answer_to="title")
    assert title["draft"]["title"] == "Anmeldung zur Hundesteuer"
    people = _say(client, clerk, interview, "Die Kasse halt. Den Bauhof brauchen wir nicht.", answer_to="participants")
    assert people["draft"]["participants"] == ["Kasse"]
    time = _say(client, clerk, interview, "so ne halbe Stunde pro Fall", answer_to="processing_time")
    assert time["draft"]["minutes_per_case"] == 30
    volume = _say(client, clerk, interview, "60 70 Stück im Monat", answer_to="case_volume")
    assert volume["draft"]["case_volume_per_year"] == 780
    unit = _say(client, clerk, interview, "ordnungsamt, und übrigens den dritten schritt gibts bei uns nicht",
                answer_to="org_unit")
    assert unit["draft"]["org_unit"] == "Ordnungsamt"
    assert len(unit["draft"]["steps"]) == len(title["draft"]["steps"]) - 1  # the correction inside was applied
    assert "Ordnungsamt" not in unit["draft"]["participants"]


def test_progress_is_honest():
    from app.dialogue.engine import Interviewer, declined_points, open_points

    engine = Interviewer()
    turn = engine.start()
    turn = engine.reply(turn.draft, turn.state, OPENING_WITH_STEPS)
    turn = engine.reply(turn.draft, turn.state, "keine", answer_to="legal_basis")
    assert "Rechtsgrundlage" not in open_points(turn.draft, turn.state)
    assert declined_points(turn.state) == ["Rechtsgrundlage"]
    turn = engine.reply(turn.draft, turn.state, "hm, das weiß ich grad nicht so genau was", answer_to="it_systems")
    assert "IT-Systeme" in open_points(turn.draft, turn.state)  # asked, but nothing usable: still open


def test_template_comparison_reads_the_answer_by_content():
    own = [Step(n=1, label="Antrag entgegennehmen", kind="receive"), Step(n=2, label="Bescheid erstellen",
                                                                             kind="create_document")]
    template = [Step(n=1, label="Antrag entgegennehmen", kind="receive"),
                Step(n=2, label="Verhaltensprüfung beim Veterinäramt veranlassen", kind="coordinate_external"),
                Step(n=3, label="Bescheid erstellen", kind="create_document"),
                Step(n=4, label="Steueramt informieren", kind="send")]
    offered = template_compare.extras(own, template)
    assert [(e.label, e.after) for e in offered] == [
        ("Verhaltensprüfung beim Veterinäramt veranlassen", 1), ("Steueramt informieren", 2)]
    chosen = template_compare.accepted("ja, das mit dem Veterinäramt machen wir auch. Das Steueramt aber nicht.",
                                       offered)
    assert [e.label for e in chosen] == ["Verhaltensprüfung beim Veterinäramt veranlassen"]
    profile = template_compare.insert(ProcessProfile(title="T", steps=own), chosen)
    assert [s.label for s in profile.steps] == ["Antrag entgegennehmen", "Verhaltensprüfung beim Veterinäramt "
                                                "veranlassen", "Bescheid erstellen"]
    assert [s.n for s in profile.steps] == [1, 2, 3]
    assert template_compare.accepted("Nee, davon machen wir nichts", offered) == []


def test_templates_are_chosen_by_number_or_name_and_fields_changed_in_chat():
    cards = [{"id": 1, "title": "Hundesteuer – Anmeldung", "town": "Vorlagenau"},
             {"id": 2, "title": "Sperrmüll zur Abholung anmelden", "town": "Musterhausen"}]
    assert chosen_card(cards, "Nimm die zweite Vorlage")["id"] == 2
    assert chosen_card(cards, "die aus Vorlagenau passt besser")["id"] == 1
    assert chosen_card(cards, "Ja, das passt") is None
    draft = ProcessProfile(title="T", case_volume_per_year=80)
    assert find_field_changes("der Titel soll Fischereischein erteilen heißen, und es sind eher 120 Fälle im Jahr",
                              draft) == {"title": "Fischereischein erteilen", "case_volume_per_year": 120}
    assert find_field_changes("zuständig ist doch das Ordnungsamt", draft) == {"org_unit": "Ordnungsamt"}


def test_an_interview_without_steps_cannot_be_submitted(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Ich bin im Bürgerbüro und mache die Fundsachen.")
    draft_id = client.post(f"/api/interviews/{started['id']}/finish", headers=clerk).get_json()["draft_id"]
    refused = client.post(f"/api/drafts/{draft_id}/submit", headers=clerk)
    assert refused.status_code == 409 and "keine Arbeitsschritte" in refused.get_json()["detail"]
    assert client.get(f"/api/drafts/{draft_id}", headers=clerk).get_json()["state"] == "draft"  # kept, not lost


def test_steps_are_moved_and_reassigned_by_content():
    from app.dialogue.engine import Interviewer

    engine = Interviewer()
    turn = engine.start()
    turn = engine.reply(turn.draft, turn.state, "Der Antrag kommt per Post. Ich erfasse den Antrag im Programm, "
                                                "dann prüfe ich die Unterlagen und schreibe den Bescheid.")
    labels = [s.label for s in turn.draft.steps]
    assert labels.index("Antrag im Programm erfassen") < labels.index("Unterlagen prüfen")
    moved = engine.reply(turn.draft, turn.state, "ach, das Prüfen kommt eigentlich vor dem Erfassen, hab ich verdreht")
    labels = [s.label for s in moved.draft.steps]
    assert labels.index("Unterlagen prüfen") < labels.index("Antrag im Programm erfassen")
    assert "ist jetzt Schritt" in moved.reply.text
    actor = engine.reply(moved.draft, moved.state, "und übrigens den Bescheid schreiben macht bei uns die Kämmerei")
    assert next(s for s in actor.draft.steps if "Bescheid" in s.label).actor == "Kämmerei"


def test_a_retold_account_replaces_the_read_back_steps_and_renames_nothing():
    from app.dialogue.engine import Interviewer

    engine = Interviewer()
    turn = engine.start()
    turn = engine.reply(turn.draft, turn.state, "Es geht um Spielplatzkontrollen: Liste ziehen, Termin machen, "
                                                "Kontrolle, Bericht.")
    turn = engine.reply(turn.draft, turn.state, "Spielplatzkontrolle", answer_to="title")
    retold = engine.reply(turn.draft, turn.state, "Ich ziehe die Liste der Spielplätze aus dem Kataster. Dann "
                          "vereinbare ich einen Termin mit dem Bauhof. Wir gehen das ganze Gelände ab: Geräte, Zäune, "
                          "Sand. Danach schreibe ich den Bericht und schicke ihn an das Bauamt.", answer_to="steps")
    assert retold.draft.title == turn.draft.title == "Spielplatz kontrollieren"  # the name answer, as object + verb
    labels = [s.label for s in retold.draft.steps]
    assert len(labels) >= 4 and any("Bericht" in label for label in labels), labels
    assert labels[0] == "Liste der Spielplätze aus Kataster abrufen"


def test_what_a_new_clerk_tripped_over_on_the_running_service():
    """Found by a helper driving `python -m app.serve` (2 gunicorn workers, Chroma server) in Chromium."""
    from app.dialogue.engine import Interviewer, declined_points
    from app.nlp.decisions import parse_decisions

    # Bare step numbers after a named step are targets.
    decided = parse_decisions("nach schritt 1 halt ob alles ausgefüllt is, wenn ja gehts mit 4 weiter sonst 3", 5)
    assert [(d.after_step, [b.goto_step for b in d.branches]) for d in decided] == [(1, [4, 3])]
    engine = Interviewer()
    turn = engine.start()
    turn = engine.reply(turn.draft, turn.state, "hallo, ich mach das im steueramt. ich guck ob alles ausgefüllt ist, "
                                                "trag den hund im steuerprogramm ein und schreib den bescheid.")
    labels = [s.label for s in turn.draft.steps]
    assert not any("Hallo" in label for label in labels) and "Hund im Steuerprogramm erfassen" in labels
    turn = engine.reply(turn.draft, turn.state, "nein", answer_to="case_volume")
    assert "Fallzahl" not in declined_points(turn.state)  # "nein" is no "there are none"
    for _ in range(25):
        if turn.reply.slot == "confirm":
            break
        turn = engine.reply(turn.draft, turn.state, "Dazu kann ich nichts sagen.")
    later = engine.reply(turn.draft, turn.state, "übrigens fallzahl sind so 200 im jahr und pro fall ca 20 minuten")
    assert later.draft.case_volume_per_year == 200 and later.draft.minutes_per_case == 20
    assert later.reply.text.startswith("Übernommen:")


def test_template_answer_names_the_closest_step_and_a_refusal_wins():
    offered = [template_compare.Extra("Grabmal auf Standsicherheit abnehmen", "check_content", 2),
               template_compare.Extra("Grabmal in die Friedhofsliste eintragen", "enter_data", 3),
               template_compare.Extra("Grabmalantrag entgegennehmen", "receive", 0)]
    chosen = template_compare.accepted("ja, die Abnahme vom Grabmal auf Standsicherheit machen wir auch. "
                                       "Eine Friedhofsliste führen wir aber nicht", offered)
    assert [e.label for e in chosen] == ["Grabmal auf Standsicherheit abnehmen"]


def test_a_heading_in_the_opening_is_a_provisional_title(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Gemeinde Kornhagen, Hauptamt. Hausnummern vergeben. Die Anfrage "
                                              "kommt per Mail, ich prüfe die Lage im GIS und schreib dem Eigentümer.")
    assert body["draft"]["title"] == "Hausnummern vergeben"  # the signature is not taken for the name
    asked = [body["reply"]]
    while asked[-1]["slot"] not in ("title", None, "confirm"):
        asked.append(_say(client, clerk, started["id"], "Dazu kann ich nichts sagen.")["reply"])
    assert asked[-1]["slot"] == "title" and "„Hausnummern vergeben“" in asked[-1]["text"]
    kept = _say(client, clerk, started["id"], "passt", answer_to="title")
    assert kept["draft"]["title"] == "Hausnummern vergeben"
    assert kept["reply"]["slot"] != "title"


def test_steps_dropped_by_content_in_passing(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Die Parteien schicken den Antrag per Mail, ich prüf den Standort, dann "
                                       "schreib ich die Erlaubnis und schick eine Annahmeanordnung an die Kasse. "
                                       "Zum Schluss informiere ich den Beschwerdeführer.")
    body = _say(client, clerk, started["id"], "Ordnungsamt, und übrigens an die Kasse melde ich nix mehr, seit "
                                              "Januar zahlen die vorher online", answer_to="org_unit")
    labels = [s["label"] for s in body["draft"]["steps"]]
    assert labels[0] == "Antrag entgegennehmen"  # sent by others: received here
    assert not any("Kasse" in label for label in labels) and not any("kassieren" in label for label in labels)
    body = _say(client, clerk, started["id"], "den schritt mit dem standort kannst du streichen")
    assert not any("Standort" in s["label"] for s in body["draft"]["steps"])


def test_undo_never_empties_the_opening(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    body = _say(client, clerk, started["id"], "ach nee, rückgängig bitte")
    assert len(body["draft"]["steps"]) >= 4
    assert "keine Änderung" in body["reply"]["text"]


def test_short_forms_in_the_read_back_never_wipe_the_steps(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    told = len(body["draft"]["steps"])
    body = _say(client, clerk, started["id"], "1 weg. nach 3 kommt Feuerwehr fragen. 4 heißt Bescheid verschicken",
                answer_to="steps")
    labels = [s["label"] for s in body["draft"]["steps"]]
    assert len(labels) == told and any("Feuerwehr" in label for label in labels)
    assert labels[3] == "Bescheid versenden"  # step 4 as the clerk saw the list, in administrative wording


def test_a_correction_typed_while_a_question_is_open_answers_nothing(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    body = _say(client, clerk, started["id"], "schritt 1 fällt weg", answer_to="org_unit")
    assert not body["draft"]["org_unit"] and body["reply"]["slot"] == "org_unit"
    body = _say(client, clerk, started["id"], "Ordnungsamt, und übrigens den Schritt mit dem Ablegen gibts bei uns "
                                              "nicht", answer_to="org_unit")
    assert body["draft"]["org_unit"] == "Ordnungsamt"
    assert not any("ablegen" in s["label"].lower() for s in body["draft"]["steps"])


def test_a_yes_keeps_the_provisional_title(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Hausnummern vergeben. Die Anfrage kommt per Mail, ich prüfe die Lage "
                                       "im GIS und schreib dem Eigentümer.")
    body = _say(client, clerk, started["id"], "ja passt erstmal so", answer_to="title")
    assert body["draft"]["title"] == "Hausnummern vergeben"


def test_a_step_named_by_the_clerks_own_words_gets_its_actor(client, clerk):
    """"das Absperren macht …" names the step told as "wird abgesperrt", whatever its label became."""
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], "Die Meldung kommt per Mail. Ich fahr raus und guck mir das an. "
                                               "Wenn es gefährlich ist, wird sofort abgesperrt. Danach trag ich "
                                               "alles in die Liste ein.")
    told = [s for s in first["draft"]["steps"] if "abgesperrt" in (s.get("description") or "")]
    assert len(told) == 1, first["draft"]["steps"]
    after = _say(client, clerk, started["id"], "Das Absperren macht nicht der Kollege, das macht immer der "
                                               "Bauhof.")
    step = after["draft"]["steps"][told[0]["n"] - 1]
    assert step["actor"] == "Bauhof", after["draft"]["steps"]
    assert f"Schritt {told[0]['n']}" in after["reply"]["text"]


def _until_decisions_asked(client, clerk, interview_id, body):
    """Answer every other question briefly until the decision question comes."""
    for _ in range(8):
        if body["reply"]["slot"] == "decisions":
            break
        answer = "passt" if body["reply"]["slot"] in ("steps", "title") else "Dazu kann ich nichts sagen."
        body = _say(client, clerk, interview_id, answer)
    assert body["reply"]["slot"] == "decisions", body["reply"]
    return body


def test_a_branch_told_in_words_is_placed_on_the_step_it_names(client, clerk):
    """Asked for branches, the clerk names no step number: the check it is about gets the decision."""
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Der Antrag kommt per Post. Ich prüfe, ob alles dabei ist. Dann "
                                              "schreibe ich den Bescheid und schicke ihn raus. Zum Schluss lege "
                                              "ich alles ab.")
    body = _until_decisions_asked(client, clerk, started["id"], body)
    labels = {s["n"]: s["label"] for s in body["draft"]["steps"]}
    check = next(n for n, label in labels.items() if "prüfen" in label)
    after = _say(client, clerk, started["id"], "Wenn was fehlt, ist der Fall für mich erledigt, die müssen "
                                               "dann neu beantragen.")
    [decision] = after["draft"]["decisions"]
    assert decision["after_step"] == check, (labels, decision)
    assert sorted(b["goto_step"] or 0 for b in decision["branches"]) == [0, check + 1]


def test_branches_read_with_the_steps_still_leave_the_decision_question(client, clerk):
    """A branch told in passing is in the draft, but the clerk is still asked for the others (shown with it)."""
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Der Antrag kommt per Post. Ich prüfe, ob alles dabei ist, wenn was "
                                              "fehlt, fordere ich es nach. Dann schreibe ich den Bescheid und "
                                              "schicke ihn raus. Zum Schluss lege ich alles ab.")
    body = _until_decisions_asked(client, clerk, started["id"], body)
    assert body["draft"]["decisions"] and "Schon eingetragen: nach Schritt" in body["reply"]["text"]


REPLACED_OPENING = ("Der Antrag kommt per Post. Ich prüfe die Unterlagen. Die Gebühr zahlen die Leute an der Kasse. "
                    "Die Karte bestell ich bei der Druckerei. Zum Schluss kommt der Antrag in die Personalakte.")


@pytest.mark.parametrize("said, wanted, gone", [
    ("der antrag kommt nicht in die personalakte sondern in den urlaubsordner", "Urlaubsordner", "Personalakte"),
    ("die gebühr zahlen die nicht mehr an der kasse, sondern direkt bei mir mit ec-karte", "EC-Karte", "Kasse"),
    ("die karte kommt nicht mehr von der druckerei, die drucken wir jetzt selber aus", "ausdrucken", "Druckerei"),
])
def test_what_it_is_no_longer_is_replaced_by_what_it_is_now(client, clerk, said, wanted, gone):
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], REPLACED_OPENING)
    count = len(first["draft"]["steps"])
    assert any(gone in label for label in _labels(first)), _labels(first)
    after = _say(client, clerk, started["id"], said)
    labels = _labels(after)
    assert any(wanted in label for label in labels) and not any(gone in label for label in labels), labels
    assert len(labels) == count  # replaced, not struck
    assert "Geändert" in after["reply"]["text"]


def test_a_changed_threshold_is_changed_where_the_draft_names_it(client, clerk):
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], "Die Spende kommt rein. Ich prüfe sie. Über 1000 Euro lass ich "
                                               "den Gemeinderat entscheiden. Dann schreib ich die Bestätigung.")
    told = lambda body: " ".join([*_labels(body), *(d["question"] for d in body["draft"]["decisions"]),  # noqa: E731
                                  *(b["condition"] for d in body["draft"]["decisions"] for b in d["branches"])])
    assert "1000" in told(first), first["draft"]
    asked = first["reply"]["slot"]
    after = _say(client, clerk, started["id"], "die wertgrenze ist nicht mehr 1000 sondern 500 euro")
    assert "500" in told(after) and "1000" not in told(after), after["draft"]
    assert after["reply"]["slot"] == asked and after["draft"]["title"] == first["draft"]["title"]  # no answer


def test_corrections_a_new_user_typed_in_the_walkthrough(client, clerk):
    """Found by a tester in the browser: a struck step gives no actor to its successor, "X macht Y, nicht Z"
    changes who signs (label included), "Schritt N ist …, nicht …" renames, "4 und 5 ist eins" merges."""
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], "Der Antrag kommt per Mail. Ich prüfe ihn. Ich schreib ne Mail. "
                                               "Dann schreib ich den Bescheid, der geht zur Amtsleitung zum "
                                               "Unterschreiben. Dann kommt der Antrag in den Ordner.")
    labels = _labels(first)
    signing = next(n for n, label in enumerate(labels, start=1) if "unterschreiben lassen" in label)
    body = _say(client, clerk, started["id"], "das unterschreiben macht der bürgermeister, nicht die amtsleitung")
    step = body["draft"]["steps"][signing - 1]
    assert step["actor"] == "Bürgermeister" and "Bürgermeister" in step["label"], step
    body = _say(client, clerk, started["id"], "schritt 3 ist antragsteller informieren, nicht mail")
    assert _labels(body)[2] == "Antragsteller informieren", _labels(body)
    count = len(_labels(body))
    body = _say(client, clerk, started["id"], f"schritt {count} machen wir nicht, das macht die kasse selbst")
    assert len(_labels(body)) == count - 1
    assert not any((s["actor"] or "").startswith("Kasse") for s in body["draft"]["steps"]), body["draft"]["steps"]
    body = _say(client, clerk, started["id"], "1 und 2 ist eigentlich eins")
    assert len(_labels(body)) == count - 2 and "ein Schritt" in body["reply"]["text"]


def test_decision_questions_are_asked_as_questions(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Der Antrag kommt per Post. Ich fahr raus und guck mir den Baum an, "
                                              "wenn der gesund ist lehnen wir ab. Sonst schreib ich den Bescheid.")
    [decision] = body["draft"]["decisions"]
    assert decision["question"] == "Ist der Baum gesund?"


def test_a_trigger_already_told_is_proposed_not_asked_again(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Der Antrag kommt per Mail, ich prüfe ihn und schreib den Bescheid.")
    body = _say(client, clerk, started["id"], "Baumfällung")
    assert body["reply"]["slot"] == "trigger" and "„Antrag geht ein“" in body["reply"]["text"]
    body = _say(client, clerk, started["id"], "passt")
    assert body["draft"]["trigger"] == "Antrag geht ein" and body["reply"]["slot"] != "trigger"


def test_a_proposed_trigger_can_be_refused_and_told(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Der Antrag kommt per Mail, ich prüfe ihn und schreib den Bescheid.")
    _say(client, clerk, started["id"], "Baumfällung")
    body = _say(client, clerk, started["id"], "Nein, das startet mit einer Beschwerde von Nachbarn.")
    assert "Beschwerde" in (body["draft"]["trigger"] or ""), body["draft"]["trigger"]


def test_a_branch_told_after_the_summary_is_placed(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Der Antrag kommt per Mail. Ich frage bei der Polizei an. Dann "
                                              "schreibe ich den Bescheid und kassiere die Gebühr.")
    for _ in range(20):
        if body["reply"]["slot"] == "confirm":
            break
        reply = "passt" if body["reply"]["slot"] in ("title", "steps", "trigger") else "Dazu kann ich nichts sagen."
        body = _say(client, clerk, started["id"], reply)
    assert body["reply"]["slot"] == "confirm", body["reply"]
    police = next(s["n"] for s in body["draft"]["steps"] if "Polizei" in s["label"])
    body = _say(client, clerk, started["id"], "wenn die polizei bedenken hat lehn ich ab, sonst wird genehmigt")
    [decision] = body["draft"]["decisions"]
    assert decision["after_step"] == police and "Verzweigung" in body["reply"]["text"]


def test_more_corrections_from_the_second_walkthrough(client, clerk):
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Der Antrag kommt per Mail. Ich prüfe ob alles da ist, wenn was fehlt fordere "
                                       "ich es nach. Dann schreib ich den Bescheid, der geht zur Amtsleitung zum "
                                       "Unterschreiben und dann per Post raus.")
    body = _say(client, clerk, started["id"], "das unterschreiben macht der bürgermeister, nicht die amtsleitung")
    signed = [s for s in body["draft"]["steps"] if "unterschreiben lassen" in s["label"]]
    assert [s["actor"] for s in signed] == ["Bürgermeister"], body["draft"]["steps"]  # not "Unterlagen nachfordern"
    count = len(body["draft"]["steps"])
    body = _say(client, clerk, started["id"], "antrag entgegennehmen und vollständigkeit prüfen ist eigentlich eins")
    assert len(body["draft"]["steps"]) == count - 1
    assert body["draft"]["steps"][0]["label"] == "Antrag entgegennehmen und auf Vollständigkeit prüfen"
    body = _say(client, clerk, started["id"], "nach schritt 2 kommt noch: gebührenbescheid an die kasse geben")
    assert body["draft"]["steps"][2]["label"] == "Gebührenbescheid an die Kasse geben", _labels(body)
    body = _say(client, clerk, started["id"], "schritt 1 prüft die kollegin aus dem bürgerbüro")
    assert body["draft"]["steps"][0]["actor"] and "Bürgerbüro" in body["draft"]["steps"][0]["actor"]


def test_an_open_figure_named_after_the_summary_is_taken(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Der Antrag kommt per Mail. Ich prüfe ihn und schreibe den Bescheid.")
    for _ in range(20):
        if body["reply"]["slot"] == "confirm":
            break
        reply = "passt" if body["reply"]["slot"] in ("title", "steps", "trigger") else "Dazu kann ich nichts sagen."
        body = _say(client, clerk, started["id"], reply)
    assert body["reply"]["slot"] == "confirm" and "Fallzahl" in body["reply"]["text"]
    body = _say(client, clerk, started["id"], "in der altstadt so 200, im neubaugebiet 50")
    assert body["draft"]["case_volume_per_year"] == 250 and "250" in body["reply"]["text"]


def test_undo_names_the_step_that_came_back(client, clerk):
    started = _start(client, clerk, retrieval=False)
    first = _say(client, clerk, started["id"], "Der Antrag kommt per Mail. Ich prüfe ihn und schreibe den Bescheid. "
                                               "Dann lege ich alles ab.")
    gone = _labels(first)[1]
    _say(client, clerk, started["id"], "schritt 2 fällt weg")
    body = _say(client, clerk, started["id"], "rückgängig")
    assert body["reply"]["text"].startswith(f"Rückgängig gemacht: Schritt 2 („{gone}“) ist wieder da.")


def test_who_does_a_step_said_inside_the_answer_on_the_unit(client, clerk):
    """Asked for the unit, the clerk answers and adds who does one step: the unit is the answer, the actor
    goes to the step the clause names (by content, or by how the clause reads)."""
    started = _start(client, clerk, retrieval=False)
    _say(client, clerk, started["id"], "Die Schadensmeldung kommt per Mail. Ich fülle das Formular für den KSA aus. "
                                       "Dann setz ich die Nutzungsgebühr fest und die Gebühr wird übernommen.")
    body = _say(client, clerk, started["id"], "Hauptamt. und übrigens das Ausfüllen vom Formular macht bei uns die "
                                              "Kämmerei, nicht ich", answer_to="org_unit")
    assert body["draft"]["org_unit"] == "Hauptamt"
    filled = next(s for s in body["draft"]["steps"] if "ausfüllen" in s["label"])
    assert filled["actor"] == "Kämmerei", body["draft"]["steps"]
    body = _say(client, clerk, started["id"], "die gebühr setzt nicht das hauptamt fest sondern die stadtkasse")
    fixed = next(s for s in body["draft"]["steps"] if "festsetzen" in s["label"])
    assert fixed["actor"] == "Stadtkasse", body["draft"]["steps"]


def test_who_does_a_template_step_taken_over_is_set_on_that_step(client, corpus, clerk):
    started = _start(client, clerk)
    first = _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    assert first["reply"]["slot"] == "compare_template"
    extras = [line[2:] for line in first["reply"]["text"].splitlines() if line.startswith("- ")]
    after = _say(client, clerk, started["id"], f"Ja, „{extras[0]}“ machen wir auch, das macht bei uns der "
                                               f"Bürgermeister persönlich.")
    steps = {s["label"]: s for s in after["draft"]["steps"]}
    assert steps[extras[0]]["actor"] == "Bürgermeister", after["draft"]["steps"]
    assert [s for s in after["draft"]["steps"] if s["actor"] == "Bürgermeister"] == [steps[extras[0]]]


def test_template_steps_named_by_their_quoted_labels_are_changed_where_they_stand(client, corpus, clerk):
    """A clerk copies the offered template's labels into its corrections: each applies to that step, in place,
    also while another question is open, and none becomes the answer to that question."""
    started = _start(client, clerk)
    offer = _say(client, clerk, started["id"], "Hallo, untere Bauaufsicht. Ich mach die Baulastenauskünfte.")["reply"]
    assert offer["slot"] == "confirm_template"
    proposal = [line.split(". ", 1)[1] for line in offer["text"].splitlines() if line[:1].isdigit() and ". " in line]
    assert len(proposal) >= 5, offer["text"]
    first, second, third = proposal[0], proposal[2], proposal[-2]
    accepted = _say(client, clerk, started["id"], f"Im Großen und Ganzen ja. Statt „{second}“ machen wir: "
                                                  "Vollmacht des Eigentümers anfordern.")
    labels = _labels(accepted)
    assert labels[2] == "Vollmacht des Eigentümers anfordern" and second not in labels
    assert "Schritt 3 heißt jetzt „Vollmacht des Eigentümers anfordern“" in accepted["reply"]["text"]
    asked = accepted["reply"]["slot"]
    assert asked == "title"
    inserted = _say(client, clerk, started["id"], f"Nach „{first}“ kommt bei uns noch: Karteikarte heraussuchen und "
                                                  f"danach Baulastenblatt einscannen. Das mit „{third}“ gibt's bei uns "
                                                  "gar nicht.")
    labels = _labels(inserted)
    assert labels[1:3] == ["Karteikarte heraussuchen", "Baulastenblatt einscannen"], labels
    assert third not in labels and len(labels) == len(proposal) + 1
    assert inserted["reply"]["slot"] == "title"  # the corrections answered nothing: the question stays open
    assert inserted["draft"]["title"] != "Karteikarte"
    unknown = _say(client, clerk, started["id"], "Statt „Kaffee kochen“ machen wir: Tee kochen.")
    assert _labels(unknown) == labels
    assert "Einen Schritt „Kaffee kochen“ finde ich im Entwurf nicht" in unknown["reply"]["text"]


def test_branches_told_while_another_question_is_open_are_decisions_not_the_answer(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    asked = body["reply"]["slot"]
    assert asked not in ("decisions", "steps", None)
    told = _say(client, clerk, started["id"], "Noch zu den Verzweigungen: Wenn was fehlt, ruf ich an und frag nach. "
                                              "Falls es ein Listenhund ist, geht das ans Ordnungsamt.")
    assert told["reply"]["slot"] == asked  # the question stays open
    filed = " ".join(str(told["draft"].get(field) or "") for field in ("title", "trigger", "org_unit", "result"))
    assert "Verzweigungen" not in filed and "fehlt" not in filed
    assert told["draft"]["decisions"], told["reply"]["text"]
    first = told["draft"]["decisions"][0]
    assert f"Eingetragen: nach Schritt {first['after_step']} „{first['question']}“" in told["reply"]["text"]


def test_what_a_clerk_tripped_over_in_the_seventh_walkthrough(client, clerk):
    """Decisions struck by name, ordinal renames, 'soll heißen', 'passt' without a proposal, a field corrected by
    name, fillers, and the one point the summary left open answered after it."""
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Der Verein schickt den Antrag per Mail. Ich prüf ob alles da ist, wenn "
                                              "was fehlt ruf ich beim Vorsitzenden an, dann trag ich das im Kalender "
                                              "ein. Dann kriegt der Verein ne Bestätigung und ich leg alles ab.")
    decision = body["draft"]["decisions"][0]
    assert sorted(b["goto_step"] or 0 for b in decision["branches"]) == [3, 4]  # "nein" goes on with the calendar
    labels = _labels(body)
    struck = _say(client, clerk, started["id"], f"bitte die Entscheidung nach Schritt {decision['after_step']} löschen")
    assert struck["draft"]["decisions"] == [] and _labels(struck) == labels  # the step stays
    assert "ist gelöscht; die Schritte bleiben" in struck["reply"]["text"]
    renamed = _say(client, clerk, started["id"], "der dritte schritt ist eigentlich Vorsitzenden anrufen, nicht "
                                                 "nachfordern per Post. Schritt 4 soll heißen: Termin im Kalender "
                                                 "eintragen")
    assert _labels(renamed)[2] == "Vorsitzenden anrufen" and _labels(renamed)[3].startswith("Termin"), _labels(renamed)
    for _ in range(12):  # on to a question without a proposal
        if renamed["reply"]["slot"] == "legal_basis":
            break
        renamed = _say(client, clerk, started["id"], "Dazu kann ich nichts sagen.")
    assert renamed["reply"]["slot"] == "legal_basis"
    fine = _say(client, clerk, started["id"], "passt")
    assert fine["reply"]["slot"] == "legal_basis" and not fine["draft"]["legal_basis"]
    assert "keinen Vorschlag" in fine["reply"]["text"]
    yes = _say(client, clerk, started["id"], "ja")
    assert yes["reply"]["slot"] == "legal_basis" and "welche?" in yes["reply"]["text"] and not yes["draft"]["legal_basis"]
    fixed = _say(client, clerk, started["id"], "nee sorry, Rechtsgrundlage ist unsere Vereinsbussatzung")
    assert fixed["draft"]["legal_basis"] == ["Vereinsbussatzung"]
    assert "Rechtsgrundlage jetzt: Vereinsbussatzung" in fixed["reply"]["text"]
    assert "sorry" not in (fixed["draft"].get("result") or "").lower()


def test_after_the_summary_a_labelled_answer_or_the_one_open_point_is_taken():
    from app.dialogue.engine import _labelled_answer

    assert _labelled_answer("Sonderfälle: wenn der Bus kaputt ist, müssen wir absagen") == (
        "exceptions", "wenn der Bus kaputt ist, müssen wir absagen")
    assert _labelled_answer("Rechtsgrundlage: Vereinsbussatzung") == ("legal_basis", "Vereinsbussatzung")
    assert _labelled_answer("Notiz: nichts") is None and _labelled_answer("Schritt 3: weg") is None


def test_the_one_open_point_named_by_the_summary_is_answered_by_the_next_message(client, clerk):
    answers = {"title": "Hundesteuer anmelden", "trigger": "Anmeldung geht ein", "steps": "passt so",
               "decisions": "keine", "org_unit": "Steueramt", "participants": "keine", "it_systems": "H&H",
               "documents": "Anmeldeformular", "case_volume": "200 im Jahr", "processing_time": "20 Minuten",
               "legal_basis": "Hundesteuersatzung", "result": "Bescheid ist verschickt", "customer": "Hundehalter",
               "waiting": "keine", "exceptions": "Dazu kann ich nichts sagen."}
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], OPENING_WITH_STEPS)
    for _ in range(25):
        if body["reply"]["slot"] == "confirm":
            break
        body = _say(client, clerk, started["id"], answers[body["reply"]["slot"]])
    assert body["reply"]["slot"] == "confirm"
    assert body["open_points"] == ["Sonderfälle"]  # only the special cases open, as in the walkthrough
    assert "Noch ohne Angabe: Sonderfälle" in body["reply"]["text"]
    told = _say(client, clerk, started["id"], "wenn der Hund gefährlich ist, muss das Ordnungsamt ran")
    assert "Übernommen: Sonderfälle" in told["reply"]["text"]
    assert "gefährlich" in told["draft"]["exceptions"]
    assert told["draft"]["it_systems"] == ["H&H"]  # a product name of letters and signs is an answer too


def test_a_yes_no_decision_told_again_replaces_the_first_telling():
    from app.dialogue.reading import with_decisions
    from app.domain import Branch, Decision

    first = Decision(after_step=2, question="Fehlt was?", branches=[Branch(condition="ja", goto_step=3),
                                                                   Branch(condition="nein", goto_step=None)])
    again = Decision(after_step=2, question="Fehlt was?", branches=[Branch(condition="ja", goto_step=3),
                                                                   Branch(condition="nein", goto_step=4)])
    assert with_decisions([first], [again]) == [again]  # not "Fehlt was? Fehlt was?" with two "nein"
    other = Decision(after_step=2, question="Zieht er zurück?", branches=[
        Branch(condition="zurückgezogen", goto_step=6), Branch(condition="sonst", goto_step=3)])
    merged = with_decisions([first], [other])[0]  # another way out of the same step is added to the gateway
    assert [b.condition for b in merged.branches] == ["ja", "nein", "zurückgezogen"]


def test_a_question_passed_over_twice_is_not_asked_a_third_time(client, clerk):
    started = _start(client, clerk, retrieval=False)
    body = _say(client, clerk, started["id"], "Sperrmüll: Die Leute melden das online an, ich prüf die Adresse, "
                                              "plane die Tour und schick die Bestätigung raus.")
    asked = body["reply"]["slot"]
    for text in ("wir sind im Bürgerbüro", "mit OK.FIS", "so 300 im Jahr"):
        body = _say(client, clerk, started["id"], text, answer_to="org_unit")
        if body["reply"]["slot"] != asked:
            break
    assert body["reply"]["slot"] != asked  # not the same question three times in a row
    assert "später noch einmal" in body["reply"]["text"] or "vorerst bei" in body["reply"]["text"]


def test_one_of_several_recipients_can_be_struck_without_the_step():
    from app.dialogue.engine import _without_participant
    assert _without_participant("Antrag an Kasse und Untere Wasserbehörde versenden",
                                "die Wasserbehörde kriegt das gar nicht mehr") == "Antrag an Kasse versenden"
    assert _without_participant("Ordnungsamt Bauhof und Polizei informieren",
                                "den Bauhof informier ich gar nicht") == "Ordnungsamt Polizei informieren"
    assert _without_participant("Bescheid versenden", "den Bescheid schick ich nicht mehr") is None


def test_a_nominal_name_is_stored_as_object_and_verb_and_the_clerks_name_is_said(client, clerk):
    started = _start(client, clerk, retrieval=False)
    interview = started["id"]
    _say(client, clerk, interview, "Die Leute kommen mit dem Wahlschein, ich prüfe den Ausweis, dann gebe ich die "
                                   "Unterlagen aus und trage das im Verzeichnis ein.")
    body = _say(client, clerk, interview, "Wahlscheinausgabe", answer_to="title")
    assert body["draft"]["title"] == "Wahlschein ausgeben"
    assert "„Wahlschein ausgeben“" in body["reply"]["text"]
    assert "„Wahlscheinausgabe“" in body["reply"]["text"]  # the clerk's own name stays visible


def test_keeping_the_own_name_answers_no_open_question():
    engine, turn = _engine_after("Der Verein schickt den Antrag, ich prüfe die Unterlagen, dann erstelle ich den "
                                 "Bescheid und zahle den Zuschuss aus.")
    turn = engine.reply(turn.draft, turn.state, "Zuschussbewilligung", answer_to="title")
    assert turn.draft.title == "Zuschuss bewilligen" and "„Zuschussbewilligung“" in turn.reply.text
    asked = turn.reply.slot
    kept = engine.reply(turn.draft, turn.state, "Der Name soll Zuschussbewilligung heißen.")
    assert kept.draft.title == "Zuschussbewilligung"
    assert kept.reply.slot == asked and kept.draft.trigger == turn.draft.trigger  # the question stays open


def _engine_after(opening):
    from app.dialogue.engine import Interviewer

    engine = Interviewer()
    turn = engine.start()
    return engine, engine.reply(turn.draft, turn.state, opening)


_DOG = ("Hundeanmeldung: die Leute melden ihren Hund per Formular an, ich prüf ob alles da ist, wenn was fehlt "
        "ruf ich an, dann leg ich den Hund in OK.VORFAHREN an und schick den Bescheid raus.")


def test_a_step_told_while_the_title_is_asked_is_no_title_and_comes_before_the_decision():
    engine, turn = _engine_after(_DOG)
    [decision] = turn.draft.decisions
    checked = decision.after_step
    told = engine.reply(turn.draft, turn.state, "nach dem Prüfen ruf ich noch beim Halter an ob die Rasse stimmt")
    assert told.draft.title == turn.draft.title and told.reply.slot == "title"  # the question stays open
    assert told.draft.steps[checked].label == "Beim Halter anrufen"  # right after the check …
    assert told.draft.decisions[0].after_step == checked + 1  # … and before the decision, so it is on the way


def test_what_the_office_calls_it_renames_and_answers_no_other_question():
    engine, turn = _engine_after(_DOG)
    turn = engine.reply(turn.draft, turn.state, "passt")
    asked = turn.reply.slot
    told = engine.reply(turn.draft, turn.state, "der Ablauf heißt bei uns einfach Hundesteuer-Anmeldung")
    assert told.draft.title == "Hundesteuer-Anmeldung" and told.reply.slot == asked
    assert told.draft.trigger == turn.draft.trigger


def test_figures_and_a_result_told_as_the_systems_answer_are_no_systems():
    engine, turn = _engine_after(_DOG)
    told = engine.reply(turn.draft, turn.state, "wir haben so ca. 300 Anmeldungen im Jahr, pro Antrag brauch ich "
                                                "ne halbe Stunde, am Ende hat der Halter seinen Steuerbescheid",
                        answer_to="it_systems")
    assert told.draft.it_systems == [] or all(s in ("OK.VORFAHREN",) for s in told.draft.it_systems)
    assert told.draft.case_volume_per_year == 300 and told.draft.minutes_per_case == 30


def test_a_confirming_word_is_not_part_of_the_trigger_and_a_later_account_renames_nothing():
    engine, turn = _engine_after(_DOG)
    title = turn.draft.title
    told = engine.reply(turn.draft, turn.state, "Passt, die Anmeldung kommt meistens per Post", answer_to="trigger")
    assert told.draft.trigger and not told.draft.trigger.lower().startswith("passt")
    again = engine.reply(told.draft, told.state, "also vor der Wahl kommen die Leute und ich prüf die Daten",
                         answer_to="steps")
    assert again.draft.title == title


def test_nobody_else_is_taken_and_figures_name_no_unit():
    engine, turn = _engine_after(_DOG)
    told = engine.reply(turn.draft, turn.state, "nix weiter", answer_to="participants")
    assert told.reply.slot != "participants" and "participants" in told.state["declined"]
    unit = engine.reply(told.draft, told.state, "so 40 Anträge im Jahr kommen da", answer_to="org_unit")
    assert unit.draft.org_unit is None and unit.draft.case_volume_per_year == 40
    named = engine.reply(unit.draft, unit.state, "Zuständig sind wir im Steueramt, Sachgebiet Hundesteuer.")
    assert named.draft.org_unit == "Steueramt, Sachgebiet Hundesteuer"
