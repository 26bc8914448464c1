"""Part-of-speech tags and lemmas for German (HanTa, the Hanover Tagger).

HanTa ships its German model inside the PyPI package and loads offline in
a fraction of a second; one tagger per process is shared by all threads.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

_lock = threading.Lock()
_tagger = None

# Words, numbers with German separators (and decades: "bei den 90ern"), section signs, and punctuation.
_TOKEN = re.compile(r"§§?|\d+(?:[.,]\d+)*(?:ern?\b)?|[\wÄÖÜäöüß]+(?:[-.][\wÄÖÜäöüß]+)*-?|[^\s\w]", re.UNICODE)


@dataclass(frozen=True)
class Token:
    text: str
    lemma: str
    tag: str

    @property
    def is_verb(self) -> bool:
        return self.tag.startswith("VV")

    @property
    def is_finite(self) -> bool:
        return self.tag.endswith("(FIN)")


def _get():
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                from HanTa import HanoverTagger

                _tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return _tagger


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


@lru_cache(maxsize=4096)
def _tag(tokens: tuple[str, ...]) -> tuple[Token, ...]:
    if not tokens:
        return ()
    tagger = _get()
    with _lock:  # HanTa keeps per-call state; serialise
        tagged = tagger.tag_sent(list(tokens), taglevel=1)
    return tuple(Token(text, lemma, tag) for text, lemma, tag in tagged)


def tag(text_or_tokens: str | list[str]) -> list[Token]:
    tokens = tokenize(text_or_tokens) if isinstance(text_or_tokens, str) else text_or_tokens
    return list(_tag(tuple(tokens)))
