"""Engine and session handling, independent of Flask.

Two rules live here. Serving never creates the database: a missing SQLite
file is an error until ``flask db upgrade`` creates it (otherwise a worker
would go on writing into an empty file). And every transaction waits for
locks only a bounded time: read-only work briefly, writes longer; beyond
that the driver gives up with an ``OperationalError`` the app answers 503.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "read_only"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory ones)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str, *, write_timeout: float = 30, connect_timeout: float | None = None) -> Engine:
    """``connect_timeout`` bounds opening a connection (SQLite: its pragmas); transactions set their own."""
    connect_timeout = write_timeout if connect_timeout is None else connect_timeout
    path = sqlite_path(url)
    if path is not None:
        target = f"file:{quote(str(path.resolve()))}?mode=rw"  # never create the file

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(target, uri=True, check_same_thread=False, timeout=connect_timeout)

        engine = create_engine(url, creator=connect)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - driver hook
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": write_timeout})
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def apply_timeout(connection, seconds: float, *, transaction_local: bool = True) -> None:
    """Bound lock waits (SQLite busy timeout; PostgreSQL lock and statement timeouts)."""
    ms = max(1, int(seconds * 1000))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {ms}")
    elif connection.dialect.name == "postgresql":
        scope = "LOCAL " if transaction_local else ""
        connection.exec_driver_sql(f"SET {scope}lock_timeout = {ms}")
        connection.exec_driver_sql(f"SET {scope}statement_timeout = {max(ms, 2 * ms)}")


class Database:
    """One engine and its session factory per application."""

    def __init__(self, url: str, *, read_timeout: float = 3, write_timeout: float = 30) -> None:
        self.url = url
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.engine = make_engine(url, write_timeout=write_timeout, connect_timeout=read_timeout)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

        @event.listens_for(self.sessions, "after_begin")
        def _bounded_waits(session: Session, _transaction, connection) -> None:
            read_only = session.info.get(READ_ONLY, False)
            apply_timeout(connection, self.read_timeout if read_only else self.write_timeout)

    def missing(self) -> bool:
        """True when this is a SQLite database whose file does not exist (run ``flask db upgrade``)."""
        path = sqlite_path(self.url)
        return path is not None and not path.exists()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
