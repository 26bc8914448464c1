"""Issue 16: blind split, test-run log, learned fusion weight and query understanding."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from pathlib import Path

from bench import blind_split, retrieval_eval
from retrieval import engine as engine_module
from retrieval.engine import gate_features, learned_weight


def test_blind_split_is_fixed_stratified_and_large_enough():
    assert blind_split.main(["--check"]) == 0
    dev = blind_split.read(blind_split.BLIND / "dev.jsonl")
    test = blind_split.read(blind_split.BLIND / "test.jsonl")
    assert len(test) >= 120
    assert not {q["qid"] for q in dev} & {q["qid"] for q in test}
    strata = lambda qs: Counter((q["corpus"], q["kind"]) for q in qs)  # noqa: E731
    for key, n in strata(test).items():
        assert abs(n - strata(dev)[key]) <= 1


def test_every_test_part_run_is_logged(tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setattr(retrieval_eval, "TEST_LOG", log)
    figures = {"hybrid": {"recall@5": 0.5}}
    report = {"configuration": {"fusion": {"rule": "learned"}}, "queries": 2,
              "overall": {"modes": figures, "by_kind": {}}, "parts": {"koos": {"modes": figures}}}
    retrieval_eval.log_test_run(report, "note")
    retrieval_eval.log_test_run(report, "again")
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["note"] for line in lines] == ["note", "again"]
    assert {"date", "commit", "dirty", "configuration", "overall", "by_corpus"} <= set(lines[0])


def test_learned_weight_is_zero_without_lexical_evidence_and_grows_with_it():
    dense = {i: 0.6 - 0.01 * i for i in range(10)}
    assert learned_weight("fusion_gate.json", dense, {}, 0.0, 5, False) == 0.0
    weak = learned_weight("fusion_gate.json", dense, {20: 1.0, 21: 0.5}, 1.0, 5, False)
    strong = learned_weight("fusion_gate.json", dense, {20: 20.0, 21: 10.0}, 20.0, 5, False)
    scale = json.loads((Path(engine_module.__file__).parent / "data" / "fusion_gate.json").read_text())["scale"]
    assert 0.0 < weak < strong <= scale


def test_engine_features_match_the_bench_replay():
    from bench.fusion_cv import Query, features

    rng = np.random.default_rng(16)
    dense = rng.random(40)
    lex = np.where(rng.random(40) > 0.7, rng.random(40) * 10, 0.0)
    ids = np.arange(100, 140)
    q = Query("x", "koos", "keyword", "", set(), 7, np.zeros(2), np.zeros(2), lex, np.zeros(40), True, True)
    engine = gate_features({int(i): float(d) for i, d in zip(ids, dense)},
                           {int(i): float(s) for i, s in zip(ids, lex) if s > 0}, float(lex.max()), 7, True)
    assert np.allclose(engine, features(dense, lex, q, ids))


def test_nouns_of_a_long_description():
    from retrieval.query_understanding import nouns

    short = nouns("Bei uns kommen die Anträge auf Wohngeld per Post, wir prüfen das Einkommen und schicken den Bescheid")
    assert {"Wohngeld", "Einkommen", "Bescheid"} <= set(short.split())
    assert nouns("") == ""


@pytest.mark.sqlite_only
def test_long_queries_are_also_searched_by_their_nouns(app, runner):
    from app import search as search_service

    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    long = ("Also bei uns im Bürgerbüro kommen die Leute mit ihrem Umzug vorbei, dann nehmen wir die neue "
            "Adresse auf, prüfen den Ausweis und geben eine Bestätigung mit")
    with app.app_context():
        engine = search_service.engine()
        assert engine.fusion.rule == "learned" and engine.fusion.qu_min_words == 20
        assert engine.fusion.qu_method == "caps"  # no tagger in the query path (latency)
        engine.fusion.qu_min_words = 0
        assert "understand" not in search_service.search(long, k=3).timings_ms
        engine.fusion.qu_min_words = 20
        response = search_service.search(long, k=3)
        assert "understand" in response.timings_ms
        assert any("wohnsitz" in h.metadata["group"] for h in response.results)
        short = search_service.search("Wohnsitz anmelden", k=3)
        assert "understand" not in short.timings_ms


def test_capitalised_words_stand_in_for_nouns_without_a_tagger():
    from retrieval.query_understanding import capitalised

    text = "Also bei uns kommen die Leute mit ihrem Umzug vorbei. Wir prüfen den Ausweis und die Leute gehen"
    assert capitalised(text) == "Leute Umzug Ausweis"  # "Also", "Wir": stop words; each word once
    assert capitalised("nur kleine wörter") == ""


class _FakeEmbedder:
    """Deterministic unit vectors per text, to compare the product's query vector with the replay's."""

    def encode(self, texts):
        out = []
        for text in texts:
            v = np.random.default_rng(abs(hash(text)) % 2**32).standard_normal(8).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out)


@pytest.mark.parametrize("mix,min_words,below", [(0.0, 0, 0), (0.5, 0, 0), (0.5, 5, 0), (0.25, 50, 0), (0.5, 5, 5), (0.5, 0, 5),
                                                 (0.5, 5, 50)])
def test_product_query_vector_equals_the_replay(mix, min_words, below):
    from bench.fusion_cv import Config, Corpus, Query, query_vector as replay_vector
    from retrieval.engine import FusionParams
    from retrieval.fusion import query_vector
    from retrieval.query_understanding import capitalised

    embedder = _FakeEmbedder()
    text, expansion = "Wir melden den Umzug der Familie beim Bürgeramt und beantragen Ausweis", "Wohnsitz"
    q_exp, q_plain = embedder.encode([f"{text} ({expansion})", text])
    q = Query("x", "koos", "description", "", set(), len(text.split()), q_exp, q_plain, np.zeros(1), np.zeros(1),
              True, True, short={"caps": {"vec": embedder.encode([capitalised(text)])[0]}})
    cfg = Config(dense_mix=mix, qu="caps" if min_words else "", qu_min_words=min_words, qu_gamma=1.0,
                 mix_below=below)
    params = FusionParams(dense_mix=mix, qu_min_words=min_words, qu_gamma=1.0, qu_method="caps",
                          dense_mix_below=below)
    timings = {}
    product = query_vector(embedder, text, expansion, params, timings)
    assert np.allclose(product, replay_vector(q, Corpus([], np.zeros((0, 8)), np.zeros(0)), cfg), atol=1e-6)
    assert ("understand" in timings) == (0 < min_words <= len(text.split()))
    if (mix == 0.0 or 0 < below <= len(text.split())) and not min_words:
        assert np.allclose(product, q_exp)
    elif not min_words:
        assert not np.allclose(product, q_exp) and not np.allclose(product, q_plain)


def test_template_choice_reads_both_case_formats():
    from bench.template_choice import expected_process

    assert expected_process({"template_source": "corpus/profiles/x/wohnsitz-anmeldung.yaml"}) == "wohnsitz-anmeldung"
    assert expected_process({"template_source": None}) is None
    assert expected_process({"in_corpus": True, "corpus_key": "hundesteuer"}) == "hundesteuer"
    assert expected_process({"in_corpus": False, "corpus_key": "hundesteuer"}) is None


@pytest.mark.parametrize("gate,params", [
    ("fusion_gate.json", {}),
    ("fusion_gate_short_mix.json", {"dense_mix_below": 20, "qu_gamma": 0.5}),  # run 14's variant, not default
])
def test_gate_files_were_fitted_with_the_configuration_they_serve(gate, params):
    from retrieval.engine import FusionParams

    fusion = FusionParams(gate_model=gate, **params)
    fitted = json.loads(json.loads((Path(engine_module.__file__).parent / "data" / gate).read_text())["fitted_with"])
    assert fitted == {"dense_mix": fusion.dense_mix, "qu": fusion.qu_method, "qu_gamma": fusion.qu_gamma,
                      "qu_min_words": fusion.qu_min_words, **({"mix_below": fusion.dense_mix_below}
                                                             if fusion.dense_mix_below else {})}
