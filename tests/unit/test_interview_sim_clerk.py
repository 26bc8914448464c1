"""The simulated clerk of bench.interview_sim: corrections of a template and the natural-case split."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench import natural_split
from bench.interview_sim import (ACCEPT, NO_BRANCHES, Difference, align, correction_messages, decision_message, f1,
                                 in_sentence, load_cases, template_differences)

ROOT = Path(__file__).resolve().parents[2]
NATURAL = ROOT / "bench" / "cases-natural"

PROPOSAL = ["Antrag entgegennehmen", "Antrag auf Vollständigkeit prüfen", "Gebühr erheben", "Bescheid erstellen",
            "Bescheid versenden", "Vorgang archivieren"]
GOLD = ["Fehlende Angaben telefonisch erfragen", "Antrag entgegennehmen", "Antrag auf Vollständigkeit prüfen",
        "Daten in proDoppik erfassen", "Steuerbescheid erstellen", "Steuerbescheid ausdrucken",
        "Bescheid mit Steuermarke per Post versenden", "Formular einscannen", "Formular in der E-Akte ablegen"]


def apply(proposal: list[str], differences: list[Difference]) -> list[str]:
    """What an assistant that understood every correction would hold afterwards."""
    steps = list(proposal)
    for d in differences:
        if d.kind == "delete":
            steps.remove(d.template)
        elif d.kind == "rename":
            steps[steps.index(d.template)] = d.gold[0]
        elif d.anchor is not None:
            at = steps.index(d.anchor) + 1
            steps[at:at] = d.gold
        elif d.before is not None:
            at = steps.index(d.before)
            steps[at:at] = d.gold
        else:
            steps += d.gold
    return steps


def test_differences_turn_the_template_into_the_clerks_steps():
    differences = template_differences(PROPOSAL, GOLD)
    assert {d.kind for d in differences} == {"insert", "rename"}
    assert [d.gold for d in differences if d.kind == "insert"][0] == ["Fehlende Angaben telefonisch erfragen"]
    result = apply(PROPOSAL, differences)
    pairs = align(result, GOLD)
    assert f1(len(pairs), len(result), len(GOLD))[2] == 1.0


def test_deletions_and_a_trailing_insertion():
    proposal = ["Antrag entgegennehmen", "Gebühr erheben", "Bescheid erstellen", "Bescheid versenden"]
    gold = ["Antrag entgegennehmen", "Bescheid erstellen", "Bescheid versenden", "Akte ablegen", "Frist notieren"]
    differences = template_differences(proposal, gold)
    assert [(d.kind, d.template, d.gold, d.anchor) for d in differences] == [
        ("delete", "Gebühr erheben", [], None),
        ("insert", None, ["Akte ablegen", "Frist notieren"], "Bescheid versenden")]
    assert apply(proposal, differences) == gold


def test_identical_template_is_simply_accepted():
    assert template_differences(PROPOSAL, PROPOSAL) == []
    assert correction_messages([], "x") == [ACCEPT]


def test_messages_are_deterministic_varied_and_name_every_difference():
    differences = template_differences(PROPOSAL, GOLD)
    first = correction_messages(differences, "n1-01")
    assert first == correction_messages(differences, "n1-01")
    assert any(correction_messages(differences, seed) != first for seed in ("a", "b", "c", "d"))
    for seed in ("n1-01", "n2-17", "x"):
        messages = correction_messages(differences, seed)
        text = " ".join(messages)
        for d in differences:
            if d.template:
                assert f"„{d.template}“" in text
            for label in d.gold:
                assert label in text or in_sentence(label) in text
        # the acceptance opens; no message carries more than three corrections
        assert re.match(r"^(Ja|Genau|Im Großen)", messages[0])
        for message in messages[1:]:
            assert 1 <= message.count("„") <= 3 * 2


def test_labels_read_naturally_inside_a_sentence():
    assert in_sentence("Fehlende Angaben telefonisch erfragen") == "fehlende Angaben telefonisch erfragen"
    assert in_sentence("Über das Einvernehmen beschließen") == "über das Einvernehmen beschließen"
    assert in_sentence("Bauantrag im Bauantragsbuch erfassen") == "Bauantrag im Bauantragsbuch erfassen"


def test_decision_message_only_when_the_draft_has_other_branches():
    case = {"case_id": "x", "answers": {"decisions": "Wenn was fehlt, ruf ich an."},
            "gold": {"steps": [{"label": label} for label in GOLD],
                     "decisions": [{"after_step": 3, "branches": [{"goto_step": 4}, {"goto_step": 1}]}]}}
    draft = {"steps": [{"label": label} for label in GOLD], "decisions": []}
    assert decision_message(case, draft, "x").endswith("Wenn was fehlt, ruf ich an.")
    draft["decisions"] = [{"after_step": 3, "branches": [{"goto_step": 1}, {"goto_step": 4}]}]
    assert decision_message(case, draft, "x") is None
    case["gold"]["decisions"] = []
    assert decision_message(case, draft, "x") == NO_BRANCHES


def test_split_is_the_recorded_hash_split():
    manifest = natural_split.load_manifest()
    assert manifest == natural_split.make_split(natural_split.strata())
    dev, test = set(manifest["dev"]), set(manifest["test"])
    assert not dev & test and len(test) >= 40
    every = {json.loads(p.read_text(encoding="utf-8"))["case_id"] for p in natural_split.case_files()}
    assert dev | test == every and len(every) == 84
    assert all(counts["test"] == natural_split.TEST_PER_STRATUM for counts in manifest["strata"].values())


def test_load_cases_by_part():
    test = load_cases(NATURAL, "test")
    dev = load_cases(NATURAL, "dev")
    assert len(test) + len(dev) == 84 and {c["case_id"] for c in test}.isdisjoint(c["case_id"] for c in dev)
    assert len(load_cases(ROOT / "bench" / "cases")) == 30
