"""Vector index on chromadb: embedded ``PersistentClient`` or a Chroma server.

Telemetry is off and collections have no embedding function: we always pass
our own vectors (chromadb's default function would try to download a
model). HNSW runs in cosine space with ``ef_construction``/``ef_search``
chosen so approximate results agree with exact search (ef_search 256: recall@10 0.984 at 100,000 profiles, ≥ 0.99 below;
measured in ``bench/search_perf.py``).
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

COLLECTION = "prozesslotse-profiles"
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 512, "max_neighbors": 32}


class VectorIndexUnavailable(RuntimeError):
    """The vector store cannot be reached; callers fall back to lexical search."""


class EmbeddedIndexBusy(VectorIndexUnavailable):
    """Another process holds the embedded index; several processes need a Chroma server."""


_owned_locks: dict[str, object] = {}


def claim_embedded(path: Path) -> None:
    """Make this process the only one using the embedded index at ``path``.

    Chroma's embedded client keeps its HNSW index and caches in process
    memory; a second process writing the same directory leaves the first with
    a stale view ("Error finding id"). A lock file held for the life of the
    process turns that silent corruption into a clear error.
    """
    key = str(path.resolve())
    if key in _owned_locks:
        return
    path.mkdir(parents=True, exist_ok=True)
    handle = open(path / ".prozesslotse-owner.lock", "a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise EmbeddedIndexBusy(
            f"The embedded vector index in {path} is used by another process. Several processes "
            "(gunicorn workers, a CLI job beside the app) must share a Chroma server: set CHROMA_HOST "
            "(make run starts one).") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _owned_locks[key] = handle


def release_embedded(path: Path) -> None:
    """Give up this process's claim on the embedded index at ``path``.

    For tools that build an index and then hand the directory to a child
    process they wait for (the benchmark measures search in a fresh process);
    this process must not use its client afterwards.
    """
    handle = _owned_locks.pop(str(path.resolve()), None)
    if handle is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def make_client(*, path: Path | None = None, host: str | None = None, port: int = 8000):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    assert path is not None
    claim_embedded(path)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class VectorIndex:
    def __init__(self, client_factory, *, collection: str = COLLECTION, hnsw: dict[str, Any] | None = None,
                 views: Sequence[str] = ("full",)) -> None:
        self._client_factory = client_factory
        # The vectors stored per document; a query scores against the best one.
        self.views = tuple(views)
        self._client = None
        self._collection = None
        self.collection_name = collection
        self.hnsw = dict(HNSW, **(hnsw or {}))
        # chromadb's client set-up is not safe against concurrent first use from several threads.
        self._lock = threading.Lock()

    def _get(self):
        if self._collection is not None:
            return self._collection
        with self._lock:
            if self._collection is not None:
                return self._collection
            try:
                self._client = self._client_factory()
                self._collection = self._client.get_or_create_collection(
                    self.collection_name, embedding_function=None, configuration={"hnsw": self.hnsw})
            except Exception as exc:  # connection refused, server error, …
                self._client = None
                raise VectorIndexUnavailable(str(exc)) from exc
            return self._collection

    def _call(self, method: str, **kwargs):
        """Any failure of the store (server gone, broken collection) becomes ``VectorIndexUnavailable``."""
        try:
            return getattr(self._get(), method)(**kwargs)
        except VectorIndexUnavailable:
            raise
        except Exception as exc:
            # A server that went away, or a collection dropped by a rebuild, invalidates the cached handle.
            self._collection = None
            raise VectorIndexUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def reset(self) -> None:
        """Start this collection empty."""
        self.drop()
        self._get()

    def drop(self) -> None:
        self._get()
        try:
            self._client.delete_collection(self.collection_name)  # type: ignore[union-attr]
        finally:
            self._collection = None

    def collection_names(self) -> list[str]:
        self._get()
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]  # type: ignore[union-attr]

    def upsert(self, ids: Sequence[int], views: dict[str, np.ndarray], metadatas: Sequence[dict[str, Any]],
               batch: int = 1000) -> None:
        """Store one vector per view of each document (e.g. its title and its full text)."""
        for start in range(0, len(ids), batch):
            stop = start + batch
            chunk_ids = ids[start:stop]
            meta = [_clean(m) for m in metadatas[start:stop]]
            all_ids, all_vectors, all_meta = [], [], []
            for view, vectors in views.items():
                all_ids.extend(_vector_id(i, view) for i in chunk_ids)
                all_vectors.append(vectors[start:stop])
                all_meta.extend(meta)
            self._call("upsert", ids=all_ids, embeddings=np.vstack(all_vectors), metadatas=all_meta)

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self._call("delete", ids=[_vector_id(i, v) for i in ids for v in self.views])

    def count(self) -> int:
        return int(self._call("count"))

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None) -> tuple[list[int], list[float]]:
        """Nearest ``n`` documents and their best cosine similarity over all views.

        No ``count()`` first: Chroma returns fewer results when it has fewer,
        and at 100,000 profiles the count alone cost 17–22 ms per query.
        """
        result = self._call("query", query_embeddings=[vector], n_results=n * len(self.views), where=where or None,
                            include=["distances"])
        if not result["ids"]:
            return [], []
        best: dict[int, float] = {}
        for vector_id, distance in zip(result["ids"][0], result["distances"][0]):
            doc_id = _doc_id(vector_id)
            best[doc_id] = max(best.get(doc_id, -1.0), 1.0 - float(distance))
        ranked = sorted(best.items(), key=lambda item: -item[1])[:n]
        return [i for i, _ in ranked], [s for _, s in ranked]

    def similarities(self, ids: Sequence[int], vector: np.ndarray) -> dict[int, float]:
        """Best cosine similarity of ``vector`` to the stored views of these documents."""
        if not ids:
            return {}
        result = self._call("get", ids=[_vector_id(i, v) for i in ids for v in self.views], include=["embeddings"])
        best: dict[int, float] = {}
        for vector_id, embedding in zip(result["ids"], result["embeddings"]):
            doc_id = _doc_id(vector_id)
            best[doc_id] = max(best.get(doc_id, -1.0), float(np.dot(np.asarray(embedding, dtype=np.float32), vector)))
        return best

    def all_ids(self) -> set[int]:
        result = self._call("get", include=[])
        return {_doc_id(i) for i in result["ids"]}


def _vector_id(doc_id: int, view: str) -> str:
    return str(doc_id) if view == "full" else f"{doc_id}:{view}"


def _doc_id(vector_id: str) -> int:
    return int(vector_id.split(":", 1)[0])


def _clean(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if isinstance(v, (str, int, float, bool))}
