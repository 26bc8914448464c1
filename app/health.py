"""``GET /healthz``: is the database reachable, is the index built, which models are configured."""

from __future__ import annotations

import time

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .context import database
from .problems import database_unavailable_detail
from .storage.db import apply_timeout

bp = Blueprint("health", __name__)



def _database_status() -> dict[str, object]:
    started = time.perf_counter()
    try:
        with database().engine.connect() as connection:
            apply_timeout(connection, database().read_timeout)  # a locked database answers 503 quickly
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        # Unreachable, or reachable without our schema (then: flask db upgrade).
        return {"ok": False, "error": type(exc).__name__, "backend": database().engine.dialect.name,
                "detail": database_unavailable_detail()}
    return {"ok": True, "backend": database().engine.dialect.name, "schema": revision,
            "ms": round((time.perf_counter() - started) * 1000, 1)}


@bp.get("/healthz")
def healthz():
    report: dict[str, object] = {"database": _database_status()}
    providers = current_app.extensions.get("prozesslotse.health", {})
    for name, provider in providers.items():
        try:
            report[name] = provider()
        except Exception as exc:  # a broken component must not break the health check
            report[name] = {"ok": False, "error": str(exc)}
    # A stale or unreadable search index in any serving process fails the check too:
    # a load balancer must not route to a worker that answers from an old index.
    healthy = bool(report["database"]["ok"]) and bool(report.get("index", {}).get("ok", True))  # type: ignore[union-attr]
    report["status"] = "ok" if healthy else "unavailable"
    return report, (200 if healthy else 503)
