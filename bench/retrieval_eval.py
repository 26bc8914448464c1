"""Retrieval evaluation (contract format).

    python -m bench.retrieval_eval --koos ../shared/koos-daten --queries bench/queries/koos.jsonl --json
    python -m bench.retrieval_eval --demo --queries bench/queries/demo.jsonl --json
    python -m bench.retrieval_eval --koos … --queries … --grid     # the measured design choices

    # issue 16: both corpora at once, imported catalogues kept in --work-dir and reused
    python -m bench.retrieval_eval --koos ../shared/koos-daten --demo --work-dir /tmp/pl-eval16 \\
        --queries bench/queries/blind/dev.jsonl bench/queries/koos.jsonl bench/queries/koos-holdout.jsonl \\
        bench/queries/demo.jsonl --json
    python -m bench.retrieval_eval --koos ../shared/koos-daten --demo --work-dir /tmp/pl-eval16 \\
        --queries bench/queries/blind/test.jsonl --json          # appends to bench/queries/blind/test-runs.jsonl

Imports the catalogue into a data dir through the same code paths as the
product (import, ``index rebuild``, search service), then reports Recall@1,
Recall@5, success@5, MRR and nDCG@10 for lexical, dense and hybrid, per
corpus, overall and per kind. Search runs without grouping so that every
relevant variant counts. Each query is run against its own corpus: the
``corpus`` field (``koos`` or ``demo``), else ``demo`` when its relevant ids are
demo ids (``demo:…``), else ``koos``.

Every run that includes the blind test part (``bench/queries/blind/test.jsonl``)
appends one line to ``bench/queries/blind/test-runs.jsonl``: date, commit,
configuration and figures. The test part is for reporting only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.metrics import summarise  # noqa: E402

MODES = ("hybrid", "dense", "lexical")
REPO = Path(__file__).resolve().parents[1]
BLIND = REPO / "bench" / "queries" / "blind"
TEST_PART = BLIND / "test.jsonl"
TEST_LOG = BLIND / "test-runs.jsonl"
CORPORA = ("koos", "demo")
READY = "eval-ready.json"


def load_queries(path: Path) -> list[dict[str, Any]]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            item = json.loads(line)
            if not item.get("query") or not item.get("relevant"):
                raise SystemExit(f"{path}:{number}: query and relevant are required")
            item.setdefault("corpus", corpus_of(item))
            queries.append(item)
    return queries


def corpus_of(query: dict[str, Any]) -> str:
    if query.get("corpus"):
        return str(query["corpus"])
    return "demo" if all(str(r).startswith("demo:") for r in query["relevant"]) else "koos"


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


def open_catalogue(data_dir: Path, *, koos: Path | None, demo: bool, backend: str, model: str | None,
                   reuse: bool) -> tuple[Any, int, float, bool]:
    """The app over ``data_dir`` with the catalogue imported and indexed (reused when ``reuse`` and it matches)."""
    marker = data_dir / READY
    wanted = {"koos": str(koos.resolve()) if koos else None, "demo": demo, "backend": backend, "model": model,
              "dimensions": os.environ.get("EMBEDDING_DIMENSIONS") or "default"}
    if reuse and marker.exists() and json.loads(marker.read_text(encoding="utf-8")).get("catalogue") == wanted:
        app = make_app(data_dir, backend, model)
        from app import search as search_service

        with app.app_context():
            indexed = search_service.engine().refresh(wait=True).size
        return app, indexed, 0.0, True
    if reuse and data_dir.exists() and any(data_dir.iterdir()):
        raise SystemExit(f"{data_dir} holds something else; remove it or choose another --work-dir")
    app = make_app(data_dir, backend, model)
    started = time.perf_counter()
    indexed = load_catalogue(app, koos=koos, demo=demo)
    build_seconds = time.perf_counter() - started
    if reuse:
        marker.write_text(json.dumps({"catalogue": wanted, "indexed": indexed}), encoding="utf-8")
    return app, indexed, build_seconds, False


def run_queries(app, queries: list[dict[str, Any]], modes=MODES, k: int = 10) -> dict[str, list]:
    """Per mode: one (ranked ids, relevant ids, total ms) per query."""
    from app import search as search_service

    out: dict[str, list] = {}
    with app.app_context():
        for mode in modes:
            rows = []
            for q in queries:
                response = search_service.search(q["query"], k=k, mode=mode, group=False)
                ranked = [h.metadata.get("external_id") or str(h.id) for h in response.results]
                rows.append((ranked, {str(r) for r in q["relevant"]}, response.timings_ms.get("total", 0.0)))
            out[mode] = rows
    return out


def summarise_runs(queries: list[dict[str, Any]], runs: dict[str, list]) -> dict[str, Any]:
    modes = {mode: summarise([(r, rel) for r, rel, _ in rows]) for mode, rows in runs.items()}
    by_kind: dict[str, dict[str, Any]] = {}
    for mode, rows in runs.items():
        groups: dict[str, list] = {}
        for q, (ranked, relevant, _) in zip(queries, rows):
            groups.setdefault(q.get("kind", "all"), []).append((ranked, relevant))
        by_kind[mode] = {kind: summarise(r) for kind, r in sorted(groups.items())}
    return {"queries": len(queries), "modes": modes, "by_kind": by_kind}


def latency(rows: list) -> dict[str, float]:
    times = sorted(t for _, _, t in rows)
    if not times:
        return {}
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}


def evaluate(app, queries: list[dict[str, Any]], modes=MODES, k: int = 10) -> dict[str, Any]:
    result = summarise_runs(queries, run_queries(app, queries, modes, k))
    return {"modes": result["modes"], "by_kind": result["by_kind"]}


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
        gated = {"rule": "gated", "qu_min_words": 0}  # the parameters below belong to the gated rule
        for expand in (False, True):
            engine.fusion = FusionParams(expand_queries=expand, **gated)
            result = evaluate(app, queries)
            rows.append({"expand_queries": expand, **{
                f"{m}_{k}": v for m, d in result["modes"].items() for k, v in d.items()}})
        for weight in (0.3, 0.5, 1.0):
            engine.fusion = FusionParams(expansion_weight=weight, **gated)
            result = evaluate(app, queries)
            rows.append({"expansion_weight": weight, **{
                f"{m}_{k}": v for m, d in result["modes"].items() for k, v in d.items()}})
        engine.fusion = FusionParams(rule="rrf")
        result = evaluate(app, queries, modes=("hybrid",))
        rows.append({"rule": "rrf", **{f"hybrid_{k}": v for k, v in result["modes"]["hybrid"].items()}})
        for alpha in (0.15, 0.25, 0.35, 0.5, 0.75):
            for tau in (2.0, 5.0, 8.0, 12.0):
                engine.fusion = FusionParams(alpha=alpha, gate_tau=tau, **gated)
                result = evaluate(app, queries, modes=("hybrid",))
                rows.append({"alpha": alpha, "tau": tau, **{f"hybrid_{k}": v for k, v in result["modes"]["hybrid"].items()}})
        engine.fusion = base_fusion
    return rows


def parse_fusion(items: list[str]) -> dict[str, Any]:
    """``--fusion alpha=0.3 rule=rrf`` → FusionParams overrides, typed like the defaults."""
    from retrieval.engine import FusionParams

    defaults = FusionParams()
    types = {f.name: type(getattr(defaults, f.name)) for f in fields(FusionParams)}
    out: dict[str, Any] = {}
    for item in items:
        name, _, raw = item.partition("=")
        if name not in types:
            raise SystemExit(f"unknown fusion parameter {name!r} (known: {', '.join(types)})")
        kind = types[name]
        out[name] = raw.lower() in ("1", "true", "yes", "on") if kind is bool else kind(raw)
    return out


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    # The log itself changes with every run; it does not make the code dirty.
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/queries/blind/test-runs.jsonl")
    return {"commit": git("rev-parse", "--short=12", "HEAD"), "dirty": bool(status)}


def log_test_run(report: dict[str, Any], note: str) -> None:
    line = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), **git_commit(), "note": note,
            "configuration": report["configuration"], "queries": report["queries"],
            "overall": report["overall"]["modes"], "by_corpus": {c: p["modes"] for c, p in report["parts"].items()},
            "by_kind": report["overall"]["by_kind"]}
    with TEST_LOG.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--koos", type=Path, help="KOOS catalogue directory")
    parser.add_argument("--demo", action="store_true", help="evaluate on the demo corpus")
    parser.add_argument("--queries", type=Path, required=True, nargs="+", help="one or more query files")
    parser.add_argument("--backend", default=os.environ.get("EMBEDDING_BACKEND", "use"))
    parser.add_argument("--model", default=os.environ.get("EMBEDDING_MODEL"))
    parser.add_argument("--data-dir", type=Path, help="keep the data dir here (one corpus only; default: temporary)")
    parser.add_argument("--work-dir", type=Path,
                        help="keep one data dir per corpus here (<dir>/koos, <dir>/demo) and reuse it when the "
                             "catalogue and embedder match (no import and rebuild)")
    parser.add_argument("--grid", action="store_true", help="also measure recipes, compounds and fusion (one corpus)")
    parser.add_argument("--thesaurus", type=Path, help="expand queries with this thesaurus file instead of the shipped one")
    parser.add_argument("--fusion", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override FusionParams fields for this run (e.g. alpha=0.35 rule=rrf)")
    parser.add_argument("--note", default="", help="why this run was made (written to the test-run log)")
    parser.add_argument("--per-query", type=Path, help="write per-query ranks (hybrid, dense, lexical) as JSON lines")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.koos and not args.demo:
        parser.error("give --koos PATH and/or --demo")
    queries = [q for path in args.queries for q in load_queries(path)]
    available = {"koos": args.koos is not None, "demo": args.demo}
    wanted = [c for c in CORPORA if any(q["corpus"] == c for q in queries)]
    skipped = [c for c in wanted if not available[c]]
    if skipped:
        print(f"skipping {sum(q['corpus'] in skipped for q in queries)} queries of {', '.join(skipped)} "
              "(no catalogue given)", file=sys.stderr)
    wanted = [c for c in wanted if available[c]]
    if not wanted:
        parser.error("no query belongs to a catalogue given")
    if args.data_dir and len(wanted) > 1:
        parser.error("--data-dir holds one corpus; use --work-dir for both")
    if args.grid and len(wanted) > 1:
        parser.error("--grid measures one corpus at a time")
    fusion = parse_fusion(args.fusion)
    if args.thesaurus:
        from retrieval import thesaurus

        thesaurus.use(args.thesaurus)
    includes_test = any(p.resolve() == TEST_PART.resolve() for p in args.queries)

    from retrieval.engine import FusionParams

    report: dict[str, Any] = {"parts": {}}
    all_queries: list[dict[str, Any]] = []
    all_runs: dict[str, list] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory(prefix="pl-eval-") as tmp:
        for corpus in wanted:
            part = [q for q in queries if q["corpus"] == corpus]
            if args.work_dir:
                data_dir, reuse = args.work_dir / corpus, True
            else:
                data_dir, reuse = args.data_dir or Path(tmp) / corpus, False
            app, indexed, build_seconds, reused = open_catalogue(
                data_dir, koos=args.koos if corpus == "koos" else None, demo=corpus == "demo",
                backend=args.backend, model=args.model, reuse=reuse)
            from app import search as search_service

            with app.app_context():
                engine = search_service.engine()
                engine.fusion = FusionParams(**{**asdict(engine.fusion), **fusion})
                configuration = asdict(engine.fusion)
            runs = run_queries(app, part)
            summary = summarise_runs(part, runs)
            summary.update({"indexed": indexed, "build_seconds": round(build_seconds, 1), "reused_index": reused,
                            "hybrid_latency": latency(runs["hybrid"])})
            if args.grid:
                summary["grid"] = grid(app, part)
            report["parts"][corpus] = summary
            all_queries += part
            for mode in MODES:
                all_runs[mode] += runs[mode]
            if args.per_query:
                with args.per_query.open("a", encoding="utf-8") as handle:
                    for i, q in enumerate(part):
                        row = {"qid": q["qid"], "corpus": corpus, "kind": q.get("kind")}
                        for mode in MODES:
                            ranked, relevant, _ = runs[mode][i]
                            row[mode] = next((r for r, item in enumerate(ranked, 1) if item in relevant), None)
                        handle.write(json.dumps(row) + "\n")
            app.extensions["prozesslotse.db"].dispose()
    overall = summarise_runs(all_queries, all_runs)
    report.update({
        "queries": len(all_queries), "files": [str(p) for p in args.queries], "overall": overall,
        "modes": overall["modes"], "by_kind": overall["by_kind"], "hybrid_latency": latency(all_runs["hybrid"]),
        "backend": args.backend, "model": args.model,
        "dimensions": os.environ.get("EMBEDDING_DIMENSIONS") or "default",
        "thesaurus": str(args.thesaurus or "shipped"),
        "configuration": {"fusion": configuration, "backend": args.backend, "model": args.model,
                          "dimensions": os.environ.get("EMBEDDING_DIMENSIONS") or "default",
                          "thesaurus": str(args.thesaurus or "shipped")},
    })
    if len(wanted) == 1:  # the shape single-corpus callers read
        only = report["parts"][wanted[0]]
        report.update({"indexed": only["indexed"], "build_seconds": only["build_seconds"]})
        if args.grid:
            report["grid"] = only["grid"]
    if includes_test:
        log_test_run(report, args.note)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for name, block in [*report["parts"].items(), ("overall", overall)]:
            print(f"{name}: {block['queries']} queries", file=sys.stderr)
            for mode, metrics in block["modes"].items():
                print(f"  {mode:8} " + "  ".join(f"{k}={v:.3f}" for k, v in metrics.items()))
        if includes_test:
            print(f"test run logged in {TEST_LOG.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
