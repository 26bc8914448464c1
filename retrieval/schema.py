"""Tables of the shared search index state, in whatever database the caller gives.

Every process that serves or writes the index (gunicorn workers on any host, a
CLI import or rebuild) reads and writes the same rows, so they agree on what
the index holds without talking to each other:

- ``search_index_state`` (one row): the generation being served, its Chroma
  collection, a version that every write bumps, a generation being built and
  the one served before (still kept current for processes that have not
  switched yet).
- ``search_document``: per generation and profile the metadata, snippet fields,
  analysed terms and a content hash; ``version`` says when the row last
  changed, ``deleted`` keeps removals visible to workers that refresh
  incrementally.
- ``search_vocabulary``: words for German compound splitting, per generation, with the
  version that added them (processes pick up new words with the changed documents).
- ``search_worker``: which index version each serving process has loaded.

The application registers these tables in its own metadata so that its
migrations create them; ``retrieval`` itself knows nothing of the application.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

JSONType = JSON().with_variant(JSONB(), "postgresql")


@dataclass(frozen=True)
class IndexTables:
    state: Table
    document: Table
    vocabulary: Table
    worker: Table


def define_tables(metadata: MetaData) -> IndexTables:
    """Add the index tables to ``metadata`` (once per metadata object)."""
    if "search_index_state" in metadata.tables:
        t = metadata.tables
        return IndexTables(t["search_index_state"], t["search_document"], t["search_vocabulary"],
                           t["search_worker"])
    state = Table(
        "search_index_state", metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("generation", Integer, nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("collection", String(200), nullable=False),
        Column("building_generation", Integer),
        Column("building_collection", String(200)),
        Column("previous_generation", Integer),
        Column("previous_collection", String(200)),
        Column("embedder", String(200)),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )
    document = Table(
        "search_document", metadata,
        Column("generation", Integer, primary_key=True, autoincrement=False),
        Column("profile_id", Integer, primary_key=True, autoincrement=False),
        Column("version", BigInteger, nullable=False),
        Column("deleted", Boolean, nullable=False),
        Column("hash", String(64), nullable=False),
        Column("meta", JSONType, nullable=False),
        Column("fields", JSONType, nullable=False),
        Column("terms", Text, nullable=False),
        Index("ix_search_document_generation_version", "generation", "version"),
    )
    vocabulary = Table(
        "search_vocabulary", metadata,
        Column("generation", Integer, primary_key=True, autoincrement=False),
        Column("word", String(200), primary_key=True),
        Column("version", BigInteger, nullable=False),
        Index("ix_search_vocabulary_generation_version", "generation", "version"),
    )
    worker = Table(
        "search_worker", metadata,
        Column("worker", String(200), primary_key=True),
        Column("generation", Integer),
        Column("version", BigInteger),
        Column("error", Text),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("seen_at", DateTime(timezone=True), nullable=False),
    )
    return IndexTables(state, document, vocabulary, worker)
