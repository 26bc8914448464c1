"""Load models before the first request, so a clerk never waits for a cold worker."""

from __future__ import annotations

import logging
import time

from flask import Flask

log = logging.getLogger(__name__)


def warm(app: Flask) -> None:
    started = time.perf_counter()
    with app.app_context():
        from app import search as search_service
        from app.nlp.tagger import tag

        try:
            search_service.engine().embedder.encode(["Antrag prüfen"])
            tag("Ich prüfe den Antrag.")
        except Exception:  # a missing index or model must not keep the worker from serving
            log.exception("Warm-up failed; models load on first use")
            return
    log.info("Models warmed up in %.1f s", time.perf_counter() - started)
