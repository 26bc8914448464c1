"""A fixed slice of the interview simulation: fails if understanding or template reuse regresses."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bench.interview_sim import evaluate

CASES = Path(__file__).resolve().parents[1] / "bench" / "cases"
SLICE = ["a05-gewerbe-anmelden", "a08-hundesteuer-anmelden", "b03-plakatierungsgenehmigung",
         "b09-feuerwehr-kostenersatz"]


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_simulated_interviews_meet_the_quality_bar(app, runner, make_user):
    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    _, headers = make_user("sim", "clerk", "Simulationshausen", "Thüringen")
    cases = [json.loads((CASES / f"{name}.json").read_text(encoding="utf-8")) for name in SLICE]
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
        report = evaluate(cases, client, headers)
    assert report["step_f1"] >= 0.85 and report["kind_accuracy"] >= 0.8
    assert report["field_accuracy"] >= 0.85 and report["decision_f1"] >= 0.7
    assert report["in_corpus_word_reduction"] >= 0.3
    accepted = {c["case_id"]: c["template_accepted"] for c in report["per_case"]}
    assert accepted["a08-hundesteuer-anmelden"] and not accepted["b03-plakatierungsgenehmigung"]
