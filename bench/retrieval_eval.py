"""Retrieval evaluation (contract format).

    python -m bench.retrieval_eval --koos ../shared/koos-daten --queries bench/queries/koos.jsonl --json
    python -m bench.retrieval_eval --demo --queries bench/queries/demo.jsonl --json
    python -m bench.retrieval_eval --koos … --queries … --grid     # the measured design choices

Imports the catalogue into a fresh data dir through the same code paths as
the product (import, ``index rebuild``, search service), then reports
Recall@1, Recall@5, MRR and nDCG@10 for lexical, dense and hybrid. Search
runs without grouping so that every relevant variant counts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.metrics import summarise  # noqa: E402

MODES = ("hybrid", "dense", "lexical")
REPO = Path(__file__).resolve().parents[1]


def load_queries(path: Path) -> list[dict[str, Any]]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            item = json.loads(line)
            if not item.get("query") or not item.get("relevant"):
                raise SystemExit(f"{path}:{number}: query and relevant are required")
            queries.append(item)
    return queries


def make_app(data_dir: Path, backend: str = "use", model: str | None = None):
    from app import create_app
    from app.storage.migrate import upgrade

    url = f"sqlite:///{data_dir / 'prozesslotse.db'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    return create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "EMBEDDING_BACKEND": backend,
                       "EMBEDDING_MODEL": model})


def load_catalogue(app, *, koos: Path | None, demo: bool) -> int:
    from app.context import database
    from app.corpus.store import municipality_by_name, store_files

    with app.app_context():
        if demo:
            runner = app.test_cli_runner()
            result = runner.invoke(args=["corpus", "load", str(REPO / "corpus")])
            if result.exit_code != 0:
                raise SystemExit(f"corpus load failed: {result.output}")
        if koos is not None:
            from app.corpus.koos import read_koos

            files = read_koos(koos, municipality="Musterstadt", land="Niedersachsen")
            report = store_files(database(), files, municipality_by_name("Musterstadt", "Niedersachsen"))
            if report.errors:
                raise SystemExit(f"KOOS import reported {len(report.errors)} errors")
        from app import search as search_service

        with database().session() as session:
            return search_service.rebuild(session)


def evaluate(app, queries: list[dict[str, Any]], modes=MODES, k: int = 10) -> dict[str, Any]:
    from app import search as search_service

    out: dict[str, Any] = {}
    per_kind: dict[str, dict[str, Any]] = {}
    with app.app_context():
        for mode in modes:
            rankings = []
            by_kind: dict[str, list] = {}
            for q in queries:
                response = search_service.search(q["query"], k=k, mode=mode, group=False)
                ranked = [h.metadata.get("external_id") or str(h.id) for h in response.results]
                relevant = {str(r) for r in q["relevant"]}
                rankings.append((ranked, relevant))
                by_kind.setdefault(q.get("kind", "all"), []).append((ranked, relevant))
            out[mode] = summarise(rankings)
            per_kind[mode] = {kind: summarise(r) for kind, r in by_kind.items()}
    return {"modes": out, "by_kind": per_kind}


def grid(app, queries) -> list[dict[str, Any]]:
    """Re-measure the design choices on one imported catalogue."""
    from app import search as search_service
    from app.context import database
    from retrieval import documents
    from retrieval.engine import FusionParams

    rows = []
    with app.app_context():
        engine = search_service.engine()
        base_fusion = engine.fusion
        default_recipe = documents.DEFAULT_DENSE_RECIPE
        for recipe in documents.DENSE_RECIPES:
            documents.DEFAULT_DENSE_RECIPE = recipe
            for compounds in (True, False):
                engine.split_compounds = compounds
                with database().session() as session:
                    search_service.rebuild(session)
                result = evaluate(app, queries, modes=("dense", "lexical"))
                rows.append({"recipe": recipe, "compounds": compounds, **{
                    f"{m}_{k}": v for m, d in result["modes"].items() for k, v in d.items()}})
        documents.DEFAULT_DENSE_RECIPE = default_recipe
        engine.split_compounds = True
        with database().session() as session:
            search_service.rebuild(session)
        for expand in (False, True):
            engine.fusion = FusionParams(expand_queries=expand)
            result = evaluate(app, queries)
            rows.append({"expand_queries": expand, **{
                f"{m}_{k}": v for m, d in result["modes"].items() for k, v in d.items()}})
        for weight in (0.3, 0.5, 1.0):
            engine.fusion = FusionParams(expansion_weight=weight)
            result = evaluate(app, queries)
            rows.append({"expansion_weight": weight, **{
                f"{m}_{k}": v for m, d in result["modes"].items() for k, v in d.items()}})
        engine.fusion = FusionParams(rule="rrf")
        result = evaluate(app, queries, modes=("hybrid",))
        rows.append({"rule": "rrf", **{f"hybrid_{k}": v for k, v in result["modes"]["hybrid"].items()}})
        for alpha in (0.15, 0.25, 0.35, 0.5, 0.75):
            for tau in (2.0, 5.0, 8.0, 12.0):
                engine.fusion = FusionParams(alpha=alpha, gate_tau=tau)
                result = evaluate(app, queries, modes=("hybrid",))
                rows.append({"alpha": alpha, "tau": tau, **{f"hybrid_{k}": v for k, v in result["modes"]["hybrid"].items()}})
        engine.fusion = base_fusion
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--koos", type=Path, help="KOOS catalogue directory")
    parser.add_argument("--demo", action="store_true", help="evaluate on the demo corpus")
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--backend", default=os.environ.get("EMBEDDING_BACKEND", "use"))
    parser.add_argument("--model", default=os.environ.get("EMBEDDING_MODEL"))
    parser.add_argument("--data-dir", type=Path, help="keep the data dir here (default: a temporary one)")
    parser.add_argument("--grid", action="store_true", help="also measure recipes, compounds and fusion")
    parser.add_argument("--thesaurus", type=Path, help="expand queries with this thesaurus file instead of the shipped one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.koos and not args.demo:
        parser.error("give --koos PATH or --demo")
    queries = load_queries(args.queries)
    if args.thesaurus:
        from retrieval import thesaurus

        thesaurus.use(args.thesaurus)
    with tempfile.TemporaryDirectory(prefix="pl-eval-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        app = make_app(data_dir, args.backend, args.model)
        started = time.perf_counter()
        indexed = load_catalogue(app, koos=args.koos, demo=args.demo)
        build_seconds = time.perf_counter() - started
        result = evaluate(app, queries)
        report: dict[str, Any] = {"queries": len(queries), "modes": result["modes"], "by_kind": result["by_kind"],
                                  "indexed": indexed, "backend": args.backend, "model": args.model,
                                  "dimensions": app.config.get("EMBEDDING_DIMENSIONS") or "default",
                                  "thesaurus": str(args.thesaurus or "shipped"),
                                  "build_seconds": round(build_seconds, 1)}
        if args.grid:
            report["grid"] = grid(app, queries)
        app.extensions["prozesslotse.db"].dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"{len(queries)} queries, {indexed} profiles ({args.backend})", file=sys.stderr)
        for mode, metrics in report["modes"].items():
            print(f"{mode:8} " + "  ".join(f"{k}={v:.3f}" for k, v in metrics.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
