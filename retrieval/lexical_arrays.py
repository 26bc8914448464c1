"""The large per-generation arrays of the lexical index, built from the doc store or mapped from files.

A serving process needs, per index generation, the BM25 matrix (bm25s' CSC
arrays: one column of precomputed BM25 contributions per term), the doc ids
and the coded filter columns. Built in every worker they cost each one
several hundred MB at 100,000 profiles; written once per host
(``lexical_cache``) and memory-mapped, the pages are shared between the
workers of a host and only the pages a query touches are resident.

The files are checked before they are used: sizes, CRC-32 of every file, and
the shapes the arrays must have with each other. Whatever does not match
raises ``CorruptFiles`` and is rebuilt from the doc store, never served.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized

from .docstore import StoredDoc
from .metatable import CODED, MetadataTable

K1, B = 1.2, 0.75
FORMAT = 1
MANIFEST = "manifest.json"
VOCAB = "vocab.json"
_BM25 = ("data", "indices", "indptr")


class CorruptFiles(ValueError):
    """Files of a generation that are missing, truncated, altered or of another key."""


@dataclass
class LexicalArrays:
    """What a ``LexicalSnapshot`` needs of one generation at one store version."""

    table: MetadataTable
    # bm25s' sparse matrix (CSC by term id); empty when the generation has no documents.
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    vocab: dict[str, int]
    avgdl: float

    @property
    def ids(self) -> np.ndarray:
        return self.table.ids

    def bm25(self) -> bm25s.BM25 | None:
        """A bm25s scorer over these arrays (the same object ``bm25s.BM25.index`` leaves behind)."""
        if not len(self.ids):
            return None
        scorer = bm25s.BM25(k1=K1, b=B)
        scorer.scores = {"data": self.data, "indices": self.indices, "indptr": self.indptr,
                         "num_docs": int(len(self.ids))}
        scorer.vocab_dict = self.vocab
        scorer.nonoccurrence_array = None
        return scorer


def build_arrays(docs: Iterable[StoredDoc]) -> LexicalArrays:
    """BM25 matrix and filter columns of ``docs`` (live documents in id order), read once."""
    # Terms become ids as they stream in: one str per distinct term and one shared int object per id,
    # instead of a str object per occurrence (at 100,000 profiles several hundred MB less at load).
    vocab: dict[str, int] = {}
    token_ids: list[list[int]] = []
    total = 0

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        nonlocal total
        for doc in docs:
            token_ids.append([vocab.setdefault(t, len(vocab)) for t in (doc.terms or [""])])
            total += len(doc.terms)
            yield doc.id, doc.metadata

    table = MetadataTable(rows())
    empty = np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64)
    if not len(table):
        return LexicalArrays(table, *empty, {}, 1.0)
    scorer = bm25s.BM25(k1=K1, b=B)
    scorer.index(Tokenized(ids=token_ids, vocab=vocab), show_progress=False)
    del token_ids
    scores = scorer.scores
    return LexicalArrays(table, scores["data"], scores["indices"], scores["indptr"], scorer.vocab_dict,
                         max(1.0, total / len(table)))


# -- files -------------------------------------------------------------------

def write_arrays(arrays: LexicalArrays, directory: Path, key: dict[str, Any]) -> None:
    """Write ``arrays`` into the new directory ``directory``, manifest last, everything synced.

    The caller renames the directory into place afterwards, so a reader never
    sees a half-written generation; ``key`` says what the files reflect.
    """
    directory.mkdir(parents=True)
    table_arrays, labels = arrays.table.arrays()
    named = {**table_arrays, **dict(zip(_BM25, (arrays.data, arrays.indices, arrays.indptr)))}
    files: dict[str, dict[str, Any]] = {}
    for name, array in named.items():
        path = directory / f"{name}.npy"
        with open(path, "wb") as handle:
            np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        files[path.name] = _fingerprint(path)
    vocab_path = directory / VOCAB
    with open(vocab_path, "wb") as handle:
        handle.write(json.dumps(arrays.vocab, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    files[VOCAB] = _fingerprint(vocab_path)
    body = {"format": FORMAT, "key": key, "documents": int(len(arrays.ids)), "avgdl": arrays.avgdl,
            "labels": labels, "files": files}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    with open(directory / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump({"body": text, "crc32": zlib.crc32(text.encode("utf-8"))}, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(directory)


def read_key(directory: Path) -> dict[str, Any]:
    """The key a directory's manifest claims (``CorruptFiles`` if the manifest is unreadable)."""
    return _manifest(directory)["key"]


def open_arrays(directory: Path, key: dict[str, Any]) -> LexicalArrays:
    """Map the arrays in ``directory`` after checking they are complete, unaltered and of ``key``."""
    body = _manifest(directory)
    if body.get("format") != FORMAT or body.get("key") != key:
        raise CorruptFiles(f"{directory}: written for {body.get('key')}, not {key}")
    for name, expected in body["files"].items():
        try:
            found = _fingerprint(directory / name)
        except OSError as exc:
            raise CorruptFiles(f"{directory / name}: {exc}") from exc
        if found != expected:
            raise CorruptFiles(f"{directory / name}: size or checksum differs from the manifest")
    try:
        mapped = {path.stem: np.load(path, mmap_mode="r", allow_pickle=False)
                  for path in directory.glob("*.npy")}
        vocab = json.loads((directory / VOCAB).read_bytes())
        labels = {key_: list(values) for key_, values in body["labels"].items()}
        table = MetadataTable.from_arrays(mapped, labels)
        arrays = LexicalArrays(table, mapped["data"], mapped["indices"], mapped["indptr"], vocab,
                               float(body["avgdl"]))
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise CorruptFiles(f"{directory}: {type(exc).__name__}: {exc}") from exc
    _check_shapes(arrays, int(body["documents"]), directory)
    return arrays


def _check_shapes(arrays: LexicalArrays, documents: int, directory: Path) -> None:
    columns = [arrays.table.municipality_id, arrays.table.has_steps,
               *(arrays.table._columns[key].codes for key in CODED)]
    ok = len(arrays.ids) == documents and all(len(c) == documents for c in columns)
    if documents:
        ok = ok and len(arrays.data) == len(arrays.indices) == int(arrays.indptr[-1])
        ok = ok and len(arrays.indptr) - 1 >= max((i for i in arrays.vocab.values()), default=-1)
    if not ok:
        raise CorruptFiles(f"{directory}: arrays do not fit together")


def _manifest(directory: Path) -> dict[str, Any]:
    try:
        outer = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        text = outer["body"]
        if zlib.crc32(text.encode("utf-8")) != outer["crc32"]:
            raise CorruptFiles(f"{directory / MANIFEST}: checksum differs")
        body = json.loads(text)
        if not isinstance(body, dict):
            raise CorruptFiles(f"{directory / MANIFEST}: not a manifest")
        return body
    except (OSError, KeyError, TypeError, ValueError) as exc:  # CorruptFiles is a ValueError
        if isinstance(exc, CorruptFiles):
            raise
        raise CorruptFiles(f"{directory / MANIFEST}: {type(exc).__name__}: {exc}") from exc


def _fingerprint(path: Path, chunk: int = 4 << 20) -> dict[str, int]:
    """Size and CRC-32, read through the page cache (not through a mapping, so no resident pages)."""
    crc = 0
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return {"size": size, "crc32": crc}


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
