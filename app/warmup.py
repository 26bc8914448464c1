"""Load models before the first request, so a clerk never waits for a cold worker."""

from __future__ import annotations

import logging
import time

from flask import Flask

log = logging.getLogger(__name__)


def warm(app: Flask) -> None:
    started = time.perf_counter()
    from app.nlp.tagger import tag
    from retrieval import query_understanding

    # One HanTa model per process: the search's query understanding tags with the interview's tagger.
    query_understanding.use_tagger(tag)
    with app.app_context():
        from app import search as search_service

        try:
            engine = search_service.engine()
            # Past the embedding cache: a cached warm-up text must still load the model.
            getattr(engine.embedder, "embedder", engine.embedder).encode(["Antrag prüfen"])
            engine.refresh(wait=True)
            engine.search("Antrag prüfen", k=3)
            tag("Ich prüfe den Antrag.")
            from app.interviews import gazetteer
            from app.nlp.steps import activities

            activities("Zuerst nehme ich den Antrag entgegen, dann prüfe ich ihn.", gazetteer())
        except Exception:  # a missing index or model must not keep the worker from serving
            log.exception("Warm-up failed; models load on first use")
            return
    log.info("Models warmed up in %.1f s", time.perf_counter() - started)


def serve(app: Flask) -> None:
    """Set up a serving process: warm the models and follow the shared index."""
    warm(app)
    with app.app_context():
        from app import search as search_service

        # Every worker follows the shared index version, so a change made by any
        # process is searchable here within a second, even while this worker is idle.
        search_service.engine().watch()
