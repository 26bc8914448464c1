"""Query understanding for long clerk descriptions (issue 16).

A clerk's first message often describes a whole working day around the
process ("bei uns landet …, das erfasse ich und leite es weiter …"). Its
nouns carry the object and the activity; the engine embeds them as a second,
short query and adds that vector to the description's (``FusionParams.qu_*``).

Tagging uses HanTa's German model, the tagger the interview's German analysis
uses (``app/nlp/tagger.py``); the tokenisation is the same. Nothing here
was written against any query set.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_TOKEN = re.compile(r"§§?|\d+(?:[.,]\d+)*|[\wÄÖÜäöüß]+(?:[-.][\wÄÖÜäöüß]+)*-?|[^\s\w]", re.UNICODE)
_lock = threading.Lock()
_tagger = None


def _get():
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                from HanTa import HanoverTagger

                _tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return _tagger


@lru_cache(maxsize=1024)
def nouns(text: str) -> str:
    """The nouns (and names) of ``text`` as lemmas, each once, in order of appearance."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return ""
    tagger = _get()
    with _lock:  # HanTa keeps per-call state
        tagged = tagger.tag_sent(tokens, taglevel=1)
    keep: list[str] = []
    for word, lemma, tag in tagged:
        if tag in ("NN", "NE"):
            chosen = lemma if lemma and lemma != "--" else word
            if len(chosen) > 2 and chosen not in keep:
                keep.append(chosen)
    return " ".join(keep)
