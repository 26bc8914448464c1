"""Steps the clerk names only as a decision's consequence are inserted with their decision."""

from app.dialogue.reading import with_branch_steps
from app.domain import ProcessProfile
from app.nlp.gazetteer import Gazetteer

_LABELS = ["Freiwillige anschreiben", "Rückmeldungen sammeln", "Einteilung prüfen", "Berufungen versenden",
           "Schulung durchführen"]


def _draft() -> ProcessProfile:
    return ProcessProfile.model_validate({"title": "Wahlhelfer gewinnen",
                                          "steps": [{"n": i + 1, "label": label} for i, label in enumerate(_LABELS)]})


def _branches(draft: ProcessProfile) -> list[tuple[int, list[int | None]]]:
    return [(d.after_step, [b.goto_step for b in d.branches]) for d in draft.decisions]


def test_consequence_before_named_step_is_inserted_and_branched_to():
    draft, notes = with_branch_steps(_draft(), "Wenn nicht genug Freiwillige da sind, verpflichten wir Kolleginnen "
                                               "aus der Verwaltung, bevor die Berufungen rausgehen.", Gazetteer())
    assert [s.label for s in draft.steps][3] == "Kolleginnen aus Verwaltung verpflichten"
    assert draft.steps[4].label == "Berufungen versenden"
    assert notes == ["Ergänzt: Schritt 4 „Kolleginnen aus Verwaltung verpflichten“, dahin geht es, "
                     "wenn nicht genug Freiwillige da sind."]
    assert all(4 in targets and 5 in targets for _, targets in _branches(draft))


def test_consequence_after_condition_step_with_otherwise_going_on():
    draft, notes = with_branch_steps(_draft(), "Falls die Rückmeldungen fehlen, schreib ich eine Erinnerung, "
                                               "sonst geht's direkt weiter.", Gazetteer())
    assert draft.steps[2].label == "Erinnerung erstellen"
    assert draft.steps[2].description
    assert _branches(draft) == [(2, [3, 4])]
    assert len(notes) == 1


def test_known_step_end_or_loop_inserts_nothing():
    for text in ("Wenn die Einteilung nicht passt, dann ist Schluss.",
                 "Wenn die Einteilung nicht passt, schreiben wir die Freiwilligen nochmal an.",
                 "Wenn die Einteilung passt, versenden wir die Berufungen."):
        draft, notes = with_branch_steps(_draft(), text, Gazetteer())
        assert len(draft.steps) == len(_LABELS) and not notes, text


def test_decision_asks_the_condition_as_a_question():
    draft, _ = with_branch_steps(_draft(), "Wenn nicht genug Freiwillige da sind, verpflichten wir Kolleginnen "
                                           "aus der Verwaltung, bevor die Berufungen rausgehen.", Gazetteer())
    assert any(d.question == "Sind nicht genug Freiwillige da?" for d in draft.decisions)
