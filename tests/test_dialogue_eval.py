"""The dialogue-check harness (issue 15): every check type on fixed drafts, the split, and one run of the
development part, with a regression floor on its pass rate."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.domain.models import Slot
from bench import dialogue_eval as de

DIALOGUES = Path(__file__).resolve().parents[1] / "bench" / "dialogues"

DRAFT = {
    "title": "Sondernutzungserlaubnis Infostand", "trigger": "Antrag per Post", "result": "", "customer": None,
    "org_unit": "Ordnungsamt", "participants": ["Polizei", "Straßenverkehrsbehörde"], "it_systems": ["Word"],
    "legal_basis": [], "documents": ["Antrag"], "case_volume_per_year": 120, "minutes_per_case": 30.0,
    "steps": [
        {"n": 1, "label": "Antrag entgegennehmen", "kind": "receive", "actor": "Ordnungsamt"},
        {"n": 2, "label": "Vollständigkeit prüfen", "kind": "check_formal", "actor": "Ordnungsamt"},
        {"n": 3, "label": "Ort besichtigen", "kind": "appointment", "actor": "Bauhof"},
        {"n": 4, "label": "Bescheid in Word schreiben", "kind": "create_document", "actor": None},
        {"n": 5, "label": "Bescheid versenden", "kind": "send", "actor": "Ordnungsamt"},
    ],
    "decisions": [{"after_step": 2, "question": "Vollständig?", "branches": [{"condition": "ja", "goto_step": 3},
                                                                             {"condition": "nein", "goto_step": None}]}],
}
REPLY = {"role": "assistant", "slot": "trigger", "text": "Schritt 3 heißt jetzt „Ort besichtigen“. Was löst …",
         "suggestions": []}

# (check, holds on DRAFT/REPLY)
CASES = [
    ({"steps_min": 5}, True), ({"steps_min": 6}, False), ({"steps_max": 5}, True), ({"steps_max": 4}, False),
    ({"step_mentions": ["antrag", "besichtig|vor ort"]}, True), ({"step_mentions": ["ANTRAG", "kasse"]}, False),
    ({"no_step_mentions": ["kasse", "archiv"]}, True), ({"no_step_mentions": ["kasse", "bescheid"]}, False),
    ({"step_order": ["prüf", "bescheid"]}, True), ({"step_order": ["bescheid", "prüf"]}, False),
    ({"step_order": ["prüf", "kasse"]}, False),
    ({"step_order": ["bescheid", "bescheid"]}, False),  # the first step mentioning each: same step, not before
    ({"step_kind": {"mention": "prüf", "kind": "check_formal"}}, True),
    ({"step_kind": {"mention": "bescheid", "kind": "send"}}, False),  # the first "bescheid" step is create_document
    ({"step_kind": {"mention": "scan", "kind": "scan"}}, False),
    ({"step_actor": {"mention": "besichtig", "actor": "bauhof|kasse"}}, True),
    ({"step_actor": {"mention": "bescheid", "actor": "ordnungsamt"}}, False),  # step 4 has no actor
    ({"field_equals": {"minutes_per_case": 30}}, True), ({"field_equals": {"case_volume_per_year": 100}}, False),
    ({"field_between": {"case_volume_per_year": [100, 120]}}, True),
    ({"field_between": {"minutes_per_case": [31, 40]}}, False),
    ({"field_between": {"result": [0, 10]}}, False),  # not a number
    ({"field_contains": {"title": "sondernutzung|infostand"}}, True), ({"field_contains": {"trigger": "mail"}}, False),
    ({"field_contains": {"customer": "bürger"}}, False),  # empty field contains nothing
    ({"field_not_contains": {"trigger": "gesagt"}}, True), ({"field_not_contains": {"org_unit": "amt"}}, False),
    ({"field_max_words": {"title": 3}}, True), ({"field_max_words": {"trigger": 2}}, False),
    ({"field_empty": "legal_basis"}, True), ({"field_empty": "result"}, True), ({"field_empty": "customer"}, True),
    ({"field_empty": "org_unit"}, False), ({"field_empty": "case_volume_per_year"}, False),
    ({"field_not_empty": "it_systems"}, True), ({"field_not_empty": "legal_basis"}, False),
    ({"list_contains": {"participants": "polizei"}}, True), ({"list_contains": {"participants": "bauhof"}}, False),
    ({"list_not_contains": {"participants": "bauhof|kasse"}}, True),
    ({"list_not_contains": {"participants": "verkehr"}}, False),
    ({"decisions_min": 1}, True), ({"decisions_min": 2}, False), ({"decisions_max": 1}, True),
    ({"decisions_max": 0}, False),
    ({"decision_after_mention": "vollständig"}, True), ({"decision_after_mention": "antrag"}, False),
    ({"decision_after_mention": "kasse"}, False),
    ({"reply_contains": "umbenannt|heißt jetzt"}, True), ({"reply_contains": "rückgängig"}, False),
    ({"reply_not_contains": "vollständig"}, True), ({"reply_not_contains": "schritt 3"}, False),
    ({"template_consistent": True}, True),  # no template offered
    ({"no_template_adopted": True}, True),
]


def test_every_check_type_has_unit_cases():
    assert {next(iter(check)) for check, _ in CASES} == set(de.CHECK_TYPES)


@pytest.mark.parametrize("check, expected", CASES, ids=[json.dumps(c, ensure_ascii=False) for c, _ in CASES])
def test_check_on_a_fixed_draft(check, expected):
    ok, detail = de.evaluate_check(check, DRAFT, REPLY, [])
    assert ok is expected, detail


def test_unknown_check_type_is_an_error():
    with pytest.raises(ValueError):
        de.evaluate_check({"steps_exactly": 3}, DRAFT, REPLY)


CARDS = [{"id": 7, "title": "Sperrmüll zur Abholung anmelden", "municipality": "Beispielstadt"},
         {"id": 9, "title": "Jährliche Festsetzung der Abfallgebühren", "municipality": "Musterhausen"}]


def _offer(title: str, town: str, slot: str = "confirm_template", cards=CARDS) -> dict:
    return {"slot": slot, "suggestions": cards,
            "text": f"In {town} ist ein ähnlicher Ablauf dokumentiert: „{title}“. Dort läuft das so:\n1. A\n2. B\n"
                    "Passt das bei Ihnen? Antworten Sie mit „Ja“ …"}


@pytest.mark.parametrize("reply, expected", [
    (_offer("Sperrmüll zur Abholung anmelden", "Beispielstadt"), True),
    (_offer("Jährliche Festsetzung der Abfallgebühren", "Musterhausen"), False),  # the second card
    (_offer("Jährliche Festsetzung der Abfallgebühren", "Beispielstadt"), False),  # right town, other process
    (_offer("Sperrmüll zur Abholung anmelden", "Musterhausen"), False),  # right process, other town
    (_offer("Straßenreinigung", "Exempelfeld"), False),  # offered, but no such card
    (_offer("Sperrmüll zur Abholung anmelden", "Beispielstadt", cards=[]), False),  # text offers, no cards
    # a comparison question in another slot names the town only
    ({"slot": "steps", "suggestions": CARDS, "text": "In Beispielstadt wird außerdem gewogen. Bei Ihnen auch?"}, True),
    ({"slot": "steps", "suggestions": CARDS, "text": "In Musterhausen wird außerdem gewogen. Bei Ihnen auch?"}, False),
    ({"slot": "trigger", "suggestions": CARDS, "text": "Was löst den Vorgang aus?"}, True),  # cards, no offer
])
def test_template_consistent(reply, expected):
    ok, detail = de.evaluate_check({"template_consistent": True}, DRAFT, reply)
    assert ok is expected, detail


def test_no_template_adopted():
    own = {"steps": [{"n": i + 1, "label": label} for i, label in enumerate(["Antrag entgegennehmen", "Baum ansehen",
                                                                           "Bescheid schreiben"])]}
    template = [["Antrag entgegennehmen", "Baumgutachten anfordern", "Bescheid erstellen", "Bescheid versenden"]]
    assert de.evaluate_check({"no_template_adopted": True}, own, {}, template)[0]  # one shared label of three
    adopted = {"steps": [{"n": i + 1, "label": label} for i, label in enumerate(template[0])]}
    assert not de.evaluate_check({"no_template_adopted": True}, adopted, {}, template)[0]
    assert not de.evaluate_check({"no_template_adopted": True}, {"steps": []}, {}, template)[0]  # nothing kept


def test_split_is_recorded_deterministic_stratified_and_complete():
    dialogues = de.load_dialogues(DIALOGUES / "d1")
    recorded = json.loads((DIALOGUES / "split.json").read_text(encoding="utf-8"))
    assert de.make_split(dialogues) == recorded
    ids = {d["dialogue_id"] for d in dialogues}
    assert set(recorded["dev"]) | set(recorded["test"]) == ids and not set(recorded["dev"]) & set(recorded["test"])
    assert len(recorded["test"]) >= 20
    in_corpus = {d["dialogue_id"]: d["in_corpus"] for d in dialogues}
    for flag in (True, False):
        stratum = [i for i in ids if in_corpus[i] == flag]
        tested = [i for i in recorded["test"] if in_corpus[i] == flag]
        assert len(tested) == round(len(stratum) * de.TEST_FRACTION)


def test_dialogue_files_use_the_documented_format():
    slots = set(Slot.__args__)
    for dialogue in de.load_dialogues(DIALOGUES / "d1"):
        assert set(dialogue) == {"dialogue_id", "topic", "in_corpus", "tests", "turns"}
        assert dialogue["turns"][0]["in_reply_to"] is None
        for turn in dialogue["turns"]:
            assert turn["in_reply_to"] is None or turn["in_reply_to"] in slots, turn
            for check in turn["checks"]:
                assert len(check) == 1 and next(iter(check)) in de.CHECK_TYPES


MINI = [
    {"dialogue_id": "mini-1", "topic": "Fischereischein", "in_corpus": False, "tests": ["extracted_answer"],
     "turns": [
         {"say": "Ich stelle Fischereischeine aus.", "in_reply_to": None, "checks": [{"steps_max": 0}]},
         {"say": "Ordnungsamt", "in_reply_to": "org_unit",
          "checks": [{"field_contains": {"org_unit": "ordnungsamt"}}, {"field_contains": {"title": "fischerei"}}]},
     ]},
    {"dialogue_id": "mini-2", "topic": "Fischereischein", "in_corpus": False, "tests": ["numbers"],
     "turns": [{"say": "Ich stelle Fischereischeine aus. Das sind ca. 150 Fälle im Jahr.", "in_reply_to": None,
                "checks": [{"field_equals": {"case_volume_per_year": 150}}]}]},
]


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_harness_runs_the_development_part(app, runner, make_user):
    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    _, headers = make_user("dialog", "clerk", "Simulationshausen", "Thüringen")
    split = json.loads((DIALOGUES / "split.json").read_text(encoding="utf-8"))
    dev = de.select_part(de.load_dialogues(DIALOGUES / "d1"), "dev", split)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
        report = de.evaluate(dev, client, headers)
        mini = de.evaluate(MINI, client, headers)
    n_checks = sum(len(t["checks"]) for d in dev for t in d["turns"])
    assert report["dialogues"] == len(dev) == len(split["dev"]) and report["checks"] == n_checks
    assert 0 <= report["dialogue_pass_rate"] <= 1 and set(report["by_check"]) <= set(de.CHECK_TYPES)
    assert {s for d in dev for s in d["tests"]} == set(report["by_situation"])
    assert all(not c["detail"].startswith("HTTP") for d in report["per_dialogue"] for c in d["checks"])
    # Regression floor for the engine (session 4 on this part: 8/28 dialogues, checks 0.882; session 5: 11/28, 0.916;
    # session 6: 16/28, 0.940).
    assert report["dialogues_passed"] >= 14 and report["check_pass_rate"] >= 0.92
    # Hand-made dialogues whose outcome is known on the current engine: answer_to files "Ordnungsamt" as the
    # unit although the title was asked (so the title stays open), and the volume in the opening is read.
    results = {d["dialogue_id"]: d for d in mini["per_dialogue"]}
    mini1 = [(c["type"], c["ok"]) for c in results["mini-1"]["checks"]]
    assert mini1 == [("steps_max", True), ("field_contains", True), ("field_contains", False)]
    assert results["mini-2"]["passed"] and not results["mini-1"]["passed"]
    assert mini["dialogue_pass_rate"] == 0.5 and mini["by_situation"]["numbers"]["rate"] == 1.0
    assert mini["by_situation"]["extracted_answer"] == {"passed": 0, "n": 1, "rate": 0.0, "check_rate": 0.6667}
    assert mini["by_in_corpus"]["not_in_corpus"]["check_rate"] == 0.75 and mini["check_pass_rate"] == 0.75
