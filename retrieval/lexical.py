"""BM25 (bm25s) over the analysed terms of every indexed profile.

The index is rebuilt from the doc store's terms whenever the store's
lexical version changes; each process notices the change on its next query,
so several gunicorn workers stay consistent without talking to each other.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import bm25s
import numpy as np

from .docstore import DocStore
from .german import Analyzer, CompoundSplitter
from .metatable import MetadataTable

VERSION_KEY = "lexical_version"
VOCAB_KEY = "lexical_vocabulary"


class LexicalIndex:
    def __init__(self, store: DocStore, directory: Path, *, split_compounds: bool = True) -> None:
        self.store = store
        self.directory = directory
        self.split_compounds = split_compounds
        self._lock = threading.Lock()
        self._version: str | None = None
        self._bm25: bm25s.BM25 | None = None
        self._vocab_ids: dict[str, int] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.table = MetadataTable()
        self.analyzer = Analyzer()

    # -- writing ---------------------------------------------------------
    def analyzer_for(self, vocabulary: set[str]) -> Analyzer:
        splitter = CompoundSplitter(vocabulary) if self.split_compounds else None
        return Analyzer(splitter)

    def save_vocabulary(self, vocabulary: set[str]) -> None:
        self.store.set_meta(VOCAB_KEY, json.dumps(sorted(vocabulary), ensure_ascii=False))

    def load_vocabulary(self) -> set[str]:
        raw = self.store.get_meta(VOCAB_KEY)
        return set(json.loads(raw)) if raw else set()

    def publish(self) -> None:
        """Build BM25 from the store, save it and bump the version so every process reloads."""
        import time

        version = f"{time.time_ns()}"
        bm25, ids, table = self._build()
        target = self.directory / version
        target.mkdir(parents=True, exist_ok=True)
        if bm25 is not None:
            bm25.save(str(target), show_progress=False)
            bm25 = _load(target)  # served from the mapped files, like every other process
        np.save(target / "ids.npy", ids)
        self.store.set_meta(VERSION_KEY, version)
        for old in self.directory.iterdir():
            if old.is_dir() and old.name != version:
                shutil.rmtree(old, ignore_errors=True)
        with self._lock:
            self._install(version, bm25, ids, table)

    def _build(self) -> tuple[bm25s.BM25 | None, np.ndarray, MetadataTable]:
        """BM25 over all stored terms, with the metadata of the same snapshot."""
        ids, terms, metadata = self.store.all_terms()
        table = MetadataTable(zip(ids, metadata))
        if not ids:
            return None, np.zeros(0, dtype=np.int64), table
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([t or [""] for t in terms], show_progress=False)
        return bm25, np.asarray(ids, dtype=np.int64), table

    # -- reading ---------------------------------------------------------
    def _install(self, version: str, bm25: bm25s.BM25 | None, ids: np.ndarray, table: MetadataTable) -> None:
        self._bm25 = bm25
        self._vocab_ids = bm25.vocab_dict if bm25 is not None else {}
        self.ids = ids
        self.table = table
        self.analyzer = self.analyzer_for(self.load_vocabulary())
        self._version = version

    def refresh(self) -> None:
        """Load the current version if another process (or this one) published a newer one."""
        version = self.store.get_meta(VERSION_KEY)
        if version is None or version == self._version:
            return
        with self._lock:
            if version == self._version:
                return
            target = self.directory / version
            bm25: bm25s.BM25 | None = None
            ids_path = target / "ids.npy"
            if ids_path.exists():
                ids = np.load(ids_path)
                table = MetadataTable(self.store.iter_metadata())
                if len(ids) and (target / "params.index.json").exists():
                    bm25 = _load(target)
                if not np.array_equal(table.ids, ids):  # store moved on since; rebuild from it
                    bm25, ids, table = self._build()
            else:
                bm25, ids, table = self._build()
            self._install(version, bm25, ids, table)

    @property
    def size(self) -> int:
        return int(len(self.ids))

    def query_terms(self, query: str) -> list[str]:
        return self.analyzer.terms(query)

    def scores(self, query: str, expansion: str = "", expansion_weight: float = 0.5) -> tuple[np.ndarray, list[str]]:
        """BM25 score of every document (aligned with ``self.ids``) and the query terms that exist.

        Terms from the thesaurus expansion count with ``expansion_weight``.
        """
        self.refresh()
        terms = [t for t in dict.fromkeys(self.query_terms(query)) if t in self._vocab_ids]
        extra = [t for t in dict.fromkeys(self.query_terms(expansion)) if t in self._vocab_ids and t not in terms]
        total = np.zeros(self.size, dtype=np.float32)
        if self._bm25 is None:
            return total, terms
        if terms:
            total += np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
        if extra:
            total += expansion_weight * np.asarray(self._bm25.get_scores(extra), dtype=np.float32)
        return total, terms + extra


def _load(target: Path) -> bm25s.BM25:
    """Load a saved index memory-mapped: a worker holds only the posting lists its
    queries touch, and all workers share them through the page cache (at 100,000
    profiles about 45 MB less per worker). Publishing writes a new directory, so
    mapped files are never changed underneath a reader."""
    return bm25s.BM25.load(str(target), mmap=True, show_progress=False)
