"""The shipped projection of sentence vectors and its configuration."""

from __future__ import annotations

import numpy as np
import pytest

from app import create_app
from app.search import collection_name, embedding_dimensions, make_configured_embedder
from retrieval import projection
from retrieval.projection import ProjectedEmbedder


class FakeEmbedder:
    """Deterministic vectors with most of their energy in a few directions."""

    name = "use-multilingual-v3"
    dimension = 512

    def encode(self, texts):
        rng = np.random.default_rng(len(texts))
        low = rng.normal(size=(len(texts), 8)) @ rng.normal(size=(8, self.dimension))
        vectors = low + 0.01 * rng.normal(size=(len(texts), self.dimension))
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_fit_finds_orthonormal_axes_that_keep_the_energy():
    vectors = FakeEmbedder().encode(["x"] * 200)
    matrix = projection.fit(vectors, 16)
    assert matrix.shape == (512, 16)
    assert np.allclose(matrix.T @ matrix, np.eye(16), atol=1e-4)
    assert projection.kept_energy(vectors, matrix) > 0.99
    with pytest.raises(ValueError):
        projection.fit(vectors[:10], 16)


def test_shipped_projection_for_use_is_loaded_and_normalises():
    embedder = ProjectedEmbedder.shipped(FakeEmbedder(), 256)
    assert embedder.name == "use-multilingual-v3-pca256" and embedder.dimension == 256
    vectors = embedder.encode(["Hund anmelden", "Baugenehmigung beantragen"])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.encode([]).shape == (0, 256)
    matrix = np.load(projection.shipped_path("use-multilingual-v3", 256))
    assert np.allclose(matrix.T @ matrix, np.eye(256), atol=1e-3)  # orthonormal axes


def test_missing_or_mismatched_projection_is_refused():
    with pytest.raises(ValueError, match="No 128-dimensional projection"):
        ProjectedEmbedder.shipped(FakeEmbedder(), 128)
    with pytest.raises(ValueError, match="expects 512-d"):
        ProjectedEmbedder(type("Small", (), {"name": "x", "dimension": 384})(), np.zeros((512, 8)))


@pytest.mark.parametrize(("raw", "expected"), [(None, 256), ("", 256), ("256", 256), ("full", None), ("0", None)])
def test_embedding_dimensions_setting(raw, expected):
    assert embedding_dimensions({"EMBEDDING_BACKEND": "use", "EMBEDDING_DIMENSIONS": raw}) == expected


def test_sentence_transformers_keep_their_full_vectors_by_default():
    assert embedding_dimensions({"EMBEDDING_BACKEND": "sentence-transformers"}) is None


@pytest.mark.parametrize("raw", ["viel", "-3", "2.5"])
def test_bad_embedding_dimensions_fail_at_start(app_config, raw):
    with pytest.raises(ValueError, match="EMBEDDING_DIMENSIONS"):
        create_app(app_config | {"EMBEDDING_DIMENSIONS": raw})


def test_collection_name_carries_the_dimensions():
    assert collection_name("use", None, 256) != collection_name("use", None, None)
    assert collection_name("use", None, 256).endswith("-256")


def test_default_app_embedder_is_the_projected_use():
    embedder = make_configured_embedder({"EMBEDDING_BACKEND": "use", "EMBEDDING_MODEL": None})
    assert embedder.dimension == 256 and embedder.name.endswith("-pca256")


@pytest.mark.sqlite_only
def test_fit_projection_command_writes_a_usable_matrix(runner, tmp_path):
    target = tmp_path / "axes.npy"
    result = runner.invoke(args=["index", "fit-projection", "--dimension", "32", "--out", str(target), "--json"])
    assert result.exit_code == 0, result.output
    report = __import__("json").loads(result.output.strip().splitlines()[-1])
    assert report["sentences"] > 1000 and report["dimension"] == 32 and 0.5 < report["kept_energy"] <= 1.0
    assert np.load(target).shape == (512, 32)


def test_fit_projection_command_reports_a_broken_corpus_in_german(runner, tmp_path):
    result = runner.invoke(args=["index", "fit-projection", "--corpus", str(tmp_path), "--out", str(tmp_path / "x.npy")])
    assert result.exit_code != 0
    assert "Korpus" in result.output
