"""The synthetic scale corpus of the search performance benchmark (bench/synthetic.py)."""

from __future__ import annotations

from app.domain import ProcessProfile
from app.domain.catalogue import KINDS
from bench.synthetic import (EVERYDAY_QUERIES, OBJECTS, SOURCE, benchmark_queries, synthetic_profile,
                             synthetic_profiles)
from retrieval.documents import to_indexed


def test_generator_is_deterministic_and_lazy_prefix_stable():
    first = [p.model_dump() for p in synthetic_profiles(40, seed=7)]
    again = [p.model_dump() for p in synthetic_profiles(40, seed=7)]
    assert first == again
    # Profile n depends only on (seed, n): a small corpus is the prefix of a large one.
    assert [p.model_dump() for p in synthetic_profiles(10, seed=7)] == first[:10]
    assert synthetic_profile(3, seed=8).model_dump() != first[2]
    assert benchmark_queries(200) == benchmark_queries(200)


def test_profiles_are_valid_and_labelled_synthetic():
    profiles = list(synthetic_profiles(200))
    assert [p.id for p in profiles] == list(range(1, 201))
    for profile in profiles:
        assert isinstance(profile, ProcessProfile)
        # Round trip through validation: the generator builds nothing the model would reject.
        assert ProcessProfile.model_validate(profile.model_dump()) == profile
        assert profile.source == SOURCE == "synthetic-scale-corpus"
        assert profile.external_id == f"synthetic:{profile.id}"
        assert profile.municipality and profile.municipality.startswith("Synth")
        assert 5 <= len(profile.steps) <= 12
        assert all(step.kind in KINDS and step.label for step in profile.steps)
        assert profile.description and profile.legal_basis and profile.org_unit
        doc = to_indexed(profile, municipality_id=1)
        assert doc.metadata["external_id"].startswith("synthetic:")
    assert len({p.process_key for p in profiles}) > 100
    assert len(OBJECTS) >= 150 and len(set(OBJECTS)) == len(OBJECTS)


def test_queries_mix_everyday_and_generated():
    queries = benchmark_queries(200)
    assert len(queries) == len(set(queries)) == 200
    assert queries[:len(EVERYDAY_QUERIES)] == list(EVERYDAY_QUERIES)
    assert len(EVERYDAY_QUERIES) >= 30
    assert any(len(q.split()) == 1 for q in queries) and any(q.endswith("?") for q in queries)
