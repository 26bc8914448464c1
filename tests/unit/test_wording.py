"""Counted nouns and capitalisation: "1 Schritt", never "1 Schritte"; "In Prüfung", never "In prüfung"."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.dialogue.engine import summarise
from app.domain import ProcessProfile
from app.domain.lifecycle import STATE_LABELS
from app.domain.wording import NOUNS, counted, noun, sentence_start, verb

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n, key, expected", [
    (0, "step", "0 Schritte"), (1, "step", "1 Schritt"), (2, "step", "2 Schritte"),
    (1, "decision", "1 Entscheidung"), (3, "decision", "3 Entscheidungen"),
    (1, "case", "1 Fall"), (1200, "case", "1200 Fälle"),
    (1.0, "minute", "1 Minute"), (1.5, "minute", "1,5 Minuten"), (12.0, "minute", "12 Minuten"),
    (1, "open_comment", "1 offener Kommentar"), (2, "open_comment", "2 offene Kommentare"),
    (1, "hit", "1 Treffer"), (7, "hit", "7 Treffer"),
])
def test_counted_known_nouns(n, key, expected):
    assert counted(n, key) == expected


def test_counted_with_explicit_forms_and_verbs():
    assert counted(1, "Zeile", "Zeilen") == "1 Zeile"
    assert counted(4, "Zeile", "Zeilen") == "4 Zeilen"
    assert noun(1, "step") == "Schritt" and noun(5, "step") == "Schritte"
    assert verb(1, "hat", "haben") == "hat" and verb(0, "hat", "haben") == "haben"
    assert all(len(forms) == 2 and all(forms) for forms in NOUNS.values())


def test_sentence_start_keeps_the_rest():
    assert sentence_start("in Prüfung") == "In Prüfung"
    assert sentence_start("Änderungen erbeten") == "Änderungen erbeten"
    assert sentence_start("") == "" and sentence_start(None) == ""
    assert all(sentence_start(label)[1:] == label[1:] for label in STATE_LABELS.values())


def test_assistant_summary_counts_properly():
    profile = ProcessProfile.model_validate({
        "title": "Hund anmelden", "case_volume_per_year": 1, "minutes_per_case": 1,
        "steps": [{"n": 1, "label": "Antrag annehmen"}],
    })
    text = summarise(profile)
    assert "1 Schritt," in text and "1 Fall im Jahr" in text and "1 Minute pro Fall" in text
    assert "Schritte" not in text and "(en)" not in text


def test_no_hand_made_plurals_left_in_templates_and_replies():
    """The patterns issue 18 found must not come back."""
    sources = [*ROOT.joinpath("app/templates").glob("*.html"), ROOT / "app/dialogue/engine.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for bad in ("|capitalize", "Entscheidung(en)", "Schritte entsprechen", "if own != 1", "Schritte erkannt\"",
                    "} Schritte aus"):
            assert bad not in text, f"{bad!r} in {path.name}"
