"""The index's own record of what it contains (metadata, snippet fields, terms, text hashes).

Kept in a SQLite file beside the vector and lexical indexes so that the
lexical index can be rebuilt without the application database, ``index
check`` can find stale entries, and snippets need no extra database query.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .documents import IndexedDoc


def text_hash(doc: IndexedDoc) -> str:
    payload = json.dumps([doc.dense_text, doc.lexical_text, doc.metadata], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class DocStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS doc (id INTEGER PRIMARY KEY, hash TEXT, metadata TEXT, fields TEXT,"
            " terms TEXT)"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._lock = threading.Lock()

    def upsert(self, docs: Sequence[IndexedDoc], terms: Sequence[list[str]]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO doc (id, hash, metadata, fields, terms) VALUES (?, ?, ?, ?, ?)",
                [(d.id, text_hash(d), json.dumps(d.metadata, ensure_ascii=False),
                  json.dumps(d.fields, ensure_ascii=False), " ".join(t)) for d, t in zip(docs, terms)],
            )

    def delete(self, ids: Iterable[int]) -> None:
        with self._lock, self._db:
            self._db.executemany("DELETE FROM doc WHERE id = ?", [(i,) for i in ids])

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM doc")

    def hashes(self) -> dict[int, str]:
        with self._lock:
            return dict(self._db.execute("SELECT id, hash FROM doc").fetchall())

    def all_terms(self) -> tuple[list[int], list[list[str]], list[dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT id, terms, metadata FROM doc ORDER BY id").fetchall()
        return [r[0] for r in rows], [r[1].split() for r in rows], [json.loads(r[2]) for r in rows]

    def iter_metadata(self, chunk: int = 5000) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(id, metadata)`` of every document in id order, read in chunks so
        that a worker never holds all of them (or their terms) at once."""
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute("SELECT id, metadata FROM doc WHERE id > ? ORDER BY id LIMIT ?",
                                        (last, chunk)).fetchall()
            if not rows:
                return
            for doc_id, raw in rows:
                yield doc_id, json.loads(raw)
            last = rows[-1][0]

    def metadata(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return self._json_column("metadata", ids)

    def fields(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return self._json_column("fields", ids)

    def _json_column(self, column: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(f"SELECT id, {column} FROM doc WHERE id IN ({marks})", list(ids)).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM doc").fetchone()[0])

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self._db.close()
