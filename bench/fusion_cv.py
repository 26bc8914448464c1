"""Fusion, expansion and query-side methods chosen by k-fold cross-validation (issue 16).

    python -m bench.fusion_cv --koos ../shared/koos-daten --demo --work-dir /tmp/pl-eval16 \\
        --queries bench/queries/blind/dev.jsonl bench/queries/koos.jsonl bench/queries/koos-holdout.jsonl \\
        bench/queries/demo.jsonl --json

Development data only: the tool refuses the blind test part. It opens the
catalogues that ``bench.retrieval_eval --work-dir`` imported, reads every
profile's vector and BM25 scores once per query, and then replays the engine's
ranking offline (exact cosine over all vectors, which equals the served HNSW
search at its measured recall@10 of 1.000; the same candidate sets, fusion and
tie-breaking as ``SearchEngine.search``). ``--check`` compares the replay of the
default configuration with the product path, query by query.

For each family of methods every configuration is scored per query; folds are
stratified by corpus and kind and fixed by a hash of the qid. In each fold
the configuration with the best mean of Recall@5 + success@5 + MRR on the other
folds is applied to the held-out fold; the pooled out-of-fold figures are the
cross-validated estimate. A family counts as a gain only when its CV estimate
beats the default's on the development queries.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.metrics import ndcg_at, recall_at, reciprocal_rank, success_at  # noqa: E402
from bench.retrieval_eval import CORPORA, TEST_PART, load_queries, open_catalogue  # noqa: E402

METRICS = ("recall@1", "recall@5", "mrr", "ndcg@10", "success@5")
SELECT = (1, 2, 4)  # recall@5, mrr, success@5: the targets


@dataclass
class Config:
    alpha: float = 0.25
    tau: float = 8.0
    weight: float = 0.3            # expansion weight on the lexical side
    expand_dense: bool = True      # the dense query carries the thesaurus expansion
    rule: str = "gated"            # gated | rrf | learned
    rrf_k: int = 60
    learned: Any = None            # (model, scale) for rule "learned"
    prf_k: int = 0                 # Rocchio: top-k of the first pass
    prf_beta: float = 0.0
    qu: str = ""                   # query understanding for long queries: "" | nouns | nounsverbs | first
    qu_min_words: int = 15
    qu_gamma: float = 0.0          # weight of the short query's vector
    qu_lexical: bool = False       # lexical side searches the short query instead of the long one
    adapter: str = ""              # linear map on the query vector, fitted on the corpus's own views
    gate_features: str = "base"    # learned weight's features: base (the shipped seven) | plus (four more)
    label_weighted: bool = False   # learned weight: weight each training query by how much lexical helps/hurts
    norm: str = "max"              # lexical score scaling: max (BM25 / best) | z (both sides z-scored on candidates)
    dense_mix: float = 0.0         # dense vector: (1 - m) * expanded query + m * plain query
    mix_below: int = 0             # dense mix only for queries of fewer words (0: all); long ones cost two embeddings

    def label(self) -> str:
        d = {k: v for k, v in asdict(self).items() if k != "learned" and v != getattr(Config, k, None)}
        return json.dumps(d, sort_keys=True) if d else "default"


@dataclass
class Query:
    qid: str
    corpus: str
    kind: str
    source: str
    relevant: set[str]
    words: int
    q_exp: np.ndarray
    q_plain: np.ndarray
    lex_main: np.ndarray
    lex_extra: np.ndarray
    has_terms: bool
    expanded: bool = False
    short: dict[str, Any] = field(default_factory=dict)
    n_terms: int = 0


@dataclass
class Corpus:
    ext: list[str]
    vectors: np.ndarray
    ids: np.ndarray
    adapters: dict[str, np.ndarray] = field(default_factory=dict)


def fold_of(qid: str, k: int) -> int:
    return int(hashlib.sha256(("issue-16-cv:" + qid).encode()).hexdigest(), 16) % k


def assign_folds(queries: list[Query], k: int) -> np.ndarray:
    """Stratified by (corpus, kind): within a stratum, queries ordered by hash go round-robin."""
    folds = np.zeros(len(queries), dtype=int)
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, q in enumerate(queries):
        strata[(q.corpus, q.kind)].append(i)
    offset = 0
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda i: hashlib.sha256(queries[i].qid.encode()).hexdigest())
        for n, i in enumerate(members):
            folds[i] = (n + offset) % k
        offset += len(members)
    return folds


def short_query(text: str, how: str) -> str:
    """The object and activity of a long description: its nouns (and full verbs), or its first sentence."""
    if how == "caps":
        from retrieval.query_understanding import capitalised

        return capitalised(text)
    if how == "first":
        import re

        parts = [p for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p]
        return parts[0] if parts else text
    from app.nlp.tagger import tag

    keep = []
    for token in tag(text):
        if token.tag in ("NN", "NE") or (how == "nounsverbs" and token.tag.startswith("VV")):
            word = token.lemma if token.lemma and token.lemma != "--" else token.text
            if len(word) > 2 and word not in keep:
                keep.append(word)
    return " ".join(keep)


VIEW_SETS = {"title": ("title",), "desc+steps": ("desc", "steps"), "all": ("title", "desc", "steps", "norms")}
LAMBDAS = (3.0, 30.0, 300.0)


def fit_adapters(engine, generation: int, ids: list[int], vectors: np.ndarray) -> dict[str, np.ndarray]:
    """Ridge maps from a profile's partial views to its indexed vector, shrunk towards the identity.

    Trained on the catalogue alone (no query): title, description/trigger/result, steps and norms of
    each profile are embedded separately; B = (XᵀX + λI)⁻¹ (XᵀY + λI) maps a view vector x to x·B ≈ y.
    """
    fields = engine.store.fields(generation, ids)
    texts = {"title": [], "desc": [], "steps": [], "norms": []}
    for row, doc_id in enumerate(ids):
        f = fields.get(doc_id, {})
        views = {"title": f.get("title", ""),
                 "desc": " ".join(x for x in (f.get("description"), f.get("trigger"), f.get("result")) if x),
                 "steps": ". ".join(f.get("steps") or []), "norms": ", ".join(f.get("legal_basis") or [])}
        for view, text in views.items():
            if text and len(text.split()) >= 2 or view == "title" and text:
                texts[view].append((row, " ".join(text.split()[:48])))
    embedded = {v: (np.array([r for r, _ in items], dtype=int),
                    engine.embedder.encode([t for _, t in items]) if items else np.zeros((0, vectors.shape[1])))
                for v, items in texts.items()}
    out = {}
    dim = vectors.shape[1]
    for name, views in VIEW_SETS.items():
        rows = np.concatenate([embedded[v][0] for v in views])
        x = np.concatenate([embedded[v][1] for v in views]).astype(np.float64)
        y = vectors[rows].astype(np.float64)
        for lam in LAMBDAS:
            out[f"{name}:{lam:g}"] = np.linalg.solve(x.T @ x + lam * np.eye(dim), x.T @ y + lam * np.eye(dim))
    return out


def collect(app, queries: list[dict[str, Any]], qu_variants: tuple[str, ...],
            adapters: bool = False) -> tuple[Corpus, list[Query]]:
    from app import search as search_service
    from retrieval import thesaurus

    with app.app_context():
        engine = search_service.engine()
        snapshot = engine.refresh(wait=True)
        vector_index = engine.vector_for(snapshot.collection)
        got = vector_index._call("get", include=["embeddings"])
        by_id = {int(i): np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}
        ids = [int(i) for i in snapshot.ids]
        vectors = np.stack([by_id[i] for i in ids])
        meta = engine.store.metadata(snapshot.generation, ids)
        ext = [str(meta[i].get("external_id") or i) for i in ids]
        out = []
        for q in queries:
            text = q["query"]
            expansion = " ".join(thesaurus.expansions(text))
            q_exp, q_plain = engine.embedder.encode([f"{text} ({expansion})" if expansion else text, text])
            main, _, terms = snapshot.scores(text, expansion, 0.0)
            both, _, _ = snapshot.scores(text, expansion, 1.0)
            item = Query(q["qid"], q["corpus"], q.get("kind", "all"), q.get("_source", ""),
                         {str(r) for r in q["relevant"]}, len(text.split()), q_exp, q_plain,
                         main.astype(np.float64), (both - main).astype(np.float64), bool(terms), bool(expansion),
                         n_terms=len(terms))
            for how in qu_variants:
                short = short_query(text, how)
                s_main, _, s_terms = snapshot.scores(short, expansion, 0.0)
                s_both, _, _ = snapshot.scores(short, expansion, 1.0)
                item.short[how] = {"text": short, "vec": engine.embedder.encode([short])[0] if short else None,
                                   "main": s_main.astype(np.float64), "extra": (s_both - s_main).astype(np.float64),
                                   "has_terms": bool(s_terms)}
            out.append(item)
        fitted = fit_adapters(engine, snapshot.generation, ids, vectors) if adapters else {}
    return Corpus(ext, vectors, np.asarray(ids), fitted), out


def _top(scores: np.ndarray, n: int, positive: bool = False) -> np.ndarray:
    idx = np.argpartition(-scores, min(n, scores.size - 1))[:n] if n < scores.size else np.arange(scores.size)
    if positive:
        idx = idx[scores[idx] > 0]
    return idx


def features(dense: np.ndarray, lex: np.ndarray, q: Query, ids: np.ndarray, which: str = "base") -> np.ndarray:
    lex_max = float(lex.max()) if lex.size else 0.0
    d_sorted = np.sort(dense)[::-1]
    l_sorted = np.sort(lex)[::-1]
    order_d = np.lexsort((ids, -dense))
    order_l = np.lexsort((ids, -lex))
    top_d = set(order_d[:5].tolist())
    top_l = {int(i) for i in order_l[:5] if lex[i] > 0}
    base = [
        math.log1p(lex_max),
        (l_sorted[0] - l_sorted[1]) / l_sorted[0] if lex_max > 0 else 0.0,
        math.log(q.words + 1),
        float(d_sorted[0]),
        float(d_sorted[0] - d_sorted[4]),
        len(top_d & top_l) / 5.0,
        float(q.expanded),
    ]
    if which == "plus":  # candidates measured for issue 16's second round; not in the shipped model
        base += [
            float(d_sorted[0] - d_sorted[1]),
            float(order_d[0] == order_l[0]) if lex_max > 0 else 0.0,
            math.log1p(q.n_terms),
            lex_max / max(1, q.n_terms),
        ]
    return np.array(base)


def fuse(dense: np.ndarray, lex: np.ndarray, cfg: Config, q: Query, ids: np.ndarray, n: int = 60) -> np.ndarray:
    """Document positions ranked as ``SearchEngine.search`` (hybrid, ungrouped) would."""
    cand_d = _top(dense, n)
    cand_l = _top(lex, n, positive=True) if q.has_terms else np.zeros(0, dtype=int)
    cand = np.union1d(cand_d, cand_l)
    lex_c = np.where(np.isin(cand, cand_l), lex[cand], 0.0)
    lex_max = float(lex_c.max()) if lex_c.size else 0.0
    dense_c = dense[cand]
    if cfg.rule == "rrf":
        rank_d = {int(i): r for r, i in enumerate(cand_d[np.argsort(-dense[cand_d], kind="stable")], 1)}
        rank_l = {int(i): r for r, i in enumerate(cand_l[np.argsort(-lex[cand_l], kind="stable")], 1)}
        score = np.array([sum(1.0 / (cfg.rrf_k + rk[int(i)]) for rk in (rank_d, rank_l) if int(i) in rk)
                          for i in cand])
    else:
        if cfg.rule == "learned":
            model, scale = cfg.learned
            x = features(dense, lex, q, ids, cfg.gate_features)[None, :]
            weight = scale * float(model.predict_proba(x)[0, 1]) if lex_max > 0 else 0.0
        else:
            weight = cfg.alpha * (min(1.0, lex_max / cfg.tau) if lex_max > 0 else 0.0)
        if cfg.norm == "z" and lex_max > 0:
            # Both sides on the spread of the candidates; 4 x weight keeps the scale grid comparable.
            z = lambda v: (v - v.mean()) / (v.std() or 1.0)  # noqa: E731
            score = z(dense_c) + 4.0 * weight * z(lex_c)
        else:
            score = dense_c + weight * (lex_c / lex_max if lex_max else 0.0)
    order = np.lexsort((ids[cand], -score))
    return cand[order]


def query_vector(q: Query, corpus: Corpus, cfg: Config) -> np.ndarray:
    qv = q.q_exp if cfg.expand_dense else q.q_plain
    if cfg.dense_mix and q.expanded and (not cfg.mix_below or q.words < cfg.mix_below):
        qv = (1 - cfg.dense_mix) * q.q_exp + cfg.dense_mix * q.q_plain
        qv = qv / np.linalg.norm(qv)
    if cfg.qu and q.words >= cfg.qu_min_words and cfg.qu in q.short:
        s = q.short[cfg.qu]
        if s["vec"] is not None and cfg.qu_gamma > 0:
            qv = qv + cfg.qu_gamma * s["vec"]
            qv = qv / np.linalg.norm(qv)
    if cfg.adapter:
        qv = qv @ corpus.adapters[cfg.adapter]
        qv = qv / np.linalg.norm(qv)
    return qv


def rank(q: Query, corpus: Corpus, cfg: Config, mode: str = "hybrid") -> list[str]:
    qv = query_vector(q, corpus, cfg)
    lex = q.lex_main + cfg.weight * q.lex_extra
    has_terms = q.has_terms
    if cfg.qu and q.words >= cfg.qu_min_words and cfg.qu in q.short:
        s = q.short[cfg.qu]
        if cfg.qu_lexical and s["has_terms"]:
            lex = s["main"] + cfg.weight * s["extra"]
            has_terms = True
    dense = corpus.vectors @ qv
    if mode == "dense":
        order = np.lexsort((corpus.ids, -dense))[:10]
        return [corpus.ext[i] for i in order]
    q2 = q if has_terms == q.has_terms else replace(q, has_terms=has_terms)
    order = fuse(dense, lex, cfg, q2, corpus.ids)
    if cfg.prf_k and cfg.prf_beta:
        centroid = corpus.vectors[order[:cfg.prf_k]].mean(axis=0)
        qv2 = qv + cfg.prf_beta * centroid
        qv2 = qv2 / np.linalg.norm(qv2)
        order = fuse(corpus.vectors @ qv2, lex, cfg, q2, corpus.ids)
    return [corpus.ext[i] for i in order[:10]]


def per_query(ranked: list[str], relevant: set[str]) -> np.ndarray:
    return np.array([recall_at(ranked, relevant, 1), recall_at(ranked, relevant, 5),
                     reciprocal_rank(ranked, relevant), ndcg_at(ranked, relevant), success_at(ranked, relevant, 5)])


def score_configs(configs: list[Config], queries: list[Query], corpora: dict[str, Corpus]) -> np.ndarray:
    return np.stack([np.stack([per_query(rank(q, corpora[q.corpus], c), q.relevant) for q in queries])
                     for c in configs])


def cross_validate(table: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Out-of-fold per-query metrics of the selection rule, and the config chosen per fold."""
    out = np.zeros(table.shape[1:])
    chosen = []
    objective = table[:, :, SELECT].sum(axis=2)
    for f in sorted(set(folds.tolist())):
        train = folds != f
        best = int(np.argmax(objective[:, train].mean(axis=1)))
        chosen.append(best)
        out[~train] = table[best, ~train]
    return out, chosen


def summary(rows: np.ndarray) -> dict[str, float]:
    return {m: round(float(v), 4) for m, v in zip(METRICS, rows.mean(axis=0))}


def fit_learned(queries: list[Query], corpora: dict[str, Corpus], idx: np.ndarray, probe_alpha: float = 0.5,
                base: Config | None = None):
    """Logistic model: does lexical evidence (ungated, ``probe_alpha``) beat dense alone for this query?"""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    base = base or Config()
    xs, ys, ws = [], [], []
    for i in idx:
        q = queries[i]
        c = corpora[q.corpus]
        dense = c.vectors @ query_vector(q, c, base)
        lex = q.lex_main + 0.3 * q.lex_extra
        if not q.has_terms or lex.max() <= 0:
            continue
        with_lex = per_query(rank(q, c, replace(base, alpha=probe_alpha, tau=1e-9)), q.relevant)
        alone = per_query(rank(q, c, base, mode="dense"), q.relevant)
        gain = with_lex[list(SELECT)].sum() - alone[list(SELECT)].sum()
        if gain == 0:
            continue
        xs.append(features(dense, lex, q, c.ids, base.gate_features))
        ys.append(int(gain > 0))
        ws.append(abs(gain))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    weights = np.array(ws) / np.mean(ws) if base.label_weighted else None
    model.fit(np.array(xs), np.array(ys), logisticregression__sample_weight=weights)
    return model


def learned_grid_cv(queries: list[Query], corpora: dict[str, Corpus], folds: np.ndarray, variants: list[Config],
                    scales=(0.1, 0.15, 0.2, 0.25, 0.35, 0.5)) -> dict[str, Any]:
    """Nested choice with the learned weight refitted per fold: (variant, scale) best on the training folds.

    Each variant is a configuration the learned weight runs on (PRF, query understanding, features, ...);
    in each fold the gate is fitted on the training folds for every variant, and the pair with the best
    training objective is applied to the held-out fold. Also returns each variant's own out-of-fold figures
    (its scale chosen per fold), for reading, not for choosing.
    """
    n = len(queries)
    out = np.zeros((n, len(METRICS)))
    own = np.zeros((len(variants), n, len(METRICS)))
    chosen = []
    for f in sorted(set(folds.tolist())):
        train = folds != f
        best = (-1.0, 0, 0)
        for v, variant in enumerate(variants):
            model = fit_learned(queries, corpora, np.where(train)[0], base=variant)
            table = np.stack([np.stack([per_query(rank(q, corpora[q.corpus],
                                                       replace(variant, rule="learned", learned=(model, s))),
                                                  q.relevant) for q in queries]) for s in scales])
            objective = table[:, train][:, :, SELECT].sum(axis=2).mean(axis=1)
            s = int(np.argmax(objective))
            own[v, ~train] = table[s, ~train]
            if objective[s] > best[0]:
                best = (float(objective[s]), v, s)
            if v == best[1] and s == best[2]:
                out[~train] = table[s, ~train]
        chosen.append(f"{variants[best[1]].label()} scale {scales[best[2]]}")
    return {"oof": out, "chosen": chosen, "own": own}


def learned_cv(queries, corpora, folds, scales=(0.1, 0.15, 0.2, 0.25, 0.35, 0.5),
               base: Config | None = None) -> tuple[np.ndarray, list[float]]:
    base = base or Config()
    out = np.zeros((len(queries), len(METRICS)))
    chosen = []
    for f in sorted(set(folds.tolist())):
        train = np.where(folds != f)[0]
        test = np.where(folds == f)[0]
        model = fit_learned(queries, corpora, train, base=base)
        tables = [np.stack([per_query(rank(queries[i], corpora[queries[i].corpus],
                                             replace(base, rule="learned", learned=(model, s))), queries[i].relevant)
                            for i in train]) for s in scales]
        best = int(np.argmax([t[:, SELECT].sum(axis=1).mean() for t in tables]))
        chosen.append(scales[best])
        for i in test:
            out[i] = per_query(rank(queries[i], corpora[queries[i].corpus],
                                    replace(base, rule="learned", learned=(model, scales[best]))), queries[i].relevant)
    return out, chosen


def export_gate(path: Path, queries: list[Query], corpora: dict[str, Corpus],
                scales=(0.1, 0.15, 0.2, 0.25, 0.35, 0.5), base: Config | None = None,
                variants: list[Config] | None = None) -> dict[str, Any]:
    """Fit the learned weight on all given queries and write it; with ``variants``, the family's choice.

    The choice is the cross-validation's selection rule applied to all development queries: the
    (variant, scale) with the best mean Recall@5 + success@5 + MRR, the gate refitted for each variant.
    """
    everything = np.arange(len(queries))
    best = None
    for variant in variants or [base or Config()]:
        model = fit_learned(queries, corpora, everything, base=variant)
        objective = [np.mean([per_query(rank(q, corpora[q.corpus], replace(variant, rule="learned",
                                                                           learned=(model, s))),
                                        q.relevant)[list(SELECT)].sum() for q in queries]) for s in scales]
        top = int(np.argmax(objective))
        if best is None or objective[top] > best[0]:
            best = (objective[top], variant, model, scales[top])
    _, base, model, scale = best
    scaler, logistic = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    path.write_text(json.dumps({
        "about": "Learned lexical weight of the hybrid fusion (issue 16): weight = scale * sigmoid(w . z + b), "
                 "z = (features - mean) / std. Fitted by bench.fusion_cv --export-gate on development queries only.",
        "features": ["log1p_lex_max", "lex_margin", "log_words", "dense_top1", "dense_top1_minus_top5",
                     "top5_overlap", "expanded"],
        "mean": scaler.mean_.round(6).tolist(), "std": scaler.scale_.round(6).tolist(),
        "weights": logistic.coef_[0].round(6).tolist(), "bias": round(float(logistic.intercept_[0]), 6),
        "scale": scale, "fitted_with": base.label()}, indent=1) + "\n", encoding="utf-8")
    return {"fitted_with": base.label(), "scale": scale, "objective": round(float(best[0]) / 3, 4)}


class JsonGate:
    """The exported learned weight (``retrieval/data/fusion_gate.json``) with sklearn's ``predict_proba``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - np.array(self.spec["mean"])) / np.array(self.spec["std"])) @ np.array(self.spec["weights"])
        p = 1.0 / (1.0 + np.exp(-(z + self.spec["bias"])))
        return np.stack([1 - p, p], axis=1)


def report_test(args) -> int:
    from bench.retrieval_eval import TEST_LOG, git_commit
    from datetime import datetime, timezone

    raw = load_queries(TEST_PART)
    configs = []
    for text in args.report_test:
        fields_ = json.loads(text)
        cfg = Config(**fields_)
        if cfg.rule == "learned":
            spec = json.loads(args.gate.read_text(encoding="utf-8"))
            cfg.learned = (JsonGate(spec), spec["scale"])
        configs.append((fields_, cfg))
    need_adapters = any(c.adapter for _, c in configs)
    corpora, queries, apps = {}, [], []
    for corpus in CORPORA:
        part = [q for q in raw if q["corpus"] == corpus]
        app, _, _, _ = open_catalogue(args.work_dir / corpus, koos=args.koos if corpus == "koos" else None,
                                      demo=corpus == "demo", backend="use", model=None, reuse=True)
        corpora[corpus], got = collect(app, part, ("nouns",), adapters=need_adapters)
        queries += got
        apps.append(app)
    if need_adapters:
        for key, matrix in list(corpora["demo"].adapters.items()):
            for c in corpora.values():
                c.adapters["demo-fitted " + key] = matrix
    out = []
    for fields_, cfg in configs:
        result: dict[str, Any] = {"overall": {}, "by_corpus": {}, "by_kind": {}}
        for mode in ("hybrid", "dense"):
            rows = np.stack([per_query(rank(q, corpora[q.corpus], cfg, mode=mode), q.relevant) for q in queries])
            result["overall"][mode] = summary(rows)
            for corpus in CORPORA:
                pick = np.array([q.corpus == corpus for q in queries])
                result["by_corpus"].setdefault(corpus, {})[mode] = summary(rows[pick])
            for kind in sorted({q.kind for q in queries}):
                pick = np.array([q.kind == kind for q in queries])
                result["by_kind"].setdefault(mode, {})[kind] = summary(rows[pick])
        line = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), **git_commit(),
                "note": args.note or "replay (bench.fusion_cv --report-test)",
                "configuration": {"replay": fields_, "gate": str(args.gate) if cfg.rule == "learned" else None},
                "queries": len(queries), **result}
        with TEST_LOG.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.append(line)
    for app in apps:
        app.extensions["prozesslotse.db"].dispose()
    print(json.dumps(out, ensure_ascii=False, indent=None if args.json else 1))
    return 0


def families(qu_variants: tuple[str, ...]) -> dict[str, list[Config]]:
    grid = [Config(alpha=a, tau=t, weight=w, expand_dense=e)
            for a, t, w, e in itertools.product((0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0), (2.0, 4.0, 8.0, 12.0, 16.0),
                                                (0.3, 0.5, 1.0), (True, False))]
    rrf = [Config(rule="rrf", rrf_k=k, weight=w) for k in (10, 30, 60) for w in (0.3, 0.5, 1.0)]
    prf = [Config()] + [Config(prf_k=k, prf_beta=b) for k in (1, 3, 5, 10) for b in (0.25, 0.5, 1.0, 2.0)]
    qu = [Config()] + [Config(qu=how, qu_min_words=m, qu_gamma=g, qu_lexical=lx)
                       for how in qu_variants for m in (12, 20) for g in (0.0, 0.5, 1.0) for lx in (False, True)
                       if g > 0 or lx]
    adapter = [Config()] + [Config(adapter=f"{name}:{lam:g}") for name in VIEW_SETS for lam in LAMBDAS]
    shipped = [Config()] + [Config(adapter=f"demo-fitted {name}:{lam:g}") for name in VIEW_SETS for lam in LAMBDAS]
    return {"gated grid (alpha, tau, expansion weight, dense expansion)": [Config()] + grid,
            "adapter (ridge map from profile views to indexed vectors)": adapter,
            "adapter fitted on the demo corpus only, used for both": shipped,
            "rrf vs gated": [Config()] + rrf, "dense PRF (Rocchio on the fused top k)": prf,
            "query understanding for long descriptions": qu}


# The default since round 2 of issue 16 (FusionParams: dense_mix, qu_method "caps", qu_min_words, qu_gamma).
DEFAULT_2 = Config(dense_mix=0.5, qu="caps", qu_min_words=20, qu_gamma=1.0)


def learned_families() -> dict[str, list[Config]]:
    """Methods on top of the learned weight (second round of issue 16); the gate is refitted per fold."""
    plain = Config()
    return {
        "learned+ (the default, refitted per fold)": [plain],
        "learned+ dense PRF (Rocchio on the fused top k)": [plain] + [
            Config(prf_k=k, prf_beta=b) for k in (3, 5, 10) for b in (0.1, 0.25, 0.5)],
        "learned+ capitalised words of long queries (no tagger)": [plain] + [
            Config(qu="caps", qu_min_words=m, qu_gamma=g) for m in (12, 20) for g in (0.5, 1.0)],
        "learned+ HanTa nouns of long queries (as measured before)": [plain, Config(qu="nouns", qu_min_words=20,
                                                                                      qu_gamma=0.5)],
        "learned+ more gate features": [plain, Config(gate_features="plus")],
        "learned+ gate labels weighted by gain": [plain, Config(label_weighted=True)],
        "learned+ z-scored fusion": [plain, Config(norm="z")],
        "learned+ dense mix of plain and expanded query": [plain] + [Config(dense_mix=m) for m in (0.25, 0.5)],
        "learned+ dense mix and capitalised words combined": [plain] + [
            Config(dense_mix=m, qu="caps" if g else "", qu_min_words=20, qu_gamma=g)
            for m in (0.0, 0.25, 0.5, 0.75) for g in (0.0, 0.5, 1.0) if m or g],
        "learned+ on the round-2 default (dense mix 0.5, capitalised words)": [replace(DEFAULT_2, **extra) for extra in (
            {}, {"gate_features": "plus"}, {"label_weighted": True}, {"norm": "z"},
            {"prf_k": 5, "prf_beta": 0.25}, {"prf_k": 3, "prf_beta": 0.1}, {"qu_gamma": 0.5}, {"qu_min_words": 12})],
        "learned+ cheaper for long queries (no dense mix from 20 words on)": [
            DEFAULT_2, replace(DEFAULT_2, mix_below=20), replace(DEFAULT_2, mix_below=20, qu_gamma=0.5)],
        "learned+ dense mix below 20 words, capitalised words from 20 (run 14, not kept)": [
            replace(DEFAULT_2, mix_below=20, qu_gamma=g) for g in (0.5, 1.0)],
    }


def collect_all(args, raw: list[dict[str, Any]], qu_variants: tuple[str, ...]):
    """Corpora and queries of every catalogue, from ``--cache`` when it was written for the same queries."""
    import pickle

    adapters = not args.families or "adapter" in args.families
    key = hashlib.sha256(json.dumps([sorted(q["qid"] for q in raw), qu_variants, adapters]).encode()).hexdigest()
    if args.cache and args.cache.exists():
        cached = pickle.loads(args.cache.read_bytes())
        if cached["key"] == key:
            return cached["corpora"], cached["queries"], None
    corpora: dict[str, Corpus] = {}
    queries: list[Query] = []
    apps = {}
    for corpus in CORPORA:
        part = [q for q in raw if q["corpus"] == corpus]
        if not part or (corpus == "koos" and not args.koos) or (corpus == "demo" and not args.demo):
            continue
        app, _, _, _ = open_catalogue(args.work_dir / corpus, koos=args.koos if corpus == "koos" else None,
                                      demo=corpus == "demo", backend="use", model=None, reuse=True)
        corpora[corpus], got = collect(app, part, qu_variants, adapters=adapters)
        queries += got
        apps[corpus] = (app, part)
    if args.cache:
        args.cache.write_bytes(pickle.dumps({"key": key, "corpora": corpora, "queries": queries}))
    return corpora, queries, apps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--koos", type=Path)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--queries", type=Path, nargs="+", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--families", default="", help="comma-separated name prefixes to run (default: all)")
    parser.add_argument("--check", action="store_true", help="compare the replay with the product path")
    parser.add_argument("--check-config", default="{}", metavar="CONFIG_JSON",
                        help="configuration for --check (rule 'learned' uses --gate; qu 'nouns' maps to qu_min_words)")
    parser.add_argument("--export-gate", type=Path, help="fit the learned lexical weight on all given queries, "
                        "scale chosen on them, and write it as JSON for the engine")
    parser.add_argument("--export-family", metavar="NAME_PREFIX", help="with --export-gate: the configuration is "
                        "the choice of this 'learned+' family on all given queries (instead of --export-base)")
    parser.add_argument("--export-base", default="{}", metavar="CONFIG_JSON",
                        help="the configuration the exported learned weight is used with (default: the default)")
    parser.add_argument("--report-test", nargs="+", metavar="CONFIG_JSON",
                        help="instead of CV: replay these fixed configurations (JSON objects of Config fields) on "
                             "the blind test part, once each; every one is appended to the test-run log")
    parser.add_argument("--gate", type=Path, default=Path(__file__).resolve().parents[1] / "retrieval" / "data"
                        / "fusion_gate.json", help="learned-weight model for configurations with rule 'learned'")
    parser.add_argument("--note", default="")
    parser.add_argument("--cache", type=Path, help="pickle of the collected vectors and scores, reused when the "
                        "queries match (development data only; not with --check)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.report_test:
        return report_test(args)
    if any(p.resolve() == TEST_PART.resolve() for p in args.queries):
        parser.error("the blind test part is for reporting only; cross-validate on development data")
    raw = []
    for path in args.queries:
        for q in load_queries(path):
            q["_source"] = path.stem
            raw.append(q)
    qu_variants = ("nouns", "nounsverbs", "first", "caps")
    if args.check and args.cache:
        parser.error("--check needs the catalogues; run it without --cache")
    corpora, queries, apps = collect_all(args, raw, qu_variants)
    apps = apps or {}
    if "demo" in corpora and corpora["demo"].adapters:
        # What could ship like the projection: an adapter fitted on the demo corpus, used for every catalogue.
        for key, matrix in list(corpora["demo"].adapters.items()):
            for c in corpora.values():
                c.adapters["demo-fitted " + key] = matrix
    report: dict[str, Any] = {"queries": len(queries), "folds": args.folds, "families": {}}
    base = score_configs([Config()], queries, corpora)[0]
    dense = np.stack([per_query(rank(q, corpora[q.corpus], Config(), mode="dense"), q.relevant) for q in queries])
    report["default"] = {"hybrid": summary(base), "dense": summary(dense)}
    blind = np.array([q.source == "dev" for q in queries])
    report["default_blind_dev"] = {"hybrid": summary(base[blind]), "dense": summary(dense[blind])}
    if args.check:
        from app import search as search_service
        from bench.retrieval_eval import run_queries
        from retrieval.engine import FusionParams

        fields_ = json.loads(args.check_config)
        cfg = Config(**fields_)
        params = FusionParams(rule=cfg.rule, gate_model=args.gate.name,
                              qu_min_words=cfg.qu_min_words if cfg.qu in ("nouns", "caps") else 0,
                              qu_gamma=cfg.qu_gamma, qu_method=cfg.qu or "nouns", dense_mix=cfg.dense_mix,
                              dense_mix_below=cfg.mix_below)
        if cfg.rule == "learned":
            spec = json.loads(args.gate.read_text(encoding="utf-8"))
            cfg.learned = (JsonGate(spec), spec["scale"])
        mismatches, rows = [], {"replay": [], "product": []}
        for corpus, (app, part) in apps.items():
            with app.app_context():
                search_service.engine().fusion = params
            runs = run_queries(app, part, modes=("hybrid", "dense"))
            mine = [q for q in queries if q.corpus == corpus]
            for q, (ranked_h, _, _), (ranked_d, _, _) in zip(mine, runs["hybrid"], runs["dense"]):
                c = corpora[corpus]
                replay = rank(q, c, cfg)
                rows["replay"].append(per_query(replay, q.relevant))
                rows["product"].append(per_query(ranked_h, q.relevant))
                if ranked_h != replay or ranked_d != rank(q, c, cfg, mode="dense"):
                    mismatches.append(q.qid)
        report["check"] = {"config": fields_, "mismatches": mismatches,
                           "replay": summary(np.stack(rows["replay"])), "product": summary(np.stack(rows["product"]))}
    folds = assign_folds(queries, args.folds)
    wanted = [s.strip() for s in args.families.split(",") if s.strip()]
    for name, variants in learned_families().items():
        if not any(name.startswith(w) for w in wanted if w.startswith("learned+")):
            continue
        got = learned_grid_cv(queries, corpora, folds, variants)
        report["families"][name] = {
            "variants": len(variants), "cv": summary(got["oof"]), "cv_blind_dev": summary(got["oof"][blind]),
            "chosen_per_fold": got["chosen"],
            "each_variant_cv": {v.label(): summary(rows) for v, rows in zip(variants, got["own"])}}
        print(name, report["families"][name], file=sys.stderr)
    for name, configs in families(qu_variants).items():
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        table = score_configs(configs, queries, corpora)
        oof, chosen = cross_validate(table, folds)
        best_all = int(np.argmax(table[:, :, SELECT].sum(axis=2).mean(axis=1)))
        report["families"][name] = {
            "configs": len(configs), "cv": summary(oof), "cv_blind_dev": summary(oof[blind]),
            "chosen_per_fold": [configs[i].label() for i in chosen],
            "best_on_all_dev": configs[best_all].label(), "best_on_all_dev_figures": summary(table[best_all]),
        }
        print(name, report["families"][name], file=sys.stderr)
    if not wanted or any(w.startswith("learned") and not w.startswith("learned+") for w in wanted):
        oof, chosen = learned_cv(queries, corpora, folds)
        report["families"]["learned lexical weight (logistic over query features)"] = {
            "cv": summary(oof), "cv_blind_dev": summary(oof[blind]), "chosen_scale_per_fold": chosen}
        qu = Config(qu="nouns", qu_gamma=0.5, qu_min_words=20)
        oof, chosen = learned_cv(queries, corpora, folds, base=qu)
        report["families"]["learned lexical weight + query understanding (nouns, gamma 0.5, >= 20 words)"] = {
            "cv": summary(oof), "cv_blind_dev": summary(oof[blind]), "chosen_scale_per_fold": chosen}
        for key in ("all:30", "demo-fitted all:30"):
            if all(key in c.adapters for c in corpora.values()):
                oof, chosen = learned_cv(queries, corpora, folds, base=replace(qu, adapter=key))
                report["families"][f"learned lexical weight + query understanding + adapter {key}"] = {
                    "cv": summary(oof), "cv_blind_dev": summary(oof[blind]), "chosen_scale_per_fold": chosen}
    if args.export_gate:
        variants = next((v for n, v in learned_families().items() if n.startswith(args.export_family)), None) \
            if args.export_family else None
        if args.export_family and variants is None:
            parser.error(f"no 'learned+' family starts with {args.export_family!r}")
        report["exported"] = export_gate(args.export_gate, queries, corpora,
                                         base=Config(**json.loads(args.export_base)), variants=variants)
    for corpus, (app, _) in apps.items():
        app.extensions["prozesslotse.db"].dispose()
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
