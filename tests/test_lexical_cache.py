"""Memory-mapped lexical files per host: never served stale, damaged files rebuilt, built once per host.

The engines here stand for serving processes on one host: the same database
(a standalone SQLite doc store) and the same cache directory. Only the lexical
side is exercised (``mode="lexical"``); the vector side is a stub.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import bm25s
import numpy as np
import pytest

from retrieval.docstore import IndexStore, StoredDoc
from retrieval.documents import IndexedDoc
from retrieval.engine import SearchEngine
from retrieval.filters import Filters
from retrieval.german import vocabulary_of
from retrieval.lexical import LexicalSnapshot, analyzer_for
from retrieval.lexical_arrays import CorruptFiles, build_arrays, open_arrays, write_arrays
from retrieval.lexical_cache import LexicalFileCache

REPO = Path(__file__).resolve().parents[1]
WORDS = ("Hund Steuer anmelden Gewerbe abmelden Sperrmüll abholen Wohngeld Antrag prüfen Bauantrag Genehmigung "
         "Führerschein Umtausch Reisepass beantragen Kita Platz Elterngeld Friedhof Grabstelle Parkausweis "
         "Anwohner Baum fällen Fundsache melden Meldebescheinigung Wahlhelfer Gaststätte Erlaubnis").split()
TOWNS = ("Beispielstadt", "Musterdorf", "Modellingen")


class _NoVectors:
    """The vector side of a generation, reduced to what lexical searches and rebuilds call."""

    views = ("full",)

    def __init__(self, collection: str) -> None:
        self.collection_name = collection

    def reset(self) -> None:
        self.ids: set[int] = set()

    def drop(self) -> None:
        self.ids = set()

    def collection_names(self) -> list[str]:
        return []

    def upsert(self, ids, views, metadatas) -> None:
        self.ids = getattr(self, "ids", set()) | set(ids)

    def delete(self, ids) -> None:
        self.ids = getattr(self, "ids", set()) - set(ids)

    def all_ids(self) -> set[int]:
        return set(getattr(self, "ids", set()))


class _ZeroEmbedder:
    name = "zero"
    dimension = 4

    def encode(self, texts):
        return np.zeros((len(texts), self.dimension), dtype=np.float32)


def _doc(doc_id: int, text: str, town: str = "Beispielstadt") -> IndexedDoc:
    metadata = {"municipality": town, "municipality_id": TOWNS.index(town) + 1, "land": "Sachsen",
                "category": "", "state": "published", "visibility": "netzwerk", "has_steps": doc_id % 2 == 0,
                "group": f"family-{doc_id}", "title": text[:40], "external_id": ""}
    return IndexedDoc(doc_id, metadata["group"], metadata, text, text, {"title": text[:40]})


def _corpus(size: int = 120, seed: int = 7) -> list[IndexedDoc]:
    rng = random.Random(seed)
    return [_doc(i, " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))), rng.choice(TOWNS))
            for i in range(1, size + 1)]


def _engine(tmp_path: Path, cache: Path | None = None) -> SearchEngine:
    """One serving process: the shared doc store in ``tmp_path``, this host's cache in ``cache``."""
    store = IndexStore.standalone(tmp_path / "index.sqlite")
    return SearchEngine(store, _ZeroEmbedder, _NoVectors, base_collection="test",
                        lexical_cache_dir=cache if cache is not None else tmp_path / "index-cache")


def _ids(engine: SearchEngine, query: str, **kwargs) -> list[int]:
    return [h.id for h in engine.search(query, k=50, mode="lexical", group=False, **kwargs).results]


def _cache_dirs(engine: SearchEngine) -> list[str]:
    assert engine.lexical_cache is not None
    return sorted(p.name for p in engine.lexical_cache.dir.iterdir() if p.name.startswith("g"))


# -- identical scores ----------------------------------------------------------

def _reference_scores(docs: list[StoredDoc], terms: list[str]) -> np.ndarray:
    """BM25 as the worker computed it before the files existed: bm25s over the token lists, in memory."""
    vocab: dict[str, int] = {}
    token_ids = [[vocab.setdefault(t, len(vocab)) for t in (d.terms or [""])] for d in docs]
    scorer = bm25s.BM25(k1=1.2, b=0.75)
    scorer.index(bm25s.tokenization.Tokenized(ids=token_ids, vocab=vocab), show_progress=False)
    known = [t for t in terms if t in scorer.vocab_dict]
    return np.asarray(scorer.get_scores(known), dtype=np.float32) if known else np.zeros(len(docs), np.float32)


def test_mapped_files_score_exactly_like_the_in_memory_index(tmp_path):
    corpus = _corpus()
    vocabulary = vocabulary_of(d.lexical_text for d in corpus)
    analyzer = analyzer_for(vocabulary)
    docs = [StoredDoc(d.id, 1, False, d.metadata, analyzer.terms(d.lexical_text)) for d in corpus]
    docs.append(StoredDoc(len(docs) + 1, 1, False, {"group": "empty"}, []))  # a document without terms
    in_memory = LexicalSnapshot(1, 1, docs, vocabulary)
    write_arrays(build_arrays(docs), tmp_path / "files", {"k": 1})
    arrays = open_arrays(tmp_path / "files", {"k": 1})
    assert isinstance(arrays.data, np.memmap) and isinstance(arrays.table.ids, np.memmap)
    mapped = LexicalSnapshot.from_arrays(1, 1, arrays, vocabulary)
    changes = [StoredDoc(3, 2, False, {**docs[2].metadata, "municipality": "Musterdorf"},
                         analyzer.terms("Hund Steuer Kita")), StoredDoc(4, 2, True, {}, [])]
    queries = ["Hundesteuer anmelden", "Bauantrag Genehmigung prüfen", "Kita Platz", "Reisepass", "unbekannt"]
    for query in queries:
        reference = _reference_scores(docs, list(dict.fromkeys(analyzer.terms(query))))
        assert np.array_equal(in_memory.scores(query)[0], reference)
        for filters in (None, Filters(municipality="Musterdorf"), Filters(reader_municipality_id=2)):
            for a, b in ((in_memory, mapped), (in_memory.with_changes(changes, 2), mapped.with_changes(changes, 2))):
                main_a, changed_a, terms_a = a.scores(query, "Antrag", 0.3, filters)
                main_b, changed_b, terms_b = b.scores(query, "Antrag", 0.3, filters)
                assert np.array_equal(main_a, main_b) and changed_a == changed_b and terms_a == terms_b
    assert [mapped.group(i) for i in (1, 5, 999)] == [in_memory.group(i) for i in (1, 5, 999)]


# -- never stale -------------------------------------------------------------------

def test_changes_after_the_files_were_written_are_found(tmp_path):
    first = _engine(tmp_path)
    first.rebuild(_corpus)
    assert first.lexical_cache.builds == 1 and len(_cache_dirs(first)) == 1
    written = _cache_dirs(first)[0]
    hund = _ids(first, "Hund")
    # A process as before the files: built in memory at this version, changes applied as an overlay.
    plain = SearchEngine(IndexStore.standalone(tmp_path / "index.sqlite"), _ZeroEmbedder, _NoVectors,
                         base_collection="test")
    assert plain.refresh().version == first.refresh().version
    first.upsert([_doc(500, "Zaunkönig Fütterung genehmigen")])
    first.upsert([_doc(hund[0], "Laterne Patenschaft")])          # edited: its old words must not match
    first.remove([hund[1]])

    second = _engine(tmp_path)                                     # a worker started after the changes
    assert _ids(second, "Zaunkönig") == [500]
    assert hund[0] not in _ids(second, "Hund") and hund[1] not in _ids(second, "Hund")
    assert _ids(second, "Laterne") == [hund[0]]
    assert second.lexical_cache.builds == 0 and _cache_dirs(second) == [written]  # mapped, not rebuilt
    assert second.refresh().version == second.state().version
    # The same answers and scores as that process.
    for query in ("Hund", "Zaunkönig", "Laterne Patenschaft", "Antrag prüfen"):
        expected = plain.search(query, k=50, mode="lexical", group=False).results
        found = second.search(query, k=50, mode="lexical", group=False).results
        assert [(h.id, h.score) for h in found] == [(h.id, h.score) for h in expected]


def test_many_changes_after_the_files_make_new_files(tmp_path):
    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    old = _cache_dirs(engine)
    for i in range(4):
        engine.upsert([_doc(600 + i, f"Brunnen Patenschaft {i}")])
    other = _engine(tmp_path)
    other.lexical_cache.rebuild_after = 3
    assert len(_ids(other, "Brunnen")) == 4
    assert other.lexical_cache.builds == 1
    assert _cache_dirs(other) != old and len(_cache_dirs(other)) == 1  # the older version was removed
    assert not other.refresh().overlay.docs  # built at the current version


def test_a_big_overlay_reloads_in_the_background(tmp_path, monkeypatch):
    import retrieval.engine as engine_module

    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    engine.lexical_cache.rebuild_after = 1
    monkeypatch.setattr(engine_module, "OVERLAY_LIMIT", 3)
    for i in range(5):
        engine.upsert([_doc(700 + i, f"Wasserzähler ablesen {i}")])
    deadline = time.monotonic() + 10
    while engine._loader is not None and engine._loader.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    snapshot = engine.refresh()
    assert len(snapshot.overlay) <= 1 and engine.lexical_cache.builds >= 2
    assert sorted(_ids(engine, "Wasserzähler")) == [700, 701, 702, 703, 704]


# -- damaged, foreign ---------------------------------------------------------------

def _truncate(directory: Path) -> None:
    path = directory / "data.npy"
    path.write_bytes(path.read_bytes()[:-40])


def _flip(directory: Path) -> None:
    path = directory / "indices.npy"
    content = bytearray(path.read_bytes())
    content[-5] ^= 0x01
    path.write_bytes(bytes(content))


def _drop_vocabulary(directory: Path) -> None:
    (directory / "vocab.json").unlink()


def _garble_manifest(directory: Path) -> None:
    (directory / "manifest.json").write_text('{"body": "{}", "crc32": 1}', encoding="utf-8")


@pytest.mark.parametrize("damage", [_truncate, _flip, _drop_vocabulary, _garble_manifest])
def test_damaged_files_are_detected_and_rebuilt(tmp_path, damage):
    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    expected = [(h.id, h.score) for h in engine.search("Hund Steuer", k=50, mode="lexical", group=False).results]
    directory = engine.lexical_cache.dir / _cache_dirs(engine)[0]
    key = json.loads(json.loads((directory / "manifest.json").read_text())["body"])["key"]
    damage(directory)
    with pytest.raises(CorruptFiles):
        open_arrays(directory, key)
    other = _engine(tmp_path)
    found = [(h.id, h.score) for h in other.search("Hund Steuer", k=50, mode="lexical", group=False).results]
    assert found == expected and other.lexical_cache.builds == 1
    open_arrays(directory, key)  # rebuilt in place, intact again


def test_files_claiming_another_version_are_not_used(tmp_path):
    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    engine.upsert([_doc(800, "Marktstand mieten")])
    directory = engine.lexical_cache.dir / _cache_dirs(engine)[0]
    generation, born, version = (int(part[1:]) for part in directory.name.split("-"))
    # A copy renamed to look current: it lacks document 800, so it must be rejected, not served.
    directory.rename(directory.with_name(f"g{generation}-b{born}-v{engine.state().version}"))
    other = _engine(tmp_path)
    assert _ids(other, "Marktstand") == [800] and other.lexical_cache.builds == 1


def test_another_database_on_the_same_host_has_its_own_files(tmp_path):
    cache = tmp_path / "host-cache"
    one, two = _engine(tmp_path / "one", cache), _engine(tmp_path / "two", cache)
    one.rebuild(lambda: [_doc(1, "Hund Steuer")])
    two.rebuild(lambda: [_doc(1, "Gewerbe anmelden")])
    assert one.lexical_cache.dir != two.lexical_cache.dir
    assert _ids(_engine(tmp_path / "one", cache), "Hund") == [1]
    assert _ids(_engine(tmp_path / "two", cache), "Hund") == []


def test_files_of_generations_no_longer_served_are_removed(tmp_path):
    engine = _engine(tmp_path)
    for _ in range(3):
        engine.rebuild(_corpus)
    state = engine.state()
    generations = sorted(int(name.split("-")[0][1:]) for name in _cache_dirs(engine))
    assert generations == [state.previous_generation, state.generation]


def test_an_unwritable_cache_falls_back_to_memory(tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x", encoding="utf-8")
    engine = _engine(tmp_path, blocked)
    engine.rebuild(_corpus)
    assert _ids(engine, "Hund") and engine.lexical_cache.builds == 1


# -- once per host -------------------------------------------------------------------

_WORKER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, str(Path(sys.argv[1]) / "tests"))
from test_lexical_cache import _engine, _ids
engine = _engine(Path(sys.argv[2]))  # builds in a child process: over a second, so the other one must wait
# Both processes ask for the index at the same moment (without the lock both would build).
Path(sys.argv[3]).touch()
while len(list(Path(sys.argv[2]).glob("ready-*"))) < 2:
    time.sleep(0.01)
found = _ids(engine, "Hund Steuer")
print(json.dumps({"builds": engine.lexical_cache.builds, "found": found}))
"""


def test_two_processes_on_one_host_build_the_files_once(tmp_path):
    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    for directory in engine.lexical_cache.dir.iterdir():  # as if the host had never built this generation
        if directory.name.startswith("g"):
            LexicalFileCache._remove(directory)
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(REPO), str(tmp_path), str(tmp_path / f"ready-{n}")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["builds"] for r in reports) == [0, 1]
    assert reports[0]["found"] == reports[1]["found"] == _ids(engine, "Hund Steuer")
    assert len(_cache_dirs(engine)) == 1


def test_the_files_are_built_in_a_child_process(tmp_path, monkeypatch):
    """The serving process never holds the build's transient memory: a child reads the store and writes."""
    import retrieval.lexical_cache as cache_module

    def not_here(_docs):
        raise AssertionError("built in the serving process")

    monkeypatch.setattr(cache_module, "build_arrays", not_here)
    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    assert engine.lexical_cache.builds == 1 and engine.lexical_cache.child_peak_mb > 0
    assert _ids(engine, "Hund")


def test_a_failing_child_falls_back_to_building_here(tmp_path, monkeypatch):
    import retrieval.lexical_cache as cache_module

    monkeypatch.setattr(cache_module.sys, "executable", "/bin/false")
    engine = _engine(tmp_path)
    engine.rebuild(_corpus)
    assert engine.lexical_cache.builds == 1 and engine.lexical_cache.child_peak_mb is None
    assert _ids(engine, "Hund") and len(_cache_dirs(engine)) == 1
