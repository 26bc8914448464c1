"""Step alignment by building block and meaning, with a German reason for every pair."""

from __future__ import annotations

import pytest

from app.domain import ProcessProfile
from app.domain.comparison import align_steps, compare_profiles, match_steps
from app.domain.models import Step


def _step(label: str, kind: str, n: int = 1) -> Step:
    return Step(n=n, label=label, kind=kind)


@pytest.mark.parametrize("left, right, reason_parts", [
    (("Erlaubnis per E-Mail versenden", "send"), ("Bescheid versenden", "send"),
     ["gleicher Baustein „Dokument/Information versenden“", "„Erlaubnis“ ≈ „Bescheid“"]),
    (("Antrag entgegennehmen", "receive"), ("Anmeldung annehmen", "receive"),
     ["gleicher Baustein „Dokument/Information entgegennehmen“", "„Antrag“ ≈ „Anmeldung“"]),
    (("Antrag auf Vollständigkeit prüfen", "check_formal"), ("Vollständigkeit des Antrags prüfen", "check_formal"),
     ["gleicher Baustein „Formell prüfen“", "gleiche Bezeichnung"]),
    (("Genehmigung zustellen", "send"), ("Bescheid per Post verschicken", "send"), ["ähnliche Bedeutung"]),
    (("Gebühr berechnen", "calculate"), ("Kosten festsetzen", "calculate"), ["„Gebühr“ ≈ „Kosten“"]),
])
def test_example_pairs_are_paired_with_a_reason(left, right, reason_parts):
    found = match_steps(_step(*left), _step(*right))
    assert found.paired, found
    for part in reason_parts:
        assert part in found.reason


@pytest.mark.parametrize("left, right", [
    (("Gebühr buchen", "payment"), ("Antrag entgegennehmen", "receive")),
    (("Gebührenbescheid erstellen", "create_document"), ("Bescheid versenden", "send")),  # same thing, other work
    (("Hundemarke ausgeben", "send"), ("Bescheid versenden", "send")),  # same work, other thing
    (("Antrag entgegennehmen", "receive"), ("Rückmeldung des Amtes entgegennehmen", "receive")),
    (("Vor-Ort-Termin durchführen", "appointment"), ("Daten im Fachverfahren erfassen", "enter_data")),
])
def test_unrelated_steps_are_not_paired(left, right):
    assert not match_steps(_step(*left), _step(*right)).paired


def test_alignment_keeps_order_and_explains_pairs():
    left = ProcessProfile.model_validate({"title": "A", "steps": [
        {"n": 1, "label": "Antrag entgegennehmen", "kind": "receive"},
        {"n": 2, "label": "Antrag auf Vollständigkeit prüfen", "kind": "check_formal"},
        {"n": 3, "label": "Gebühr buchen", "kind": "payment"},
        {"n": 4, "label": "Erlaubnis per E-Mail versenden", "kind": "send"}]})
    right = ProcessProfile.model_validate({"title": "B", "steps": [
        {"n": 1, "label": "Anmeldung annehmen", "kind": "receive"},
        {"n": 2, "label": "Vollständigkeit des Antrags prüfen", "kind": "check_formal"},
        {"n": 3, "label": "Vor-Ort-Termin durchführen", "kind": "appointment"},
        {"n": 4, "label": "Bescheid versenden", "kind": "send"}]})
    rows = compare_profiles(left, right)
    pairs = [(r["left"]["n"], r["right"]["n"]) for r in rows if r["status"] == "match"]
    assert pairs == [(1, 1), (2, 2), (4, 4)]
    assert {r["status"] for r in rows} == {"match", "only_left", "only_right"}
    assert all(r["reason"] for r in rows if r["status"] == "match")
    assert all(r["reason"] is None for r in rows if r["status"] != "match")
    assert align_steps([], left.steps) == [(None, s) for s in left.steps]
