"""A fresh Prozesslotse for the simulations: demo corpus loaded, index built, one clerk with a token.

Shared by ``bench.interview_sim`` and ``bench.dialogue_eval``; everything goes through the HTTP API
(in-process WSGI transport, no network).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402


def make_client(data_dir: Path) -> tuple[httpx.Client, dict[str, str], Any]:
    """Client, auth headers and app of a new instance in ``data_dir`` (SQLite, embedded index)."""
    from app import create_app
    from app.context import database
    from app.storage.migrate import upgrade
    from app.storage.profiles import ensure_municipality
    from app.storage.users import create_user, issue_token

    url = f"sqlite:///{data_dir / 'prozesslotse.db'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url})
    cli = app.test_cli_runner()
    for args in (["corpus", "load"], ["index", "rebuild"]):
        result = cli.invoke(args=args)
        if result.exit_code != 0:
            raise SystemExit(f"{' '.join(args)} failed: {result.output}")
    with app.app_context(), database().session() as session:
        municipality = ensure_municipality(session, "Simulationshausen", "Thüringen")
        user = create_user(session, "simulierte-sachbearbeitung", "simulation-123", "clerk", municipality)
        token = issue_token(session, user)
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://prozesslotse.local", timeout=60)
    return client, {"Authorization": f"Bearer {token}"}, app


def close(client: httpx.Client, app: Any) -> None:
    """Release the client and the database connections (the data dir can then be removed)."""
    client.close()
    app.extensions["prozesslotse.db"].dispose()
