"""Decisions told in words and placed on known steps (app.nlp.branching).

Each sentence is written for these tests, not taken from any evaluation case.
"""

from __future__ import annotations

from app.nlp.branching import KnownStep, place_decisions

STEPS = [
    KnownStep("Antrag entgegennehmen", "der Antrag kommt per Post", "receive"),
    KnownStep("Antrag auf Vollständigkeit prüfen", "ich guck ob alles dabei ist", "check_formal"),
    KnownStep("Fehlende Unterlagen nachfordern", "", "search"),
    KnownStep("Standort vor Ort besichtigen", "ich fahr raus und schau mir das an", "appointment"),
    KnownStep("Bescheid erstellen", "den Bescheid schreib ich in Word", "create_document"),
    KnownStep("Bescheid versenden", "", "send"),
    KnownStep("Vorgang ablegen", "", "archive"),
]


def placed(text: str, steps: list[KnownStep] = STEPS) -> list[tuple[int, list[int | None]]]:
    return [(d.after_step, sorted((b.goto_step or 0) for b in d.branches)) for d in place_decisions(text, steps)]


def test_a_missing_document_sends_the_case_to_the_step_that_asks_for_it():
    # the check decides; the "sonst" branch skips the request
    assert placed("Wenn was fehlt, fordere ich die Unterlagen nach.") == [(2, [3, 4])]


def test_a_consequence_naming_a_later_step_jumps_there():
    assert placed("Falls die Unterlagen unvollständig sind, gibt es keine Prüfung vor Ort, dann schreib ich "
                  "direkt den Bescheid.") == [(2, [3, 5])]


def test_an_end_ends_the_process_on_that_branch():
    assert placed("Wenn was fehlt und nix nachkommt, ist der Fall erledigt.") == [(2, [0, 3])]


def test_a_repeated_visit_loops_back_to_the_visit():
    assert placed("Wenn ich keinen antreffe, fahr ich an einem anderen Tag nochmal hin.") == [(4, [4, 5])]


def test_an_approval_on_the_other_branch_goes_on_as_usual():
    steps = [KnownStep("Antrag entgegennehmen", "", "receive"), KnownStep("Bei der Polizei anfragen", "", "search"),
             KnownStep("Erlaubnis erstellen", "", "create_document"), KnownStep("Gebühr kassieren", "", "payment")]
    assert placed("Wenn die Polizei Einwände hat, lehn ich ab, sonst wird genehmigt.", steps) == [(2, [0, 3])]


def test_every_waiting_step_ends_when_the_thing_comes_back():
    steps = [KnownStep("Erinnerung versenden", "", "send"), KnownStep("Rückgabe abwarten", "", "wait"),
             KnownStep("Mahnung versenden", "", "send"), KnownStep("Rückgabe abwarten", "", "wait"),
             KnownStep("Fall an die Kasse abgeben", "", "coordinate_internal")]
    assert placed("Wenn das Buch zurückkommt, ist die Sache erledigt.", steps) == [(2, [0, 3]), (4, [0, 5])]


def test_a_condition_told_verb_first_with_its_otherwise():
    steps = [KnownStep("Verfügung schreiben", "", "create_document"), KnownStep("Frist abwarten", "", "wait"),
             KnownStep("Gespräch zur Wohnungssuche führen", "", "appointment")]
    assert placed("Nach drei Monaten: hat er eine Wohnung, zieht er aus und gut, sonst gibt's eine neue "
                  "Verfügung und alles geht von vorne los.", steps) == [(3, [0, 1])]


def test_telling_without_a_condition_places_nothing():
    assert placed("Der Bescheid geht immer per Post raus.") == []


def test_a_told_branch_at_a_step_that_already_branches_joins_that_gateway():
    from app.dialogue.reading import with_decisions
    from app.domain import Branch, Decision

    known = [Decision(after_step=2, question="Fehlt was?", branches=[Branch(condition="fehlt was", goto_step=3),
                                                                      Branch(condition="sonst", goto_step=4)])]
    told = place_decisions("Und wenn er den Antrag zurückzieht, ist der Fall erledigt.", STEPS[:2] + [
        KnownStep("Unterlagen nachfordern", "", "search"), KnownStep("Bescheid erstellen", "", "create_document")])
    assert [d.after_step for d in told] == [2]
    [joined] = with_decisions(known, told)
    assert [b.goto_step for b in joined.branches] == [3, None, 4]  # the new way out before "sonst"
    assert with_decisions(known, []) == known


def test_conditions_become_yes_no_questions():
    from app.nlp.clauses import as_question

    assert as_question("wenn der Entsorger keinen Termin frei hat") == "Hat der Entsorger keinen Termin frei?"
    assert as_question("was fehlt") == "Fehlt was?"
    assert as_question("'s gefährlich ist") == "Ist es gefährlich?"
    assert as_question("die Sachen zurückkommen") == "Kommen die Sachen zurück?"
    assert as_question("alle Angehörigen zugestimmt haben") == "Haben alle Angehörigen zugestimmt?"
    assert as_question("Zahlt er nicht") == "Zahlt er nicht?"  # already a question's order
    assert as_question("bei über 1000 Euro") == "Bei über 1000 Euro?"  # no verb to move


SPORT_STEPS = [
    KnownStep("Antrag entgegennehmen", "der Verein schickt den Antrag", "receive"),
    KnownStep("Mitgliederzahl prüfen", "ich schau ob die Mitgliederzahl stimmt", "check_formal"),
    KnownStep("Vorlage für den Sportausschuss erstellen", "", "create_document"),
    KnownStep("Über den Zuschuss beschließen", "", "decide"),
    KnownStep("Zuschuss auszahlen", "", "payment"),
    KnownStep("Bescheid schreiben", "", "create_document"),
    KnownStep("Bescheid versenden", "", "send"),
]


def test_a_skipped_committee_puts_the_decision_before_it():
    # "braucht den Ausschuss nicht" names the Sportausschuss step as a compound's head: decided at the check before
    assert placed("Wenn der Verein klein ist und keinen Hallenbedarf hat, brauch ich den Ausschuss nicht, "
                  "dann schreib ich gleich den Bescheid.", SPORT_STEPS) == [(2, [3, 6])]


def test_a_condition_told_with_wer_reads_as_a_question_about_someone():
    decisions = place_decisions("Wer keine Mitglieder nachweist, kommt gar nicht erst in den Ausschuss, der kriegt "
                                "eine Absage, die schreib ich als Bescheid.", SPORT_STEPS)
    assert [(d.after_step, sorted((b.goto_step or 0) for b in d.branches)) for d in decisions] == [(2, [3, 6])]
    assert decisions[0].question.startswith("Weist jemand") or "jemand" in decisions[0].question


def test_nothing_but_the_notice_skips_the_payment():
    assert placed("Wenn der Ausschuss ablehnt, gibt's keine Auszahlung, nur den Bescheid.", SPORT_STEPS) \
        == [(4, [5, 6])]


def test_a_refusal_names_the_step_that_writes_it_by_its_own_words():
    assert placed("Wenn die Zahl nicht stimmt, schreib ich gleich den Bescheid als Ablehnung.", SPORT_STEPS) \
        == [(2, [3, 6])]


def test_only_what_was_done_already_ends_the_branch():
    steps = [KnownStep("Einladung versenden", "", "send"), KnownStep("Rückmeldung abwarten", "", "wait"),
             KnownStep("Termin vereinbaren", "", "appointment"), KnownStep("Besuch durchführen", "", "appointment")]
    assert placed("Wer keinen Termin will, bekommt halt nur die Einladung.", steps) == [(2, [0, 3])]


def test_a_coordinated_condition_stays_one_condition():
    decisions = place_decisions("Wenn der Verein gemeinnützig ist und keine Schulden hat, brauch ich den Ausschuss "
                                "nicht, dann schreib ich gleich den Bescheid.", SPORT_STEPS)
    assert decisions[0].after_step == 2
    assert "Schulden" not in decisions[0].question  # the question asks the first part only


def test_a_renewal_loop_after_the_last_step_goes_back_to_the_named_step():
    steps = [KnownStep("Antrag aufnehmen", "", "receive"), KnownStep("Berechtigung prüfen", "", "check_formal"),
             KnownStep("Zuweisungsverfügung schreiben", "", "create_document"),
             KnownStep("Gebühr festsetzen", "", "calculate"), KnownStep("Gespräch zum Stand führen", "", "other")]
    assert placed("Hat er was Eigenes gefunden, zieht er aus und gut, sonst gibt's eine neue Verfügung und alles "
                  "geht von vorne los.", steps) == [(5, [0, 3])]


def test_an_end_told_without_a_step_is_the_outcome_of_the_first_check():
    steps = [KnownStep("Antrag aufnehmen", "", "receive"), KnownStep("Nachweis prüfen", "", "check_formal"),
             KnownStep("Ausweis drucken", "", "print"), KnownStep("Ausweis aushändigen", "", "send")]
    assert placed("Wenn das Kennzeichen fehlt, erklär ich das, und dann ist da Schluss.", steps) == [(2, [0, 3])]


def test_function_words_name_no_step():
    steps = [KnownStep("Antrag aufnehmen", "", "receive"), KnownStep("Nachweis prüfen", "", "check_formal"),
             KnownStep("Bescheinigung zeigen lassen", "oder ich lass mir die Bescheinigung zeigen", "other"),
             KnownStep("Ausweis drucken", "", "print")]
    assert placed("Wenn kein Nachweis oder keine Bescheinigung da ist, ist da Schluss.", steps) == [(2, [0, 3])]


def test_nothing_but_a_later_step_and_done_jumps_to_that_step():
    steps = [KnownStep("Antrag aufnehmen", "", "receive"), KnownStep("Nachweis prüfen", "", "check_formal"),
             KnownStep("Ausweis drucken", "", "print"), KnownStep("Gebühr kassieren", "", "payment"),
             KnownStep("Jahresmarke einkleben", "", "other"), KnownStep("Ausweis aushändigen", "", "send")]
    assert placed("Wenn es nur eine Verlängerung ist, druck ich nix neu, dann kommt nur die neue Marke rein und "
                  "fertig.", steps) == [(2, [3, 5])]


def test_a_condition_with_a_modal_verb_reads_as_a_question():
    from app.nlp.clauses import as_question
    assert as_question("jemand keinen Hausbesuch will") == "Will jemand keinen Hausbesuch?"
