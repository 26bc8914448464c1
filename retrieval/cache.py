"""Embedding cache keyed by model and content hash, so a rebuild only embeds what changed."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .embedders import Embedder


def content_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode("utf-8")).hexdigest()


class EmbeddingCache:
    """A small SQLite file of float32 vectors; safe for threads in one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, dim INTEGER, vector BLOB)"
        )
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start:start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._connection.execute(
                    f"SELECT key, vector FROM embedding WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO embedding (key, dim, vector) VALUES (?, ?, ?)",
                [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self._connection.close()


class CachedEmbedder:
    """Wraps an embedder; texts seen before (same model) are not embedded again."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        self.embedder = embedder
        self.cache = cache
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.misses = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [content_key(self.name, t) for t in texts]
        found = self.cache.get_many(list(dict.fromkeys(keys)))
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            unique: dict[str, str] = {}
            for i in missing:
                unique.setdefault(keys[i], texts[i])
            vectors = self.embedder.encode(list(unique.values()))
            fresh = dict(zip(unique.keys(), vectors))
            self.cache.put_many(fresh)
            found.update(fresh)
            self.misses += len(unique)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32)
