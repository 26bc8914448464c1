"""Line breaking in the diagram: German syllables (pyphen), a compound's own hyphen first, no stubs."""

from __future__ import annotations

from app.bpmn.text import wrap


def test_long_words_break_at_german_syllables_leaving_whole_stems():
    assert wrap("Antrag entgegennehmen", 84, 3, 11, True) == ["Antrag", "entgegen-", "nehmen"]
    assert wrap("Nutzungsvertrag erstellen", 84, 3, 11, True) == ["Nutzungs-", "vertrag", "erstellen"]


def test_a_compound_breaks_at_its_own_hyphen():
    lines = wrap("Termin im Outlook-Kalender eintragen", 84, 4, 11, True)
    assert "Outlook-" in lines and "Kalender" in " ".join(lines) and "Kalen-" not in " ".join(lines)
