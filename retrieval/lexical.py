"""BM25 (bm25s) over the analysed terms of one index generation, kept current in place.

A serving process gets the BM25 matrix of a generation built from the shared
doc store, usually memory-mapped from this host's files that reflect the store
at some version (``lexical_arrays``, ``lexical_cache``). Documents published,
edited or removed after that version go into a small overlay instead of a
rebuild: their old rows are masked and the new versions
are scored with the same Lucene BM25 formula and the main index's document
frequencies, so a change is searchable in milliseconds at any corpus size.
When the overlay grows past ``OVERLAY_LIMIT`` the owner reloads the generation.

Snapshots never change after they are made (``with_changes`` returns a new
one), so request threads read them without locks.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import bm25s
import numpy as np

from .docstore import StoredDoc
from .filters import Filters
from .german import Analyzer, CompoundSplitter
from .lexical_arrays import B, K1, LexicalArrays, build_arrays

# Changed documents kept beside the BM25 matrix before the generation is reloaded.
OVERLAY_LIMIT = 500


def analyzer_for(vocabulary: set[str], split_compounds: bool = True) -> Analyzer:
    return Analyzer(CompoundSplitter(vocabulary) if split_compounds else None)


@dataclass(frozen=True)
class _Changed:
    terms: Counter
    length: int
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Overlay:
    """Documents changed since the BM25 matrix was built (``None``: removed)."""

    docs: dict[int, _Changed | None] = field(default_factory=dict)
    masked_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # In how many changed documents each term occurs (added to the matrix's document frequencies).
    df: Counter = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.docs)


class LexicalSnapshot:
    def __init__(self, generation: int, version: int, docs: Iterable[StoredDoc], vocabulary: set[str], *,
                 split_compounds: bool = True, arrays: LexicalArrays | None = None) -> None:
        """The snapshot of ``docs`` at ``version``; with ``arrays`` (e.g. mapped from files) ``docs`` is unused."""
        self.generation = generation
        self.version = version
        self.split_compounds = split_compounds
        self.vocabulary = vocabulary
        self.analyzer = analyzer_for(vocabulary, split_compounds)
        # The vector collection of this generation (set by the engine that loads it).
        self.collection = ""
        arrays = arrays if arrays is not None else build_arrays(docs)
        self.table = arrays.table
        self.ids = arrays.ids
        self._bm25: bm25s.BM25 | None = arrays.bm25()
        self._vocab: dict[str, int] = arrays.vocab if self._bm25 is not None else {}
        self._df = np.diff(np.asarray(arrays.indptr, dtype=np.int64)) if self._bm25 is not None else (
            np.zeros(0, dtype=np.int64))
        self._avgdl = arrays.avgdl
        self.overlay = Overlay()

    @classmethod
    def from_arrays(cls, generation: int, version: int, arrays: LexicalArrays, vocabulary: set[str], *,
                    split_compounds: bool = True) -> "LexicalSnapshot":
        return cls(generation, version, (), vocabulary, split_compounds=split_compounds, arrays=arrays)

    # -- changes -------------------------------------------------------------
    def with_changes(self, changes: Iterable[StoredDoc], version: int,
                     words: set[str] = frozenset()) -> "LexicalSnapshot":  # type: ignore[assignment]
        """A snapshot that also knows these changed or removed documents and new vocabulary words."""
        docs = dict(self.overlay.docs)
        for change in changes:
            docs[change.id] = None if change.deleted else _Changed(Counter(change.terms), len(change.terms),
                                                                    change.metadata)
        masked = [row for row in (self.table.row_of(i) for i in docs) if row is not None]
        clone = object.__new__(LexicalSnapshot)
        clone.__dict__.update(self.__dict__)
        clone.__dict__.pop("_cached_size", None)
        clone.version = version
        new_words = set(words) - self.vocabulary
        if new_words:  # queries are analysed with the words the changed documents were analysed with
            clone.vocabulary = self.vocabulary | new_words
            clone.analyzer = analyzer_for(clone.vocabulary, self.split_compounds)
        df: Counter = Counter()
        for changed in docs.values():
            if changed is not None:
                df.update(changed.terms.keys())
        clone.overlay = Overlay(docs, np.asarray(sorted(masked), dtype=np.int64), df)
        return clone

    @property
    def size(self) -> int:
        """Documents searchable now (matrix rows not masked, plus changed ones)."""
        return self._size

    @property
    def _size(self) -> int:
        cached = self.__dict__.get("_cached_size")
        if cached is None:
            cached = int(len(self.ids)) - len(self.overlay.masked_rows) + sum(
                1 for d in self.overlay.docs.values() if d)
            self.__dict__["_cached_size"] = cached
        return cached

    def contains(self, doc_id: int) -> bool:
        if doc_id in self.overlay.docs:
            return self.overlay.docs[doc_id] is not None
        return self.table.row_of(doc_id) is not None

    def group(self, doc_id: int) -> str:
        changed = self.overlay.docs.get(doc_id)
        if changed is not None:
            return str(changed.metadata.get("group") or doc_id)
        return self.table.group(doc_id)

    # -- scoring -------------------------------------------------------------
    def query_terms(self, query: str) -> list[str]:
        return self.analyzer.terms(query)

    def scores(self, query: str, expansion: str = "", expansion_weight: float = 0.5,
               filters: Filters | None = None) -> tuple[np.ndarray, dict[int, float], list[str]]:
        """BM25 of the matrix rows (aligned with ``ids``), of the overlay documents, and the terms used.

        Terms from the thesaurus expansion count with ``expansion_weight``.
        """
        known = lambda t: t in self._vocab or t in self.overlay.df  # noqa: E731
        terms = [t for t in dict.fromkeys(self.query_terms(query)) if known(t)]
        extra = [t for t in dict.fromkeys(self.query_terms(expansion)) if known(t) and t not in terms]
        weighted = [(t, 1.0) for t in terms] + [(t, expansion_weight) for t in extra]
        main = np.zeros(len(self.ids), dtype=np.float32)
        if self._bm25 is not None:
            for group, weight in ((terms, 1.0), (extra, expansion_weight)):
                indexed = [t for t in group if t in self._vocab]
                if indexed:
                    main += weight * np.asarray(self._bm25.get_scores(indexed), dtype=np.float32)
            if len(self.overlay.masked_rows):
                main[self.overlay.masked_rows] = 0.0
            if filters is not None and filters.active:
                main = np.where(self.table.mask(filters), main, 0.0)
        changed_scores: dict[int, float] = {}
        for doc_id, changed in self.overlay.docs.items():
            if changed is None or (filters is not None and not filters.matches(doc_id, changed.metadata)):
                continue
            score = sum(weight * self._score(term, changed) for term, weight in weighted)
            if score > 0:
                changed_scores[doc_id] = score
        return main, changed_scores, terms + extra

    def _score(self, term: str, doc: _Changed) -> float:
        tf = doc.terms.get(term, 0)
        if not tf:
            return 0.0
        n = max(1, self.size)
        position = self._vocab.get(term)
        df = int(self._df[position]) if position is not None and position < len(self._df) else 0
        df += self.overlay.df.get(term, 0)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * tf / (tf + K1 * (1 - B + B * doc.length / self._avgdl))
