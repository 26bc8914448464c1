"""Minutes per case in the figures: a few timed steps never undercut the clerk's estimate."""

from __future__ import annotations

from app.domain import ProcessProfile
from app.domain.figures import figures


def _profile(minutes_per_case, step_minutes):
    return ProcessProfile.model_validate({
        "title": "Vereinsbus ausleihen", "minutes_per_case": minutes_per_case, "case_volume_per_year": 200,
        "steps": [{"n": i + 1, "label": f"Schritt {i + 1} erledigen", "minutes": m} for i, m in enumerate(step_minutes)]})


def test_some_timed_steps_keep_the_profile_minutes_and_say_so():
    result = figures(_profile(40, [5, None, None]))
    assert result["minutes_per_case"] == 40 and result["annual_hours"] == 133.3
    assert any(h.startswith("Nur 1 von 3 Schritten haben Minuten: Die Kennzahlen rechnen mit den 40 Minuten")
               for h in result["hints"])


def test_all_timed_steps_give_the_minutes():
    result = figures(_profile(40, [5, 10, 15]))
    assert result["minutes_per_case"] == 30 and not any(h.startswith("Nur ") for h in result["hints"])


def test_timed_steps_without_profile_minutes_are_used_and_flagged():
    result = figures(_profile(None, [5, None]))
    assert result["minutes_per_case"] == 5
    assert any("den Minuten dieser Schritte allein" in h for h in result["hints"])
