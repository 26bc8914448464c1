"""Query-time cost of the fusion configurations on an imported catalogue (issue 16).

    python -m bench.query_latency --koos ../shared/koos-daten --work-dir /tmp/pl-eval16 \\
        --queries bench/queries/koos.jsonl bench/queries/koos-holdout.jsonl bench/queries/blind/dev.jsonl --json

Opens the catalogue imported by ``bench.retrieval_eval --work-dir``, swaps the
embedding cache for the bare model (every query is really embedded), runs
every query once for warm-up, then measures hybrid search (k = 10, grouped, as
the search box asks) per query in three rounds, the configurations interleaved
query by query so that load from other processes hits both alike; per query
the fastest round counts (wall clock, and CPU time of this process). Caches
of the query understanding are cleared before every round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.retrieval_eval import TEST_PART, load_queries, open_catalogue  # noqa: E402

LONG = 20  # words: the descriptions query understanding would act on
CONFIGS = {"before issue 16 (gated)": {"rule": "gated", "qu_min_words": 0, "dense_mix": 0.0},
           "learned weight (default of issue 16's first round)": {"rule": "learned", "qu_min_words": 0,
                                                                   "dense_mix": 0.0},
           "learned weight + HanTa nouns (20+ words)": {"rule": "learned", "qu_min_words": 20, "qu_method": "nouns",
                                                        "qu_gamma": 0.5, "dense_mix": 0.0},
           "default: learned weight + dense mix 0.5 + capitalised words (20+ words)": {
               "rule": "learned", "qu_min_words": 20, "qu_method": "caps", "qu_gamma": 1.0, "dense_mix": 0.5,
               "dense_mix_below": 0},
           "the same, dense mix only below 20 words (run 14)": {
               "rule": "learned", "qu_min_words": 20, "qu_method": "caps", "qu_gamma": 0.5, "dense_mix": 0.5,
               "dense_mix_below": 20}}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--koos", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--queries", type=Path, nargs="+", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if any(p.resolve() == TEST_PART.resolve() for p in args.queries):
        parser.error("the test part is not needed for timing")
    queries = [q for p in args.queries for q in load_queries(p) if q["corpus"] == "koos"]
    app, indexed, _, _ = open_catalogue(args.work_dir / "koos", koos=args.koos, demo=False, backend="use",
                                        model=None, reuse=True)
    from dataclasses import replace

    from app import search as search_service
    from app.nlp import tagger
    from retrieval import query_understanding
    from retrieval.engine import FusionParams

    query_understanding.use_tagger(tagger.tag)  # as a serving process (app.warmup)
    out = {"queries": len(queries), "profiles": indexed, "configs": {}}
    with app.app_context():
        engine = search_service.engine()
        engine._embedder = getattr(engine.embedder, "embedder", engine.embedder)  # no embedding cache
        params = {name: replace(FusionParams(), **over) for name, over in CONFIGS.items()}
        for name, p in params.items():  # warm-up
            engine.fusion = p
            for q in queries:
                engine.search(q["query"], k=10, mode="hybrid")
        rounds = 3
        times = {name: [[] for _ in queries] for name in params}
        cpu = {name: [[] for _ in queries] for name in params}
        parts = {name: {} for name in params}
        long_parts = {name: {} for name in params}
        for _ in range(rounds):
            query_understanding.nouns.cache_clear()
            query_understanding.capitalised.cache_clear()
            tagger._tag.cache_clear()
            for i, q in enumerate(queries):
                order = list(params.items()) if i % 2 == 0 else list(params.items())[::-1]
                for name, p in order:
                    engine.fusion = p
                    c0 = time.process_time()
                    response = engine.search(q["query"], k=10, mode="hybrid")
                    cpu[name][i].append((time.process_time() - c0) * 1000)
                    times[name][i].append(response.timings_ms["total"])
                    for part, ms in response.timings_ms.items():
                        parts[name].setdefault(part, []).append(ms)
                        if len(q["query"].split()) >= LONG:
                            long_parts[name].setdefault(part, []).append(ms)
        # Per query the best of the rounds: other processes on the machine only ever add time.
        times = {name: [min(t) for t in per] for name, per in times.items()}
        cpu = {name: [min(t) for t in per] for name, per in cpu.items()}
        long = [i for i, q in enumerate(queries) if len(q["query"].split()) >= LONG]
        for name in params:
            out["configs"][name] = {
                "hybrid_p50_ms": round(statistics.median(times[name]), 1),
                "hybrid_p95_ms": round(pct(times[name], 0.95), 1),
                "long_queries": len(long),
                "long_p50_ms": round(statistics.median([times[name][i] for i in long]), 1) if long else None,
                "long_p95_ms": round(pct([times[name][i] for i in long], 0.95), 1) if long else None,
                "cpu_p50_ms": round(statistics.median(cpu[name]), 1), "cpu_p95_ms": round(pct(cpu[name], 0.95), 1),
                "parts_p50_ms": {k: round(statistics.median(v), 2) for k, v in parts[name].items()},
                "long_parts_p50_ms": {k: round(statistics.median(v), 2) for k, v in long_parts[name].items()},
            }
    load = os.getloadavg()
    out["load_average"] = [round(x, 2) for x in load]
    app.extensions["prozesslotse.db"].dispose()
    print(json.dumps(out, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
