"""Retrieval backends: Chroma server mode, sentence-transformers, langchain adapter, embedding cache,
and a fixed relevance check on the demo corpus that fails if quality drops."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from app import create_app
from app import search as search_service
from retrieval.cache import CachedEmbedder, EmbeddingCache
from retrieval.embedders import SentenceTransformerEmbedder, USEEmbedder
from retrieval.langchain_adapter import LangChainEmbeddings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    binary = shutil.which("chroma") or str(Path(__import__("sys").executable).parent / "chroma")
    port = _free_port()
    process = subprocess.Popen([binary, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chroma server did not start")
    yield process, port
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.sqlite_only
def test_search_against_a_real_chroma_server(chroma_server, app_config, runner, make_user):
    process, port = chroma_server
    app = create_app(app_config | {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": port})
    cli = app.test_cli_runner()
    assert cli.invoke(args=["corpus", "load"]).exit_code == 0
    with app.app_context():
        engine = search_service.engine()
        assert not (Path(app_config["DATA_DIR"]) / "chroma").exists()  # nothing stored locally
        assert engine.vector.count() == len(engine.vector.views) * engine.count()  # all vectors on the server
        response = search_service.search("Hund anmelden Steuer", k=3, mode="dense")
        assert response.results and not response.degraded
        process.terminate()
        process.wait(timeout=10)
        engine.vector._collection = None  # a new request finds the server gone
        degraded = search_service.search("Hundesteuer", k=3)
        assert degraded.degraded and degraded.results
        assert "hundesteuer" in degraded.results[0].metadata["group"]
    app.extensions["prozesslotse.db"].dispose()


def test_use_embedder_is_normalised_and_german_aware():
    embedder = USEEmbedder()
    vectors = embedder.encode(["Hund anmelden", "Hundesteuer anmelden", "Baugenehmigung beantragen"])
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_sentence_transformers_backend_loads_shipped_model_offline():
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.encode(["Antrag prüfen", "Bescheid versenden"])
    assert vectors.shape == (2, embedder.dimension) and embedder.dimension == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_sentence_transformers_refuses_hub_ids():
    with pytest.raises(ValueError, match="local model directory"):
        SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")


def test_langchain_adapter():
    adapter = LangChainEmbeddings(USEEmbedder())
    documents = adapter.embed_documents(["Gewerbe anmelden", "Sperrmüll"])
    query = adapter.embed_query("Gewerbeanzeige")
    assert len(documents) == 2 and len(query) == 512
    assert np.dot(query, documents[0]) > np.dot(query, documents[1])


def test_embedding_cache_embeds_only_what_changed(tmp_path):
    class Counting:
        name, dimension = "counting", 3

        def __init__(self):
            self.seen = []

        def encode(self, texts):
            self.seen.extend(texts)
            return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)

    inner = Counting()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    first = cached.encode(["a", "bb", "a"])
    second = cached.encode(["bb", "ccc"])
    assert inner.seen == ["a", "bb", "ccc"]
    assert first[0].tolist() == first[2].tolist() and second[0].tolist() == first[1].tolist()


# Each query must find its process family among the first three results (grouped search).
FIXED_QUERIES = [
    ("Hund anmelden Steuer", "hundesteuer-anmeldung"),
    ("Gewerbeanzeige", "gewerbe-anmeldung"),
    ("Ich ziehe in eine neue Wohnung und muss mich ummelden", "wohnsitz-anmeldung"),
    ("Sperrmüll abholen lassen", "sperrmuell-anmelden"),
    ("Baum im Garten fällen", "baumfaellgenehmigung"),
    ("Rechnung eines Lieferanten prüfen und zur Zahlung anweisen", "eingangsrechnung-bearbeiten"),
    ("Kita-Platz für mein Kind", "kita-platzvergabe"),
    ("Urlaub beantragen", "urlaubsantrag"),
    ("Tagesordnung und Einladung für die Ratssitzung", "sitzung-vorbereiten"),
    ("Grab für die Urne aussuchen", "grabstelle-vergeben"),
]


@pytest.mark.sqlite_only
def test_fixed_relevance_on_demo_corpus(app, runner):
    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    misses = []
    with app.app_context():
        for query, family in FIXED_QUERIES:
            groups = [h.metadata["group"] for h in search_service.search(query, k=3).results]
            if family not in groups:
                misses.append((query, family, groups))
    assert not misses, misses
