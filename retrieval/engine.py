"""The search engine: builds and updates both indexes and answers queries.

Fusion rule (measured with ``bench/retrieval_eval.py``): the dense cosine
similarity is the base score; the lexical side adds ``alpha`` times the
BM25 score normalised by the best BM25 score of the query, gated by how
strong that best lexical match is. When a paraphrased query shares no term
with the corpus the gate is closed and the dense ranking stands unchanged,
instead of being dragged down as with plain reciprocal rank fusion.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from . import thesaurus
from .docstore import DocStore, text_hash
from .documents import IndexedDoc
from .embedders import Embedder
from .filters import Filters
from .german import vocabulary_of
from .lexical import LexicalIndex
from .snippets import build_snippet
from .vector import VectorIndex, VectorIndexUnavailable

log = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
# What each vector view of a profile embeds. One view ("full") is the
# default: a second "title" view measured no better once the fusion was
# tuned, and it doubles the vector index's memory (docs/benchmarks.md).
VIEW_TEXT: dict[str, Callable[[IndexedDoc], str]] = {
    "full": lambda d: d.dense_text,
    "title": lambda d: str(d.metadata["title"]),
}


@dataclass
class FusionParams:
    alpha: float = 0.25
    gate_tau: float = 8.0
    candidates: int = 60
    expand_queries: bool = True
    expansion_weight: float = 0.3
    # "gated" (default, measured best) or "rrf" (reciprocal rank fusion, kept for comparison)
    rule: str = "gated"
    rrf_k: int = 60


@dataclass
class Hit:
    id: int
    score: float
    metadata: dict[str, Any]
    snippet: str = ""
    dense: float | None = None
    lexical: float | None = None
    group_size: int = 1
    group: str = ""


@dataclass
class SearchResponse:
    results: list[Hit]
    mode: str
    degraded: bool = False
    query_terms: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


class SearchEngine:
    def __init__(
        self,
        directory: Path,
        embedder_factory: Callable[[], Embedder],
        vector_index: VectorIndex,
        *,
        split_compounds: bool = True,
        fusion: FusionParams | None = None,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._embedder_lock = threading.Lock()
        self.vector = vector_index
        self.store = DocStore(directory / "docs.sqlite")
        self.lexical = LexicalIndex(self.store, directory / "lexical", split_compounds=split_compounds)
        self.fusion = fusion or FusionParams()

    # -- embedder --------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    self._embedder = self._embedder_factory()
        return self._embedder

    @property
    def embedder_loaded(self) -> bool:
        return self._embedder is not None

    # -- writing ---------------------------------------------------------
    def rebuild(self, docs: Iterable[IndexedDoc], *, batch: int = 256,
                progress: Callable[[int], None] | None = None) -> int:
        """Replace both indexes by ``docs``."""
        docs = list(docs)
        self.vector.reset()
        self.store.clear()
        vocabulary = vocabulary_of(d.lexical_text for d in docs)
        self.lexical.save_vocabulary(vocabulary)
        analyzer = self.lexical.analyzer_for(vocabulary)
        for start in range(0, len(docs), batch):
            chunk = docs[start:start + batch]
            self._write(chunk, [analyzer.terms(d.lexical_text) for d in chunk])
            if progress:
                progress(len(chunk))
        self.lexical.publish()
        self._write_manifest()
        return len(docs)

    def upsert(self, docs: Sequence[IndexedDoc]) -> None:
        """Incremental update after a profile was published or changed."""
        if not docs:
            return
        vocabulary = self.lexical.load_vocabulary() | vocabulary_of(d.lexical_text for d in docs)
        self.lexical.save_vocabulary(vocabulary)
        analyzer = self.lexical.analyzer_for(vocabulary)
        self._write(list(docs), [analyzer.terms(d.lexical_text) for d in docs])
        self.lexical.publish()
        self._write_manifest()

    def remove(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        self.vector.delete(list(ids))
        self.store.delete(ids)
        self.lexical.publish()
        self._write_manifest()

    def _write(self, docs: list[IndexedDoc], terms: list[list[str]]) -> None:
        views = {view: self.embedder.encode([VIEW_TEXT[view](d) for d in docs]) for view in self.vector.views}
        self.vector.upsert([d.id for d in docs], views, [d.metadata for d in docs])
        self.store.upsert(docs, terms)

    def _write_manifest(self) -> None:
        manifest = {"documents": self.store.count(), "embedder": self._embedder_name(),
                    "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        path = self.directory / "manifest.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    def _embedder_name(self) -> str:
        return self.embedder.name

    # -- checking --------------------------------------------------------
    def check(self, expected: Iterable[IndexedDoc]) -> dict[str, list[int]]:
        """Compare with what the database says should be indexed."""
        want = {d.id: text_hash(d) for d in expected}
        have = self.store.hashes()
        try:
            in_vector = self.vector.all_ids()
        except VectorIndexUnavailable:
            in_vector = set(have)
        missing = sorted(i for i in want if i not in have or i not in in_vector)
        stale = sorted(i for i in want if i in have and have[i] != want[i])
        orphaned = sorted((set(have) | in_vector) - set(want))
        return {"missing": missing, "stale": stale, "orphaned": orphaned}

    # -- reading ---------------------------------------------------------
    def search(self, query: str, *, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
               group: bool = True, per_group: int = 1) -> SearchResponse:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        filters = filters or Filters()
        timings: dict[str, float] = {}
        degraded = False
        started = time.perf_counter()
        n = max(self.fusion.candidates, k * 5 if group else k * 2)
        expansion = " ".join(thesaurus.expansions(query)) if self.fusion.expand_queries else ""

        dense: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            t0 = time.perf_counter()
            vector = self.embedder.encode([f"{query} ({expansion})" if expansion else query])[0]
            timings["embed"] = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            try:
                ids, sims = self.vector.query(vector, n, filters.where())
                dense = {i: s for i, s in zip(ids, sims) if i not in filters.exclude_ids}
            except VectorIndexUnavailable as exc:
                log.warning("Vector index unavailable, answering from the lexical index: %s", exc)
                degraded = True
                mode = "lexical"
            timings["dense"] = (time.perf_counter() - t0) * 1000

        lexical: dict[int, float] = {}
        lex_max = 0.0
        terms: list[str] = []
        self.lexical.refresh()
        table = self.lexical.table
        if mode in ("hybrid", "lexical"):
            t0 = time.perf_counter()
            scores, terms = self.lexical.scores(query, expansion, self.fusion.expansion_weight)
            if scores.size and terms:
                if filters.active:  # the table is aligned with the BM25 rows (installed together)
                    scores = np.where(table.mask(filters), scores, 0.0)
                lexical = {int(self.lexical.ids[i]): float(scores[i]) for i in _top_positive(scores, n)}
                lex_max = max(lexical.values(), default=0.0)
            timings["lexical"] = (time.perf_counter() - t0) * 1000

        if mode == "dense":
            ranked = [Hit(i, s, {}, dense=s) for i, s in dense.items()]
        elif mode == "lexical":
            ranked = [Hit(i, s, {}, lexical=s) for i, s in lexical.items()]
        else:
            missing = [i for i in lexical if i not in dense]
            if missing:
                dense.update(self.vector.similarities(missing, vector))
            ranked = self._fuse(dense, lexical, lex_max)
        ranked.sort(key=lambda h: (-h.score, h.id))
        for hit in ranked:
            hit.group = table.group(hit.id)
        results = _group(ranked, k, per_group) if group else ranked[:k]
        results = self._add_metadata(results)
        self._add_snippets(results, set(terms))
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchResponse(results, mode=mode, degraded=degraded, query_terms=terms, timings_ms=timings)

    def _fuse(self, dense: dict[int, float], lexical: dict[int, float], lex_max: float) -> list[Hit]:
        gate = min(1.0, lex_max / self.fusion.gate_tau) if lex_max > 0 else 0.0
        dense_rank = {i: r for r, i in enumerate(sorted(dense, key=lambda i: -dense[i]), start=1)}
        lexical_rank = {i: r for r, i in enumerate(sorted(lexical, key=lambda i: -lexical[i]), start=1)}
        ranked = []
        for doc_id in set(dense) | set(lexical):
            d = dense.get(doc_id, 0.0)
            lx = lexical.get(doc_id, 0.0)
            if self.fusion.rule == "rrf":
                score = sum(1.0 / (self.fusion.rrf_k + ranks[doc_id])
                            for ranks in (dense_rank, lexical_rank) if doc_id in ranks)
            else:
                score = d + self.fusion.alpha * gate * (lx / lex_max if lex_max else 0.0)
            ranked.append(Hit(doc_id, score, {}, dense=d, lexical=lx or None))
        return ranked

    def _add_metadata(self, hits: list[Hit]) -> list[Hit]:
        """Full metadata for the hits shown; a hit deleted meanwhile is dropped."""
        stored = self.store.metadata([h.id for h in hits])
        out = []
        for hit in hits:
            if hit.id in stored:
                hit.metadata = stored[hit.id]
                out.append(hit)
        return out

    def _add_snippets(self, hits: list[Hit], terms: set[str]) -> None:
        fields = self.store.fields([h.id for h in hits])
        for hit in hits:
            hit.snippet = build_snippet(fields.get(hit.id, {}), terms, self.lexical.analyzer, hit.dense)

    def close(self) -> None:
        self.store.close()


def _group(ranked: list[Hit], k: int, per_group: int) -> list[Hit]:
    """At most ``per_group`` hits per process family; the rest only count as variants."""
    out: list[Hit] = []
    seen: dict[str, list[Hit]] = {}
    for hit in ranked:
        key = hit.group or str(hit.id)
        members = seen.setdefault(key, [])
        if len(members) < per_group:
            members.append(hit)
            if len(out) < k:
                out.append(hit)
        else:
            members[0].group_size += 1
    return out


def _top_positive(scores: np.ndarray, n: int) -> list[int]:
    """Positions of the ``n`` best positive scores, best first (no full sort at 100,000 documents)."""
    if n < scores.size:
        candidates = np.argpartition(-scores, n)[:n]
    else:
        candidates = np.arange(scores.size)
    candidates = candidates[scores[candidates] > 0]
    return [int(i) for i in candidates[np.argsort(-scores[candidates], kind="stable")]]
