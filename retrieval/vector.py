"""Vector index on chromadb: embedded ``PersistentClient`` or a Chroma server.

Telemetry is off and collections have no embedding function: we always pass
our own vectors (chromadb's default function would try to download a
model). HNSW runs in cosine space with ``ef_construction``/``ef_search``
chosen so approximate results agree with exact search (recall@10 ≥ 0.98,
measured in ``bench/search_perf.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

COLLECTION = "prozesslotse-profiles"
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 128, "max_neighbors": 32}


class VectorIndexUnavailable(RuntimeError):
    """The vector store cannot be reached; callers fall back to lexical search."""


def make_client(*, path: Path | None = None, host: str | None = None, port: int = 8000):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class VectorIndex:
    def __init__(self, client_factory, *, collection: str = COLLECTION, hnsw: dict[str, Any] | None = None) -> None:
        self._client_factory = client_factory
        self._client = None
        self._collection = None
        self.collection_name = collection
        self.hnsw = dict(HNSW, **(hnsw or {}))

    def _get(self):
        if self._collection is None:
            try:
                self._client = self._client_factory()
                self._collection = self._client.get_or_create_collection(
                    self.collection_name, embedding_function=None, configuration={"hnsw": self.hnsw})
            except Exception as exc:  # connection refused, server error, …
                self._client = None
                raise VectorIndexUnavailable(str(exc)) from exc
        return self._collection

    def _call(self, method: str, **kwargs):
        try:
            return getattr(self._get(), method)(**kwargs)
        except VectorIndexUnavailable:
            raise
        except Exception as exc:
            # A server that went away invalidates the cached handle.
            if _looks_like_connection_error(exc):
                self._collection = None
                raise VectorIndexUnavailable(str(exc)) from exc
            raise

    def reset(self) -> None:
        collection = self._get()
        try:
            self._client.delete_collection(self.collection_name)  # type: ignore[union-attr]
        finally:
            self._collection = None
        del collection
        self._get()

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]],
               documents: Sequence[str] | None = None, batch: int = 1000) -> None:
        for start in range(0, len(ids), batch):
            stop = start + batch
            self._call("upsert", ids=[str(i) for i in ids[start:stop]], embeddings=vectors[start:stop],
                       metadatas=[_clean(m) for m in metadatas[start:stop]],
                       documents=list(documents[start:stop]) if documents is not None else None)

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._call("delete", ids=[str(i) for i in ids])

    def count(self) -> int:
        return int(self._call("count"))

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None) -> tuple[list[int], list[float]]:
        """Nearest ``n`` ids and cosine similarities (1 - distance)."""
        total = self.count()
        if total == 0:
            return [], []
        result = self._call("query", query_embeddings=[vector], n_results=min(n, total), where=where or None,
                            include=["distances"])
        ids = [int(i) for i in result["ids"][0]]
        sims = [1.0 - float(d) for d in result["distances"][0]]
        return ids, sims

    def vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        if not ids:
            return {}
        result = self._call("get", ids=[str(i) for i in ids], include=["embeddings"])
        return {int(i): np.asarray(e, dtype=np.float32) for i, e in zip(result["ids"], result["embeddings"])}

    def all_ids(self) -> set[int]:
        result = self._call("get", include=[])
        return {int(i) for i in result["ids"]}


def _clean(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if isinstance(v, (str, int, float, bool))}


def _looks_like_connection_error(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(word in text for word in ("connect", "timeout", "refused", "unavailable", "502", "503"))
