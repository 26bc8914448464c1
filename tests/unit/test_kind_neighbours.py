"""The corpus-neighbour step-kind index and its combination with the rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.nlp import kind_neighbours
from app.nlp.kind_neighbours import Example, KindIndex, char_grams, word_grams
from app.nlp.step_kind import classify_step, normalise

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> KindIndex:
    return kind_neighbours.default_index()


@pytest.mark.parametrize(("label", "kind"), [
    ("Bescheid rausschicken", "send"),
    ("in der Akte ablegen", "archive"),
    ("Halter anrufen und nachfragen", "search"),
    ("Angrenzer benachrichtigen", "send"),
    ("Daten ins Fachverfahren abtippen", "enter_data"),
    ("Papierantrag einscannen", "scan"),
])
def test_colloquial_labels(label: str, kind: str, shipped: KindIndex) -> None:
    guess = shipped.guess(label)
    assert guess is not None and guess.kind == kind, shipped.nearest(label)
    assert classify_step(label) == kind


def test_shipped_files_are_current() -> None:
    """Fails when the corpus or training data changed without ``python -m app.nlp.kind_neighbours --write``."""
    assert kind_neighbours.read_examples() == kind_neighbours.collect_examples()


def test_index_excludes_nothing_silently(shipped: KindIndex) -> None:
    profiles = sorted((ROOT / "corpus" / "profiles").glob("*/*.yaml"))
    import yaml

    corpus_steps = sum(len(yaml.safe_load(p.read_text(encoding="utf-8")).get("steps") or []) for p in profiles)
    segments = [s for line in (kind_neighbours.TRAINING_DIR / "utterances.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip() for s in json.loads(line)["segments"] if s["type"] == "step"]
    sources = [e.source for e in shipped.examples]
    assert sources.count("corpus") == corpus_steps
    # label and clerk wording of every step segment, once each when they are the same text
    assert sources.count("utterance") == sum(len({s["label"], s["text"]}) for s in segments)
    assert sources.count("verbs") > 0
    assert len(shipped.examples) == len(kind_neighbours.collect_examples())


def test_shipped_matrix_matches_a_fresh_fit(shipped: KindIndex) -> None:
    fresh = KindIndex.fit(shipped.examples)
    for label in ("Bescheid rausschicken", "Vollständigkeitsprüfung", "Gebühr in bar kassieren", "xyz"):
        assert np.allclose(shipped.similarities(label), fresh.similarities(label), atol=1e-5)


def test_query_vectors_match_scikit_learn() -> None:
    """The serving path vectorises queries itself; it must weigh exactly as scikit-learn fitted."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    examples = [Example(t, "send", "rows") for t in
                ("Bescheid versenden", "Bescheid erstellen", "Akte ablegen", "Antrag prüfen und erfassen", "Ja")]
    index = KindIndex.fit(examples)
    texts = [normalise(e.text) for e in examples]
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=kind_neighbours.CHAR_SIZES, sublinear_tf=True)
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+", sublinear_tf=True)
    matrix = normalize(sparse.hstack([char.fit_transform(texts), word.fit_transform(texts)]).tocsr())
    for label in ("Bescheid per Post versenden", "Akte", "prüfen prüfen"):
        query = normalise(label)
        vector = normalize(sparse.hstack([char.transform([query]), word.transform([query])]).tocsr())
        assert np.allclose((matrix @ vector.T).toarray().ravel(), index.similarities(label), atol=1e-5)
    assert char_grams("ab cdefgh") == char.build_analyzer()("ab cdefgh")
    assert word_grams("a b c") == ["a", "b", "c", "a b", "b c"]


def test_rows_hook_replaces_the_demo_corpus() -> None:
    rows = [("Grabstelle im Friedhofsplan zuweisen", "decide"), ("Urnenplatz zuweisen", "decide")]
    index = KindIndex.from_rows(rows, with_training_data=False)
    assert {e.source for e in index.examples} == {"rows"}
    assert index.guess("Grabstelle zuweisen").kind == "decide"
    with_training = KindIndex.from_rows(rows)
    assert "corpus" not in {e.source for e in with_training.examples}
    assert len(with_training.examples) > len(rows)


def test_install_switches_classify_step_and_back() -> None:
    label = "Wunschgrab zuteilen lassen"
    before = classify_step(label)
    try:
        kind_neighbours.install(KindIndex.from_rows([(label, "wait")], with_training_data=False))
        assert classify_step(label) == "wait"
    finally:
        kind_neighbours.install(None)
    assert classify_step(label) == before


def test_without_drops_exactly_the_held_out_profiles(shipped: KindIndex) -> None:
    key = "hundesteuer-anmeldung"
    held_out = shipped.without(lambda e: not (e.source == "corpus" and e.origin.endswith("/" + key)))
    dropped = len(shipped.examples) - len(held_out.examples)
    assert dropped == sum(1 for e in shipped.examples if e.origin.endswith("/" + key)) > 0
    assert all(not e.origin.endswith("/" + key) for e in held_out.examples)


def test_empty_and_unknown_labels() -> None:
    assert classify_step("") == "other"
    index = KindIndex.fit([Example("Bescheid versenden", "send", "rows")])
    assert index.guess("qqqq zzzz") is None
    with pytest.raises(ValueError):
        KindIndex.fit([Example("  ", "send", "rows")])
