"""The index's own record of what it contains, shared by every process through one database.

Per generation and profile it keeps the metadata, snippet fields, analysed terms
and a content hash, so that a serving process can build its lexical index and
metadata columns from it, ``index check`` can find stale entries and snippets
need no query against the profiles. Every write bumps ``search_index_state.version``
in the same transaction; serving processes compare that number with the one they
loaded (one cheap query) and fetch only the rows that changed since.

Writers serialise on the state row (``UPDATE … SET version = version + 1`` takes
its lock first), so versions are handed out in commit order and a reader that saw
version ``v`` has seen every row written at or before ``v``.
"""

from __future__ import annotations

import hashlib
import json
import socket
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from sqlalchemy import Connection, Engine, MetaData, create_engine, delete, event, func, insert, select, update

from .documents import IndexedDoc
from .schema import IndexTables, define_tables

STATE_ID = 1
WRITE_WAIT_MS = 60_000


class BuildSuperseded(RuntimeError):
    """Another rebuild started after this one; the later one wins."""


def text_hash(doc: IndexedDoc) -> str:
    payload = json.dumps([doc.dense_text, doc.lexical_text, doc.metadata], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class IndexState:
    generation: int
    version: int
    collection: str
    building_generation: int | None
    building_collection: str | None
    updated_at: datetime
    previous_generation: int | None = None
    previous_collection: str | None = None

    def write_targets(self) -> list[tuple[int, str]]:
        """Generations (and their collections) an incremental change must reach: the served one, the
        one being built, and the one served before, which processes still use until they have switched."""
        targets = [(self.generation, self.collection)]
        for generation, collection in ((self.building_generation, self.building_collection),
                                       (self.previous_generation, self.previous_collection)):
            if generation is not None and collection:
                targets.append((generation, collection))
        return targets


@dataclass(frozen=True)
class StoredDoc:
    id: int
    version: int
    deleted: bool
    metadata: dict[str, Any]
    terms: list[str]


class IndexStore:
    def __init__(self, engine: Engine, tables: IndexTables, *, initial_collection: str = "profiles-g1") -> None:
        self.engine = engine
        self.t = tables
        # The collection of generation 1, used when the first write creates the state row.
        self.initial_collection = initial_collection

    @classmethod
    def standalone(cls, path: Path) -> "IndexStore":
        """A store in its own SQLite file (benchmarks, tools without the application database)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # pragma: no cover - driver hook
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        metadata = MetaData()
        tables = define_tables(metadata)
        metadata.create_all(engine)
        return cls(engine, tables)

    # -- state -------------------------------------------------------------
    def state(self, connection: Connection | None = None) -> IndexState | None:
        query = select(self.t.state).where(self.t.state.c.id == STATE_ID)
        if connection is not None:
            row = connection.execute(query).mappings().first()
        else:
            with self.engine.connect() as conn:
                row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return IndexState(row["generation"], row["version"], row["collection"], row["building_generation"],
                          row["building_collection"], _aware(row["updated_at"]), row["previous_generation"],
                          row["previous_collection"])

    def state_or_initial(self, collection: str) -> IndexState:
        """The shared state, or what a new installation starts from (nothing is written)."""
        return self.state() or IndexState(1, 0, collection, None, None, datetime(1970, 1, 1, tzinfo=timezone.utc))

    @contextmanager
    def write(self, connection: Connection | None = None) -> Iterator[tuple[Connection, IndexState]]:
        """A write transaction holding the state row's lock, with the version it writes under.

        Everything done inside (vector writes included) is ordered against every
        other writer; a failure rolls the rows and the version back together.
        With ``connection`` the write joins the caller's transaction, so that a
        profile change and its index entry commit (or roll back) as one.
        """
        if connection is not None:
            yield connection, self._bump(connection)
            return
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # Wait for other writers (a rebuild, an import, a publish in another process) as long as a
                # request would, not just the few seconds a reading connection may wait.
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
            yield conn, self._bump(conn)

    def _bump(self, conn: Connection) -> IndexState:
        bumped = conn.execute(update(self.t.state).where(self.t.state.c.id == STATE_ID)
                              .values(version=self.t.state.c.version + 1, updated_at=utcnow())).rowcount
        if not bumped:
            conn.execute(insert(self.t.state).values(id=STATE_ID, generation=1, version=1,
                                                     collection=self.initial_collection, updated_at=utcnow()))
        state = self.state(conn)
        assert state is not None
        return state

    def live(self, generations: Sequence[int], ids: Sequence[int]) -> set[int]:
        """Which of ``ids`` are indexed (not removed) in any of ``generations``."""
        doc = self.t.document
        with self.engine.connect() as conn:
            return set(conn.execute(select(doc.c.profile_id).where(
                doc.c.generation.in_(list(generations)), doc.c.profile_id.in_(list(ids)),
                doc.c.deleted.is_(False))).scalars())

    # -- documents -----------------------------------------------------------
    def newer(self, conn: Connection, generation: int, ids: Sequence[int], version: int) -> set[int]:
        """Ids whose row in ``generation`` was written after ``version`` (by a change during a rebuild)."""
        doc = self.t.document
        return set(conn.execute(select(doc.c.profile_id).where(
            doc.c.generation == generation, doc.c.profile_id.in_(list(ids)), doc.c.version > version)).scalars())

    def put(self, conn: Connection, version: int, generation: int, docs: Sequence[IndexedDoc],
            terms: Sequence[list[str]]) -> None:
        if not docs:
            return
        doc = self.t.document
        conn.execute(delete(doc).where(doc.c.generation == generation, doc.c.profile_id.in_([d.id for d in docs])))
        conn.execute(insert(doc), [
            {"generation": generation, "profile_id": d.id, "version": version, "deleted": False, "hash": text_hash(d),
             "meta": d.metadata, "fields": d.fields, "terms": " ".join(t)} for d, t in zip(docs, terms)])

    def mark_deleted(self, conn: Connection, version: int, generation: int, ids: Sequence[int]) -> None:
        """Tombstones, so that processes refreshing incrementally drop these documents too."""
        if not ids:
            return
        doc = self.t.document
        conn.execute(delete(doc).where(doc.c.generation == generation, doc.c.profile_id.in_(list(ids))))
        conn.execute(insert(doc), [
            {"generation": generation, "profile_id": i, "version": version, "deleted": True, "hash": "",
             "meta": {}, "fields": {}, "terms": ""} for i in ids])

    def add_vocabulary(self, conn: Connection, generation: int, words: Iterable[str], version: int) -> None:
        """Record words new to ``generation`` under ``version``, so that processes learn them with the change."""
        vocab = self.t.vocabulary
        words = {w[:200] for w in words}
        if not words:
            return
        have: set[str] = set()
        ordered = sorted(words)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            have.update(conn.execute(select(vocab.c.word).where(vocab.c.generation == generation,
                                                                vocab.c.word.in_(chunk))).scalars())
        new = [w for w in ordered if w not in have]
        if new:
            conn.execute(insert(vocab), [{"generation": generation, "word": w, "version": version} for w in new])

    def vocabulary(self, generation: int, connection: Connection | None = None, *,
                   since: int | None = None) -> set[str]:
        query = select(self.t.vocabulary.c.word).where(self.t.vocabulary.c.generation == generation)
        if since is not None:
            query = query.where(self.t.vocabulary.c.version > since)
        if connection is not None:
            return set(connection.execute(query).scalars())
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def documents(self, generation: int, *, since: int | None = None, chunk: int = 5000) -> Iterator[StoredDoc]:
        """Documents of a generation in id order (all live ones, or every change after ``since``)."""
        doc = self.t.document
        last = -1
        while True:
            query = select(doc.c.profile_id, doc.c.version, doc.c.deleted, doc.c.meta, doc.c.terms).where(
                doc.c.generation == generation, doc.c.profile_id > last)
            query = query.where(doc.c.version > since) if since is not None else query.where(doc.c.deleted.is_(False))
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(doc.c.profile_id).limit(chunk)).all()
            if not rows:
                return
            for r in rows:
                yield StoredDoc(r[0], r[1], bool(r[2]), _json(r[3]), r[4].split())
            last = rows[-1][0]

    def changed_since(self, generation: int, since: int) -> int:
        """How many documents of ``generation`` changed after ``since`` (one indexed count)."""
        doc = self.t.document
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(doc).where(
                doc.c.generation == generation, doc.c.version > since)).scalar_one())

    def born(self, generation: int) -> int:
        """The version at which ``generation`` got its first vocabulary (0: none yet).

        A rebuild records the generation's vocabulary before any document, and
        rows are only ever added to it, so this tells two lives of one
        generation number apart (e.g. a build abandoned and started again).
        """
        vocab = self.t.vocabulary
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.min(vocab.c.version)).where(
                vocab.c.generation == generation)).scalar() or 0)

    def identity(self) -> str:
        """Which database this store lives in, without credentials (keys files cached per host)."""
        return self.engine.url.render_as_string(hide_password=True)

    def metadata(self, generation: int, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return self._json_column(generation, "meta", ids)

    def fields(self, generation: int, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        return self._json_column(generation, "fields", ids)

    def _json_column(self, generation: int, column: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        doc = self.t.document
        with self.engine.connect() as conn:
            rows = conn.execute(select(doc.c.profile_id, doc.c[column]).where(
                doc.c.generation == generation, doc.c.profile_id.in_(list(ids)), doc.c.deleted.is_(False))).all()
        return {r[0]: _json(r[1]) for r in rows}

    def hashes(self, generation: int) -> dict[int, str]:
        doc = self.t.document
        with self.engine.connect() as conn:
            return dict(conn.execute(select(doc.c.profile_id, doc.c.hash).where(
                doc.c.generation == generation, doc.c.deleted.is_(False))).all())

    def count(self, generation: int) -> int:
        """Live documents of ``generation`` (a COUNT: loading every hash cost a worker ~25 MB at 100,000)."""
        doc = self.t.document
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(doc).where(
                doc.c.generation == generation, doc.c.deleted.is_(False))).scalar_one())

    # -- generations -----------------------------------------------------------
    def begin_build(self, collection_for: Callable[[int], str],
                    prepare: Callable[[str], None]) -> tuple[int, str, int]:
        """Reserve a new generation; incremental changes reach it from now on.

        ``prepare(collection)`` runs under the writers' lock, before any change
        can reach the new generation (it empties the collection). Returns the
        generation, its collection and the version the build starts at.
        """
        with self.write() as (conn, state):
            generation = max(state.generation, state.building_generation or 0) + 1
            collection = collection_for(generation)
            prepare(collection)
            conn.execute(delete(self.t.document).where(self.t.document.c.generation == generation))
            conn.execute(delete(self.t.vocabulary).where(self.t.vocabulary.c.generation == generation))
            conn.execute(update(self.t.state).where(self.t.state.c.id == STATE_ID).values(
                building_generation=generation, building_collection=collection))
            return generation, collection, state.version

    def finish_build(self, generation: int, collection: str) -> int:
        """Serve the built generation; keep the one before for processes still on it."""
        with self.write() as (conn, state):
            if state.building_generation != generation:
                raise BuildSuperseded(f"generation {generation} was superseded by another rebuild")
            conn.execute(update(self.t.state).where(self.t.state.c.id == STATE_ID).values(
                generation=generation, collection=collection, building_generation=None, building_collection=None,
                previous_generation=state.generation, previous_collection=state.collection))
            for table in (self.t.document, self.t.vocabulary):
                conn.execute(delete(table).where(table.c.generation.not_in([generation, state.generation])))
            return state.version

    def abandon_build(self, generation: int) -> None:
        with self.write() as (conn, _state):
            conn.execute(update(self.t.state).where(self.t.state.c.id == STATE_ID,
                                                    self.t.state.c.building_generation == generation)
                         .values(building_generation=None, building_collection=None))
            for table in (self.t.document, self.t.vocabulary):
                conn.execute(delete(table).where(table.c.generation == generation))

    # -- serving processes -----------------------------------------------------
    def report_worker(self, worker: str, generation: int | None, version: int | None, error: str | None) -> None:
        table = self.t.worker
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(update(table).where(table.c.worker == worker).values(
                generation=generation, version=version, error=error, seen_at=now)).rowcount
            if not changed:
                conn.execute(insert(table).values(worker=worker, generation=generation, version=version, error=error,
                                                  started_at=now, seen_at=now))
            conn.execute(delete(table).where(table.c.seen_at < now - timedelta(days=1)))

    def workers(self, seen_within: timedelta) -> list[dict[str, Any]]:
        table = self.t.worker
        since = utcnow() - seen_within
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.seen_at >= since).order_by(table.c.worker)).mappings().all()
        return [{**row, "seen_at": _aware(row["seen_at"]), "started_at": _aware(row["started_at"])} for row in rows]


def _json(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
