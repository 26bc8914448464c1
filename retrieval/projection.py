"""A fixed linear projection that shrinks sentence vectors before they are indexed.

Chroma keeps every vector in memory as float32. At 100,000 profiles the
512-dimensional USE vectors alone took about 265 MB of a search worker's
memory; projected onto their first 256 principal axes they take half, while
retrieval quality stays the same within noise (KOOS hybrid Recall@5 0.787
vs 0.788, MRR 0.802 vs 0.797; docs/benchmarks.md).

The axes are fitted once on sentences of our own demo corpus (``flask index
fit-projection``) and shipped in ``data/``, so queries and documents are
always projected the same way, also before the first index rebuild. The
vectors are not centred: the index compares them by cosine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .embedders import Embedder, _normalise

DATA_DIR = Path(__file__).with_name("data")


def shipped_path(embedder_name: str, dimension: int) -> Path:
    return DATA_DIR / f"{embedder_name}.pca{dimension}.npy"


def fit(vectors: np.ndarray, dimension: int) -> np.ndarray:
    """The ``(input, dimension)`` matrix of the top principal axes of ``vectors`` (uncentred)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < dimension or not 0 < dimension <= vectors.shape[1]:
        raise ValueError(f"need at least {dimension} vectors of more than {dimension} dimensions")
    _, _, axes = np.linalg.svd(vectors, full_matrices=False)
    return axes[:dimension].T.astype(np.float32)


def kept_energy(vectors: np.ndarray, matrix: np.ndarray) -> float:
    """Share of the vectors' squared length the projection keeps (1.0 = lossless)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    return float(np.square(vectors @ matrix).sum() / np.square(vectors).sum())


class ProjectedEmbedder:
    """Wraps an embedder; its vectors are projected and normalised again."""

    def __init__(self, inner: Embedder, matrix: np.ndarray) -> None:
        if matrix.ndim != 2 or matrix.shape[0] != inner.dimension:
            raise ValueError(f"projection expects {matrix.shape[0]}-d vectors, {inner.name} gives {inner.dimension}")
        self.inner = inner
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.dimension = int(matrix.shape[1])
        self.name = f"{inner.name}-pca{self.dimension}"

    @classmethod
    def shipped(cls, inner: Embedder, dimension: int) -> "ProjectedEmbedder":
        path = shipped_path(inner.name, dimension)
        if not path.exists():
            raise ValueError(f"No {dimension}-dimensional projection is shipped for {inner.name} ({path.name}).")
        return cls(inner, np.load(path))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _normalise(self.inner.encode(texts) @ self.matrix)
