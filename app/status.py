"""Status of the search index and the models, for ``/healthz``.

Reads only cheap facts (the shared index state row, the serving processes'
reports, configuration, in-process counters) so the health check never loads
a model or scans the index.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

def index_status(app: Flask) -> dict[str, Any]:
    """What this process serves, which other processes serve what, and whether any is stale."""
    from app import search as search_service

    backend = "chroma-server" if app.config.get("CHROMA_HOST") else "chroma-embedded"
    try:
        engine = search_service.engine(app)
        status = engine.status()
        workers = engine.workers()
    except Exception as exc:  # unreadable index state: the health check must say so, not crash
        return {"ok": False, "backend": backend, "detail": f"Suchindex nicht lesbar: {type(exc).__name__}"}
    own = status["worker"]
    stale = [w["worker"] for w in workers if w["stale"]]
    ok = not own["stale"] and not own["error"] and not stale
    report: dict[str, Any] = {"ok": ok, "backend": backend, **status, "workers": workers}
    if own["error"]:
        report["detail"] = "Der Suchindex dieses Prozesses ist nicht lesbar."
    elif own["stale"] or stale:
        report["detail"] = "Mindestens ein Prozess sucht in einem veralteten Suchindex."
    return report


def models_status(app: Flask) -> dict[str, Any]:
    llm = app.config.get("LLM_PROVIDER")
    log = app.extensions.get("prozesslotse.llm_fallback_log")
    fallbacks = log.as_dict() if log is not None else {"count": 0, "last": None}
    return {
        "ok": True,
        "embedding": {"backend": app.config["EMBEDDING_BACKEND"], "model": app.config.get("EMBEDDING_MODEL"),
                      "loaded": _embedder_loaded(app)},
        "interviewer": {"mode": "llm" if llm else "builtin", "provider": llm, "model": app.config.get("LLM_MODEL"),
                        "fallbacks": fallbacks},
    }


def _embedder_loaded(app: Flask) -> bool:
    engine = app.extensions.get("prozesslotse.search")
    return bool(engine is not None and engine.embedder_loaded)


def register(app: Flask) -> None:
    providers = app.extensions.setdefault("prozesslotse.health", {})
    providers["index"] = lambda: index_status(app)
    providers["models"] = lambda: models_status(app)
