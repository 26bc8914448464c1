"""Status of the search index and the models, for ``/healthz``.

Reads only cheap facts (a manifest file, configuration, in-process counters)
so the health check never loads a model or scans the index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask

MANIFEST = "index/manifest.json"


def index_status(app: Flask) -> dict[str, Any]:
    path = Path(app.config["DATA_DIR"]) / MANIFEST
    backend = "chroma-server" if app.config.get("CHROMA_HOST") else "chroma-embedded"
    if not path.exists():
        return {"ok": False, "built": False, "backend": backend,
                "detail": "Suchindex noch nicht aufgebaut: flask --app app index rebuild"}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"ok": False, "built": False, "backend": backend, "detail": f"Manifest unlesbar: {exc}"}
    return {"ok": True, "built": True, "backend": backend, **manifest}


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
