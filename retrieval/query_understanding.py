"""Query understanding for long clerk descriptions (issue 16).

A clerk's first message often describes a whole working day around the
process ("bei uns landet …, das erfasse ich und leite es weiter …"). Its
nouns carry the object and the activity; the engine embeds them as a second,
short query and adds that vector to the description's (``FusionParams.qu_*``).

Tagging uses HanTa's German model with the tokenisation of the interview's
German analysis (``app/nlp/tagger.py``). A serving process shares that
tagger (``use_tagger``, called by ``app.warmup``), so the model (about 45 MB)
is loaded once; without it this module loads its own. Nothing here was
written against any query set.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any, Callable, Sequence

_TOKEN = re.compile(r"§§?|\d+(?:[.,]\d+)*|[\wÄÖÜäöüß]+(?:[-.][\wÄÖÜäöüß]+)*-?|[^\s\w]", re.UNICODE)
_lock = threading.Lock()
_tagger = None
# A function text -> tagged tokens (``.text``, ``.lemma``, ``.tag``) that replaces the own HanTa instance.
_shared: Callable[[str], Sequence[Any]] | None = None


def use_tagger(tag: Callable[[str], Sequence[Any]] | None) -> None:
    """Tag with this function (the application's shared tagger) instead of an own HanTa instance."""
    global _shared
    _shared = tag
    nouns.cache_clear()


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
    if _shared is not None:
        tagged = [(t.text, t.lemma, t.tag) for t in _shared(text)]
    else:
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


_CAPITALISED = re.compile(r"\b[A-ZÄÖÜ][\wÄÖÜäöüß]*(?:-[\wÄÖÜäöüß]+)*")


@lru_cache(maxsize=1024)
def capitalised(text: str) -> str:
    """The capitalised words of ``text`` that are no stop words, each once: German nouns without a tagger.

    A cheap stand-in for ``nouns`` (microseconds instead of HanTa's up to ~60 ms); it also keeps
    capitalised sentence openers that are not stop words.
    """
    from .german import _STOP

    keep: list[str] = []
    for word in _CAPITALISED.findall(text):
        if len(word) > 2 and word.lower() not in _STOP and word not in keep:
            keep.append(word)
    return " ".join(keep)
