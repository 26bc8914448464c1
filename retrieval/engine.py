"""The search engine: builds and updates both indexes and answers queries.

Fusion rule (measured with ``bench/retrieval_eval.py`` and chosen by
cross-validation with ``bench/fusion_cv.py``): the dense cosine similarity is
the base score; the lexical side adds a weight times the BM25 score
normalised by the best BM25 score of the query. The weight is learned
(issue 16): a logistic model over query features (best BM25 score, its
margin, query length, dense top score and spread, agreement of the two top
fives, thesaurus expansion) says how likely lexical evidence helps this query;
with no shared term it is zero and the dense ranking stands unchanged.
The earlier gate (``rule="gated"``) used only the best BM25 score.
The dense query vector (``fusion.query_vector``) blends the query with and
without its thesaurus expansion, and adds the capitalised words of long
descriptions (``qu_min_words``).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from functools import lru_cache
from pathlib import Path
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from sqlalchemy import Connection

from . import thesaurus
from .docstore import BuildSuperseded, IndexState, IndexStore, text_hash, utcnow, worker_name
from .documents import IndexedDoc
from .embedders import Embedder
from .filters import Filters
from .fusion import query_vector
from .german import vocabulary_of
from .lexical import OVERLAY_LIMIT, LexicalSnapshot, analyzer_for
from .lexical_cache import LexicalFileCache
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
    # "learned" (default since issue 16: the lexical weight is ``scale`` times a logistic model's
    # probability that lexical evidence helps this query, ``data/<gate_model>``), "gated" (``alpha``
    # times min(1, best BM25 / ``gate_tau``); the default before) or "rrf" (reciprocal rank fusion)
    rule: str = "learned"
    rrf_k: int = 60
    gate_model: str = "fusion_gate.json"
    # Query understanding for long descriptions: from this many words on, the dense query vector is
    # the description's plus ``qu_gamma`` times that of its capitalised words (``qu_method="caps"``, no
    # tagger) or HanTa nouns ("nouns": up to ~60 ms at the tail, too slow); 0 = off. See ``fusion``.
    qu_min_words: int = 20
    qu_gamma: float = 1.0
    qu_method: str = "caps"
    dense_mix: float = 0.5  # dense query = (1 - mix) × expanded + mix × plain query (``fusion.query_vector``)
    dense_mix_below: int = 0  # mix only for queries of fewer words (0: all); measured, not taken (run 14)


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
    index_version: int | None = None
    index_generation: int | None = None


class IndexNotReady(RuntimeError):
    """This process could not load the index (German message for users)."""


# A serving process whose index lags the shared version longer than this is stale.
STALE_AFTER_SECONDS = 5.0


class SearchEngine:
    """Reads and writes one logical index shared by every process through ``store``.

    Writers (any process) change the doc store and the vector collection of the
    served generation and bump the shared version; readers notice the new
    version with one query and apply only what changed. ``rebuild`` fills a new
    generation and collection beside the served one and then switches, so
    searches never see a half-built index.
    """

    def __init__(
        self,
        store: IndexStore,
        embedder_factory: Callable[[], Embedder],
        vector_factory: Callable[[str], VectorIndex],
        *,
        base_collection: str,
        split_compounds: bool = True,
        fusion: FusionParams | None = None,
        lexical_cache_dir: Path | None = None,
    ) -> None:
        """``lexical_cache_dir``: where this host keeps the memory-mapped lexical arrays of each generation
        (``lexical_cache``); None builds them in every process's memory."""
        self.store = store
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._embedder_lock = threading.Lock()
        self._vector_factory = vector_factory
        self._vectors: dict[str, VectorIndex] = {}
        self.base_collection = base_collection
        store.initial_collection = self.collection_for(1)
        self.split_compounds = split_compounds
        self.fusion = fusion or FusionParams()
        self.lexical_cache = LexicalFileCache(lexical_cache_dir, store) if lexical_cache_dir is not None else None
        self.worker = worker_name()
        self._snapshot: LexicalSnapshot | None = None
        self._load_lock = threading.Lock()
        # Held while the snapshot pointer changes (applying changes, installing a loaded generation).
        self._refresh_lock = threading.Lock()
        self._loader_lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self.load_error: str | None = None
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_report = 0.0

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

    # -- collections -----------------------------------------------------
    def collection_for(self, generation: int) -> str:
        return f"{self.base_collection}-g{generation}"

    def vector_for(self, collection: str) -> VectorIndex:
        found = self._vectors.get(collection)
        if found is None:
            found = self._vectors.setdefault(collection, self._vector_factory(collection))
        return found

    @property
    def vector(self) -> VectorIndex:
        """The vector index of the generation being served."""
        return self.vector_for(self.state().collection)

    def state(self) -> IndexState:
        return self.store.state_or_initial(self.collection_for(1))

    # -- writing ---------------------------------------------------------
    def rebuild(self, docs: Iterable[IndexedDoc] | Callable[[], Iterable[IndexedDoc]], *, batch: int = 256,
                progress: Callable[[int], None] | None = None) -> int:
        """Build a new generation beside the served one, then switch to it.

        ``docs`` should be a function that reads the documents: it is called only
        after the new generation is reserved, so every change committed before the
        read is in what it returns and every later one reaches the new generation
        directly (a list read earlier could miss a change made in between).
        """
        generation, collection, started = self.store.begin_build(
            self.collection_for, lambda name: self.vector_for(name).reset())
        vector = self.vector_for(collection)
        try:
            docs = list(docs() if callable(docs) else docs)
            vocabulary = vocabulary_of(d.lexical_text for d in docs)
            analyzer = analyzer_for(vocabulary, self.split_compounds)
            with self.store.write() as (conn, state):
                self.store.add_vocabulary(conn, generation, vocabulary, state.version)
            for start in range(0, len(docs), batch):
                chunk = docs[start:start + batch]
                views = self._embed(chunk)
                with self.store.write() as (conn, state):
                    # A change that reached this generation while it was built is newer than our copy.
                    newer = self.store.newer(conn, generation, [d.id for d in chunk], started)
                    keep = [i for i, d in enumerate(chunk) if d.id not in newer]
                    if keep:
                        kept = [chunk[i] for i in keep]
                        vector.upsert([d.id for d in kept], {v: m[keep] for v, m in views.items()},
                                      [d.metadata for d in kept])
                        self.store.put(conn, state.version, generation, kept,
                                       [analyzer.terms(d.lexical_text) for d in kept])
                if progress:
                    progress(len(chunk))
        except BaseException:
            self.store.abandon_build(generation)
            self._drop_collection(collection)
            raise
        try:
            self.store.finish_build(generation, collection)
        except BuildSuperseded:
            self._drop_collection(collection)
            raise
        self._drop_old_collections(generation)
        self.refresh(wait=True)
        return len(docs)

    def upsert(self, docs: Sequence[IndexedDoc], connection: Connection | None = None) -> None:
        """Incremental update after a profile was published or changed.

        With ``connection`` the index rows join the caller's transaction.
        """
        if not docs:
            return
        docs = list(docs)
        views = self._embed(docs)
        words = vocabulary_of(d.lexical_text for d in docs)
        with self.store.write(connection) as (conn, state):
            for generation, collection in state.write_targets():
                # New words join the generation's vocabulary under this version; every process
                # learns them together with the changed documents (``LexicalSnapshot.with_changes``).
                self.store.add_vocabulary(conn, generation, words, state.version)
                analyzer = analyzer_for(self._vocabulary(generation, conn) | words, self.split_compounds)
                self.vector_for(collection).upsert([d.id for d in docs], views, [d.metadata for d in docs])
                self.store.put(conn, state.version, generation, docs, [analyzer.terms(d.lexical_text) for d in docs])
        if connection is None:
            self.refresh()

    def remove(self, ids: Sequence[int], connection: Connection | None = None) -> None:
        """Drop these profiles from the index (those it holds; others cost nothing)."""
        state = self.state()
        ids = sorted(self.store.live([g for g, _ in state.write_targets()], list(ids))) if ids else []
        if not ids:
            return
        with self.store.write(connection) as (conn, state):
            for generation, collection in state.write_targets():
                self.store.mark_deleted(conn, state.version, generation, ids)
                self.vector_for(collection).delete(ids)
        if connection is None:
            self.refresh()

    def _embed(self, docs: Sequence[IndexedDoc]) -> dict[str, np.ndarray]:
        vector = self.vector_for(self.state().collection)
        return {view: self.embedder.encode([VIEW_TEXT[view](d) for d in docs]) for view in vector.views}

    def _vocabulary(self, generation: int, conn) -> set[str]:
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation:
            return snapshot.vocabulary
        return self.store.vocabulary(generation, conn)

    def _drop_collection(self, collection: str) -> None:
        try:
            self.vector_for(collection).drop()
        except Exception as exc:  # the index still works; a leftover collection only costs space
            log.warning("Could not drop collection %s: %s", collection, exc)
        self._vectors.pop(collection, None)

    def _drop_old_collections(self, generation: int) -> None:
        """Collections older than the previous generation: no process serves them any more."""
        state = self.state()
        keep = {state.collection, state.previous_collection}
        try:
            names = self.vector_for(self.collection_for(generation)).collection_names()
        except Exception as exc:
            log.warning("Could not list collections: %s", exc)
            return
        for name in names:
            if name.startswith(self.base_collection + "-g") and name not in keep:
                self._drop_collection(name)

    # -- serving ---------------------------------------------------------
    def refresh(self, *, wait: bool = False) -> LexicalSnapshot:
        """The snapshot to answer from, brought up to the shared version.

        Changes within the served generation are applied at once (a few rows).
        A new generation is loaded in the background while the old one keeps
        answering, unless this process has none it may still use.
        """
        state = self.state()
        snapshot = self._snapshot
        usable = (state.generation, state.previous_generation)
        if snapshot is None or snapshot.generation not in usable or (
                wait and snapshot.generation != state.generation):
            return self._load(state)
        if snapshot.generation != state.generation:
            self._load_in_background()
            return self._apply_changes(snapshot)
        if snapshot.version < state.version:
            snapshot = self._apply_changes(snapshot)
            if len(snapshot.overlay) > OVERLAY_LIMIT:
                self._load_in_background()
        return snapshot

    def _apply_changes(self, snapshot: LexicalSnapshot) -> LexicalSnapshot:
        if not self._refresh_lock.acquire(blocking=False):
            return snapshot  # another thread is applying them; answer from what we have
        try:
            current = self._snapshot or snapshot
            state = self.state()
            if current.generation != snapshot.generation or current.version >= state.version:
                return current
            updated = self._caught_up(current, state.version)
            if self._snapshot is current:
                self._snapshot = updated
            return updated
        finally:
            self._refresh_lock.release()

    def _load(self, state: IndexState) -> LexicalSnapshot:
        with self._load_lock:
            current = self._snapshot
            if current is not None and current.generation == state.generation and (
                    len(current.overlay) <= OVERLAY_LIMIT):
                return self._apply_changes(current)
            try:
                snapshot = self._read_snapshot(state)
                snapshot.collection = state.collection
                # Files may reflect an older version: catch up before anyone answers from it.
                snapshot = self._caught_up(snapshot, self.state().version)
            except Exception as exc:
                self.load_error = f"{type(exc).__name__}: {exc}"
                log.exception("Could not load search index generation %s", state.generation)
                if current is not None:
                    return current
                raise IndexNotReady("Der Suchindex konnte nicht geladen werden.") from exc
            self.load_error = None
            with self._refresh_lock:
                current = self._snapshot
                if current is not None and current.generation == snapshot.generation and (
                        current.version > snapshot.version):  # never step back behind what was served
                    snapshot = self._caught_up(snapshot, current.version)
                self._snapshot = snapshot
        snapshot = self._apply_changes(snapshot)
        self._report(force=True)
        return snapshot

    def _caught_up(self, snapshot: LexicalSnapshot, version: int) -> LexicalSnapshot:
        """``snapshot`` with every change after its version up to ``version`` (read before the changes)."""
        if snapshot.version >= version:
            return snapshot
        changes = list(self.store.documents(snapshot.generation, since=snapshot.version))
        words = self.store.vocabulary(snapshot.generation, since=snapshot.version)
        return snapshot.with_changes(changes, version, words)

    def _read_snapshot(self, state: IndexState) -> LexicalSnapshot:
        """The served generation from this host's mapped files, or built in memory without a cache.

        A snapshot from files reflects the version they were written at; the
        caller brings it up to date with the changes after it (the overlay).
        """
        vocabulary = self.store.vocabulary(state.generation)
        if self.lexical_cache is None:
            return LexicalSnapshot(state.generation, state.version, self.store.documents(state.generation),
                                   vocabulary, split_compounds=self.split_compounds)
        loaded = self.lexical_cache.load(state)
        return LexicalSnapshot.from_arrays(state.generation, loaded.version, loaded.arrays, vocabulary,
                                           split_compounds=self.split_compounds)

    def _load_in_background(self) -> None:
        """Start loading the served generation unless a load runs; never waits for one."""
        with self._loader_lock:
            if self._loader is not None and self._loader.is_alive():
                return
            self._loader = threading.Thread(target=lambda: self._load(self.state()), name="index-loader",
                                            daemon=True)
            self._loader.start()

    def watch(self, interval: float = 0.5, report_every: float = 5.0) -> None:
        """Follow the shared version from a background thread (serving processes).

        Keeps an idle worker current, so the first search after a change is
        not the one that waits, and tells the others (``workers``) what it serves.
        """
        if self._watcher is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                    self._report(every=report_every)
                except Exception as exc:  # keep watching; health shows the error
                    self.load_error = f"{type(exc).__name__}: {exc}"
                    log.warning("Index refresh failed: %s", exc)

        self._watcher = threading.Thread(target=loop, name="index-watcher", daemon=True)
        self._watcher.start()

    def _report(self, *, force: bool = False, every: float = 5.0) -> None:
        now = time.monotonic()
        if not force and now - self._last_report < every:
            return
        self._last_report = now
        snapshot = self._snapshot
        try:
            self.store.report_worker(self.worker, snapshot.generation if snapshot else None,
                                     snapshot.version if snapshot else None, self.load_error)
        except Exception as exc:  # reporting must never break serving
            log.warning("Could not report index status: %s", exc)

    def status(self) -> dict[str, Any]:
        """What this process serves against the shared state, for ``/healthz``."""
        state = self.state()
        try:
            snapshot = self.refresh()
        except IndexNotReady:
            snapshot = None
        self._report(force=True)
        lag = 0.0
        if snapshot is None or (snapshot.generation, snapshot.version) != (state.generation, state.version):
            lag = max(0.0, (utcnow() - state.updated_at).total_seconds())
        stale = snapshot is None or (lag > STALE_AFTER_SECONDS)
        return {
            "generation": state.generation, "version": state.version, "documents": snapshot.size if snapshot else 0,
            "worker": {"name": self.worker, "generation": snapshot.generation if snapshot else None,
                       "version": snapshot.version if snapshot else None, "lag_seconds": round(lag, 2),
                       "stale": stale, "error": self.load_error},
        }

    def workers(self, seen_within_seconds: float = 15.0) -> list[dict[str, Any]]:
        """Every serving process that reported recently, and whether it is current."""
        state = self.state()
        settled = (utcnow() - state.updated_at).total_seconds() > STALE_AFTER_SECONDS
        out = []
        for row in self.store.workers(timedelta(seconds=seen_within_seconds)):
            current = (row["generation"], row["version"]) == (state.generation, state.version)
            # A version newer than the state's own cannot be; treat any lag after settling as stale.
            behind = row["version"] is None or row["generation"] != state.generation or row["version"] < state.version
            out.append({"worker": row["worker"], "generation": row["generation"], "version": row["version"],
                        "error": row["error"], "stale": bool(row["error"]) or (behind and settled and not current),
                        "seen_at": row["seen_at"].isoformat()})
        return out

    def close(self) -> None:
        self._stop.set()

    # -- checking --------------------------------------------------------
    def check(self, expected: Iterable[IndexedDoc]) -> dict[str, list[int]]:
        """Compare with what the database says should be indexed."""
        state = self.state()
        want = {d.id: text_hash(d) for d in expected}
        have = self.store.hashes(state.generation)
        try:
            in_vector = self.vector_for(state.collection).all_ids()
        except VectorIndexUnavailable:
            in_vector = set(have)
        missing = sorted(i for i in want if i not in have or i not in in_vector)
        stale = sorted(i for i in want if i in have and have[i] != want[i])
        orphaned = sorted((set(have) | in_vector) - set(want))
        return {"missing": missing, "stale": stale, "orphaned": orphaned}

    def count(self) -> int:
        return self.store.count(self.state().generation)

    # -- reading ---------------------------------------------------------
    def search(self, query: str, *, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
               group: bool = True, per_group: int = 1) -> SearchResponse:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        filters = filters or Filters()
        timings: dict[str, float] = {}
        degraded = False
        started = time.perf_counter()
        snapshot = self.refresh()
        vector_index = self.vector_for(snapshot.collection)
        n = max(self.fusion.candidates, k * 5 if group else k * 2)
        expansion = " ".join(thesaurus.expansions(query)) if self.fusion.expand_queries else ""
        words = len(query.split())

        dense: dict[int, float] = {}
        vector = None
        if mode in ("hybrid", "dense"):
            vector = query_vector(self.embedder, query, expansion, self.fusion, timings)
            t0 = time.perf_counter()
            try:
                try:
                    ids, sims = vector_index.query(vector, n, filters.where())
                except Exception:
                    # Another process may have finished a newer generation and dropped the collection this one
                    # still served: catch up and ask the served generation's collection once more.
                    fresh = self.refresh(wait=True)
                    if fresh.collection == snapshot.collection:
                        raise
                    snapshot, vector_index = fresh, self.vector_for(fresh.collection)
                    ids, sims = vector_index.query(vector, n, filters.where())
                dense = {i: s for i, s in zip(ids, sims) if i not in filters.exclude_ids}
            except Exception as exc:  # unreachable server or a broken collection: answer lexically
                log.warning("Vector index failed, answering from the lexical index: %s", exc)
                degraded = True
                mode = "lexical"
            timings["dense"] = (time.perf_counter() - t0) * 1000

        lexical: dict[int, float] = {}
        lex_max = 0.0
        terms: list[str] = []
        if mode in ("hybrid", "lexical"):
            t0 = time.perf_counter()
            scores, changed, terms = snapshot.scores(query, expansion, self.fusion.expansion_weight, filters)
            if terms:
                lexical = {int(snapshot.ids[i]): float(scores[i]) for i in _top_positive(scores, n)}
                lexical.update(changed)
                lex_max = max(lexical.values(), default=0.0)
            timings["lexical"] = (time.perf_counter() - t0) * 1000

        if mode == "dense":
            ranked = [Hit(i, s, {}, dense=s) for i, s in dense.items()]
        elif mode == "lexical":
            ranked = [Hit(i, s, {}, lexical=s) for i, s in lexical.items()]
        else:
            missing = [i for i in lexical if i not in dense]
            if missing:
                try:
                    dense.update(vector_index.similarities(missing, vector))
                except Exception as exc:
                    log.warning("Vector similarities failed: %s", exc)
                    degraded = True
            ranked = self._fuse(dense, lexical, lex_max, words=words, expanded=bool(expansion))
        ranked.sort(key=lambda h: (-h.score, h.id))
        for hit in ranked:
            hit.group = snapshot.group(hit.id)
        results = _group(ranked, k, per_group) if group else ranked[:k]
        results = self._add_metadata(snapshot.generation, results)
        self._add_snippets(snapshot, results, set(terms))
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchResponse(results, mode=mode, degraded=degraded, query_terms=terms, timings_ms=timings,
                              index_version=snapshot.version, index_generation=snapshot.generation)

    def _fuse(self, dense: dict[int, float], lexical: dict[int, float], lex_max: float, *, words: int = 1,
              expanded: bool = False) -> list[Hit]:
        if self.fusion.rule == "learned":
            weight = learned_weight(self.fusion.gate_model, dense, lexical, lex_max, words, expanded)
        else:
            gate = min(1.0, lex_max / self.fusion.gate_tau) if lex_max > 0 else 0.0
            weight = self.fusion.alpha * gate
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
                score = d + weight * (lx / lex_max if lex_max else 0.0)
            ranked.append(Hit(doc_id, score, {}, dense=d, lexical=lx or None))
        return ranked

    def _add_metadata(self, generation: int, hits: list[Hit]) -> list[Hit]:
        """Full metadata for the hits shown; a hit removed meanwhile is dropped."""
        stored = self.store.metadata(generation, [h.id for h in hits])
        out = []
        for hit in hits:
            if hit.id in stored:
                hit.metadata = stored[hit.id]
                out.append(hit)
        return out

    def _add_snippets(self, snapshot: LexicalSnapshot, hits: list[Hit], terms: set[str]) -> None:
        fields = self.store.fields(snapshot.generation, [h.id for h in hits])
        for hit in hits:
            hit.snippet = build_snippet(fields.get(hit.id, {}), terms, snapshot.analyzer, hit.dense)


@lru_cache(maxsize=4)
def _gate_model(name: str) -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))


def gate_features(dense: dict[int, float], lexical: dict[int, float], lex_max: float, words: int,
                  expanded: bool) -> list[float]:
    """What the learned fusion weight looks at (same order as ``bench.fusion_cv.features``)."""
    top_dense = sorted(dense.items(), key=lambda item: (-item[1], item[0]))[:5]
    top_lexical = sorted(((i, s) for i, s in lexical.items() if s > 0), key=lambda item: (-item[1], item[0]))[:5]
    d = [s for _, s in top_dense] + [0.0] * (5 - len(top_dense))
    second = top_lexical[1][1] if len(top_lexical) > 1 else 0.0
    return [
        math.log1p(lex_max),
        (lex_max - second) / lex_max if lex_max > 0 else 0.0,
        math.log(words + 1),
        d[0],
        d[0] - d[4],
        len({i for i, _ in top_dense} & {i for i, _ in top_lexical}) / 5.0,
        1.0 if expanded else 0.0,
    ]


def learned_weight(model_name: str, dense: dict[int, float], lexical: dict[int, float], lex_max: float,
                   words: int, expanded: bool) -> float:
    """``scale`` × P(lexical evidence helps this query), from a logistic model fitted on development queries."""
    if lex_max <= 0:
        return 0.0
    model = _gate_model(model_name)
    z = sum(w * (x - m) / s for w, x, m, s in zip(model["weights"], gate_features(dense, lexical, lex_max, words,
                                                                                  expanded),
                                                   model["mean"], model["std"])) + model["bias"]
    return model["scale"] / (1.0 + math.exp(-z))


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
