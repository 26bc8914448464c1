"""Shared fixtures: an isolated app per test on SQLite, or on PostgreSQL when
``TEST_DATABASE_URL`` is set (one database per xdist worker, tables truncated
between tests, schema migrated once per session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.storage.migrate import upgrade
from app.storage.models import Base
from app.storage.profiles import ensure_municipality
from app.storage.users import create_user, issue_token

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_DATABASE_URL")


def _worker_url(base: str, worker: str) -> str:
    url = make_url(base)
    if worker in ("master", ""):
        return base
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> str:
    assert PG_URL
    url = _worker_url(PG_URL, worker_id)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


def _truncate(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def pytest_generate_tests(metafunc):
    """Every test that touches the database runs on SQLite, and on PostgreSQL when configured."""
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite"]
        if PG_URL and not metafunc.definition.get_closest_marker("sqlite_only"):
            backends.append("postgresql")
        metafunc.parametrize("db_backend", backends)


@pytest.fixture
def database_url(request, tmp_path: Path, db_backend: str) -> str:
    if db_backend == "postgresql":
        postgres_url = request.getfixturevalue("postgres_url")
        _truncate(postgres_url)
        return postgres_url
    url = f"sqlite:///{tmp_path / 'data' / 'prozesslotse.db'}"
    (tmp_path / "data").mkdir(exist_ok=True)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def embedding_cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the whole run: each text is embedded once per worker."""
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture
def app_config(tmp_path: Path, database_url: str, embedding_cache_dir: Path) -> dict:
    return {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url, "TESTING": True,
            "SECRET_KEY": "test-secret", "EMBEDDING_CACHE_DIR": str(embedding_cache_dir)}


@pytest.fixture
def app(app_config: dict):
    app = create_app(app_config)
    yield app
    app.extensions["prozesslotse.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    return app.extensions["prozesslotse.db"]


@pytest.fixture
def make_user(db):
    """Create a user and return ``(user_id, bearer_headers)``."""

    def factory(username: str = "clerk", role: str = "clerk", municipality: str = "Beispielstadt",
                land: str = "Sachsen") -> tuple[int, dict[str, str]]:
        with db.session() as session:
            row = ensure_municipality(session, municipality, land)
            user = create_user(session, username, "lotsen-pass-2468", role, row)
            token = issue_token(session, user)
            user_id = user.id
        return user_id, {"Authorization": f"Bearer {token}"}

    return factory


@pytest.fixture
def runner(app):
    return app.test_cli_runner(mix_stderr=False) if _supports_mix_stderr(app) else app.test_cli_runner()


def _supports_mix_stderr(app) -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


@pytest.fixture(autouse=True)
def _no_network_models(monkeypatch):
    """Tests never reach a model hub."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    yield


@pytest.fixture
def corpus_dir() -> Path:
    return REPO_ROOT / "corpus"


# Tests that start real processes (gunicorn workers, a Chroma server, nginx, Chromium) run one after another on
# one xdist worker (``--dist loadgroup`` in the Makefile): two of them at once on a 2-core machine starve the
# Chroma server and make timing-sensitive checks flaky, while the light tests fill the other worker.
_PROCESS_HEAVY = ("test_multiprocess", "test_proxy", "test_reliability", "test_shared_index", "test_browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if name.startswith(_PROCESS_HEAVY):
            item.add_marker(pytest.mark.xdist_group("processes"))
