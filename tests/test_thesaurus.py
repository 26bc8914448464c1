"""The everyday-German thesaurus: file format, matching rules, no noise on unrelated text."""

from __future__ import annotations

import pytest

from retrieval import thesaurus


def test_shipped_file_parses_into_many_concepts():
    concepts = thesaurus.load()
    assert len(concepts) >= 300
    for triggers, targets in concepts:
        assert triggers and 1 <= len(targets) <= 8
        assert all(t == t.lower() for t in triggers + targets)


def test_malformed_line_names_file_and_line():
    with pytest.raises(thesaurus.ThesaurusFormatError, match="demo.txt:3"):
        thesaurus.parse("# comment\nhund => hundesteuer\nkeine zuordnung hier\n", "demo.txt")
    with pytest.raises(thesaurus.ThesaurusFormatError):
        thesaurus.parse("hund =>\n")


def test_everyday_words_reach_administrative_terms():
    assert "hundesteuer" in thesaurus.expansions("Wir haben einen Welpen bekommen")
    assert "eheschließung" in thesaurus.expansions("Wir wollen heiraten")
    # a one-word trigger also fires as the first part of a compound
    assert "verkehrsrechtliche anordnung" in thesaurus.expansions("Baustellenampel")


def test_phrase_triggers_match_whole_words_only(tmp_path):
    other = tmp_path / "thesaurus.txt"
    other.write_text("rechte beantragen => sonderrecht\n", encoding="utf-8")
    try:
        thesaurus.use(other)
        assert thesaurus.expansions("Rechte beantragen") == ["sonderrecht"]
        assert thesaurus.expansions("Vergaberecht beantragen") == []
    finally:
        thesaurus.use(None)
    assert "hundesteuer" in thesaurus.expansions("Welpe")  # the shipped file again


@pytest.mark.parametrize("text", [
    "Das Wetter ist heute schön und wir gehen spazieren.",
    "Wie viele Personen arbeiten in Ihrer Abteilung?",
    "Die Besprechung beginnt um zehn Uhr im großen Saal.",
])
def test_ordinary_sentences_expand_to_little(text):
    assert len(thesaurus.expansions(text)) <= 4
