"""Memory of the lexical side alone at scale (SYNTHETIC corpus): in-memory build versus mapped files.

    python bench/lexical_memory.py build /tmp/pl-lex-100k 100000   # doc store only, no vectors (minutes)
    PYTHONPATH=<checkout> python bench/lexical_memory.py worker /tmp/pl-lex-100k

``build`` fills a standalone doc store (``search_document`` with analysed terms)
the way ``SearchEngine.rebuild`` does, without embedding anything. ``worker``
loads the served generation in a fresh process, runs 200 benchmark queries
(plain and with an access filter) and prints its memory (``VmHWM``, ``VmRSS``,
file-backed and anonymous parts) as JSON. Run as a script with ``PYTHONPATH``
pointing at a checkout: with ``retrieval/lexical_cache.py`` it maps this host's
files in ``DIR/index-cache`` (the first run has a child process build them),
without it (code before issue 16) it builds the matrix in its own memory. The
full search worker (vectors, query embedder) is measured by ``bench.search_perf``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def build(directory: Path, size: int) -> dict[str, Any]:
    from bench.synthetic import DEFAULT_SEED, municipality_id, synthetic_profiles
    from retrieval.docstore import IndexStore
    from retrieval.documents import to_indexed
    from retrieval.german import vocabulary_of
    from retrieval.lexical import analyzer_for

    docs = [to_indexed(p, municipality_id=municipality_id(p)) for p in synthetic_profiles(size, DEFAULT_SEED)]
    vocabulary = vocabulary_of(d.lexical_text for d in docs)
    analyzer = analyzer_for(vocabulary)
    store = IndexStore.standalone(directory / "index.sqlite")
    generation, collection, _ = store.begin_build(lambda g: f"lexical-only-g{g}", lambda _name: None)
    with store.write() as (conn, state):
        store.add_vocabulary(conn, generation, vocabulary, state.version)
    for start in range(0, len(docs), 2000):
        chunk = docs[start:start + 2000]
        with store.write() as (conn, state):
            store.put(conn, state.version, generation, chunk, [analyzer.terms(d.lexical_text) for d in chunk])
    store.finish_build(generation, collection)
    return {"documents": len(docs), "vocabulary": len(vocabulary)}


def worker(directory: Path) -> dict[str, Any]:
    import numpy as np

    from bench.synthetic import DEFAULT_SEED, benchmark_queries
    from retrieval.docstore import IndexStore
    from retrieval.filters import Filters
    from retrieval.lexical import LexicalSnapshot

    store = IndexStore.standalone(directory / "index.sqlite")
    out: dict[str, Any] = {"rss_after_imports_mb": _status("VmRSS")}
    state = store.state()
    assert state is not None, "run build first"
    started = time.perf_counter()
    try:
        from retrieval.lexical_cache import LexicalFileCache
    except ImportError:  # code before the mapped files
        snapshot = LexicalSnapshot(state.generation, state.version, store.documents(state.generation),
                                   store.vocabulary(state.generation))
        out["lexical"] = "built in this process"
    else:
        cache = LexicalFileCache(directory / "index-cache", store)
        loaded = cache.load(state)
        snapshot = LexicalSnapshot.from_arrays(state.generation, loaded.version, loaded.arrays,
                                               store.vocabulary(state.generation))
        out["lexical"] = "built by a child process, mapped" if cache.builds else "mapped"
        out["child_peak_rss_mb"] = cache.child_peak_mb
    out["load_s"] = round(time.perf_counter() - started, 2)
    out["peak_rss_after_load_mb"] = _status("VmHWM")
    latencies = []
    for query in benchmark_queries(200, DEFAULT_SEED):
        started = time.perf_counter()
        snapshot.scores(query, "", 0.3, None)
        snapshot.scores(query, "", 0.3, Filters(reader_municipality_id=3))
        latencies.append((time.perf_counter() - started) * 1000)
    out.update(peak_rss_mb=_status("VmHWM"), rss_mb=_status("VmRSS"), rss_file_mb=_status("RssFile"),
               rss_anon_mb=_status("RssAnon"),
               two_scorings_ms={"p50": round(float(np.percentile(latencies, 50)), 2),
                                "p95": round(float(np.percentile(latencies, 95)), 2)})
    return out


if __name__ == "__main__":
    command, target = sys.argv[1], Path(sys.argv[2])
    if command == "build":
        target.mkdir(parents=True, exist_ok=True)
        print(json.dumps(build(target, int(sys.argv[3]))))
    else:
        print(json.dumps(worker(target)))
