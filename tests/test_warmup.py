"""Worker warm-up: models are loaded before the first request."""

from __future__ import annotations

import pytest

from app import search as search_service
from app.warmup import warm


@pytest.mark.sqlite_only
def test_warm_up_loads_the_model_even_when_its_text_is_cached(app):
    with app.app_context():
        engine = search_service.engine()
        engine.embedder.encode(["Antrag prüfen"])  # now in the embedding cache
        inner = engine.embedder.embedder
        calls: list[list[str]] = []
        original = inner.encode

        def counting(texts):
            calls.append(list(texts))
            return original(texts)

        inner.encode = counting
    warm(app)
    assert calls and calls[0] == ["Antrag prüfen"]
