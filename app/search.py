"""Glue between stored profiles and the retrieval engine.

The database is the source of truth: the index is rebuilt from it, updated
whenever a profile is published or changed, and checked against it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import Flask, current_app
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.domain import ProcessProfile
from app.storage.models import SEARCH_TABLES, ProfileRow
from app.storage.profiles import to_domain
from retrieval.cache import CachedEmbedder, EmbeddingCache
from retrieval.docstore import IndexStore
from retrieval.documents import IndexedDoc, dense_text, to_indexed
from retrieval.embedders import Embedder, make_embedder
from retrieval.projection import ProjectedEmbedder
from retrieval.engine import Hit, IndexNotReady, SearchEngine, SearchResponse
from retrieval.filters import Filters
from retrieval.vector import VectorIndex, VectorIndexUnavailable, make_client

EXTENSION = "prozesslotse.search"
# Raised when a change cannot reach the vector store; the caller's transaction rolls back.
IndexUnavailable = VectorIndexUnavailable
# Only published profiles are searchable; drafts and archived ones are not.
INDEXED_STATES = ("published",)


# Bumped when what is stored per profile or the HNSW settings change, so an
# upgraded installation starts a fresh collection (``index check`` then
# reports the profiles as missing until ``index rebuild``).
VECTOR_LAYOUT = "v3"


# Dimensions the vectors of a backend are projected to unless configured.
DEFAULT_DIMENSIONS = {"use": 256}


def embedding_dimensions(config: dict[str, Any]) -> int | None:
    """The configured projection size, or ``None`` for the model's full vectors."""
    raw = config.get("EMBEDDING_DIMENSIONS")
    if raw is None or raw == "":
        return DEFAULT_DIMENSIONS.get(config["EMBEDDING_BACKEND"])
    if str(raw).strip().lower() in ("full", "0", "none"):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"EMBEDDING_DIMENSIONS must be a number or 'full', not {raw!r}.") from None
    if value <= 0:
        raise ValueError(f"EMBEDDING_DIMENSIONS must be positive, not {value}.")
    return value


def make_configured_embedder(config: dict[str, Any]) -> Embedder:
    embedder = make_embedder(config["EMBEDDING_BACKEND"], config.get("EMBEDDING_MODEL"))
    dimensions = embedding_dimensions(config)
    if dimensions is not None and dimensions < embedder.dimension:
        return ProjectedEmbedder.shipped(embedder, dimensions)
    return embedder


def collection_name(backend: str, model: str | None, dimensions: int | None = None) -> str:
    tag = backend if not model else f"{backend}-{Path(model).name}"
    if dimensions:
        tag += f"-{dimensions}"
    return f"profiles-{VECTOR_LAYOUT}-" + re.sub(r"[^a-zA-Z0-9._-]+", "-", tag).strip("-.")[:60]


def build_engine(app: Flask) -> SearchEngine:
    """The search engine over the application database's shared index state."""
    return build_engine_from(app.config, app.extensions["prozesslotse.db"].engine)


def build_engine_from(config: dict[str, Any], database: Engine) -> SearchEngine:
    """The engine for this configuration, its shared state in ``database`` (which holds the index tables)."""
    data_dir = Path(config["DATA_DIR"])
    backend, model = config["EMBEDDING_BACKEND"], config.get("EMBEDDING_MODEL")
    cache_dir = Path(config.get("EMBEDDING_CACHE_DIR") or data_dir / "cache")
    dimensions = embedding_dimensions(config)

    def embedder_factory():
        return CachedEmbedder(make_configured_embedder(config), EmbeddingCache(cache_dir / "embeddings.sqlite"))

    host = config.get("CHROMA_HOST")
    port = int(config.get("CHROMA_PORT") or 8000)

    def vector_factory(collection: str) -> VectorIndex:
        return VectorIndex(lambda: make_client(path=data_dir / "chroma", host=host, port=port), collection=collection)

    store = IndexStore(database, SEARCH_TABLES)
    return SearchEngine(store, embedder_factory, vector_factory,
                        base_collection=collection_name(backend, model, dimensions),
                        lexical_cache_dir=Path(config.get("INDEX_CACHE_DIR") or data_dir / "index-cache"))


def engine(app: Flask | None = None) -> SearchEngine:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = build_engine(app)
    return found


def is_indexable(row: ProfileRow) -> bool:
    return row.state in INDEXED_STATES


def indexed_doc(row: ProfileRow) -> IndexedDoc:
    return to_indexed(to_domain(row), municipality_id=row.municipality_id)


def indexable_rows(session: Session) -> Iterable[ProfileRow]:
    return session.scalars(select(ProfileRow).where(ProfileRow.state.in_(INDEXED_STATES)).order_by(ProfileRow.id))


def rebuild(session: Session, progress: Callable[[int], None] | None = None, *, batch: int = 256) -> int:
    def read() -> list[IndexedDoc]:
        # A fresh session: everything committed before the new generation was reserved, and a
        # read that ends at once, so that writers are never kept waiting on it (SQLite).
        with Session(session.get_bind()) as fresh:
            return [indexed_doc(row) for row in indexable_rows(fresh)]

    return engine().rebuild(read, progress=progress, batch=batch)


def sync_profiles(rows: Iterable[ProfileRow], session: Session | None = None) -> None:
    """Bring the index in line with these rows: index published ones, drop the others.

    With ``session`` the index entries are written in its transaction, so the
    profile change and its index entry commit together.
    """
    keep, drop = [], []
    for row in rows:
        (keep if is_indexable(row) else drop).append(row)
    search_engine = engine()
    connection = session.connection() if session is not None else None
    if keep:
        search_engine.upsert([indexed_doc(r) for r in keep], connection)
    if drop:
        search_engine.remove([r.id for r in drop], connection)


def sync_ids(session: Session, ids: Iterable[int]) -> None:
    ids = list(ids)
    if ids:
        sync_profiles(session.scalars(select(ProfileRow).where(ProfileRow.id.in_(ids))).all(), session)


def check(session: Session) -> dict[str, list[int]]:
    return engine().check(indexed_doc(row) for row in indexable_rows(session))


def result_dict(hit: Hit) -> dict[str, Any]:
    meta = hit.metadata
    return {
        "id": hit.id,
        "external_id": meta.get("external_id") or None,
        "title": meta.get("title", ""),
        "municipality": meta.get("municipality") or None,
        "land": meta.get("land") or None,
        "category": meta.get("category") or None,
        "has_steps": bool(meta.get("has_steps")),
        "score": round(float(hit.score), 4),
        "snippet": hit.snippet,
        "variants": hit.group_size - 1,
    }


def search(query: str, *, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
           group: bool = True) -> SearchResponse:
    return engine().search(query, k=k, mode=mode, filters=filters, group=group)


def register_errors(app: Flask) -> None:
    """A process that cannot load the index answers 503 with a German explanation, never 500."""
    from app.problems import problem, render

    @app.errorhandler(IndexNotReady)
    def _not_ready(_exc: IndexNotReady):
        return render(problem(503, "Die Suche ist gerade nicht verfügbar, weil der Suchindex nicht geladen "
                                     "werden konnte. Bitte versuchen Sie es in einer Minute erneut."))


def profile_query_text(profile: ProcessProfile) -> str:
    return dense_text(profile)


def similar(profile: ProcessProfile, *, k: int, reader_municipality_id: int | None,
            own_municipality: str | None) -> SearchResponse:
    """Similar profiles, other municipalities first (they are what a clerk can reuse)."""
    filters = Filters(exclude_ids={profile.id} if profile.id else set(),
                      reader_municipality_id=reader_municipality_id)
    response = engine().search(profile_query_text(profile), k=k * 2, mode="hybrid", filters=filters, group=False)
    others = [h for h in response.results if h.metadata.get("municipality") != own_municipality]
    own = [h for h in response.results if h.metadata.get("municipality") == own_municipality]
    response.results = (others + own)[:k]
    return response
