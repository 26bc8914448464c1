"""Is a message German, English, or no language at all? Stop-word counts suffice for chat turns."""

from __future__ import annotations

import re

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

# Spoken forms the stop-word list lacks: "meistens ne beschwerde" is German typed in lower case.
_COLLOQUIAL = {"ne", "nen", "nem", "ner", "nix", "meistens", "meist", "halt", "mal", "oft", "nee", "nö"}
_GERMAN = frozenset(w.lower() for w in STOPWORDS_GERMAN) | {"ja", "nein", "bitte", "danke", "genau", "passt"} | _COLLOQUIAL
_ENGLISH = frozenset(w.lower() for w in STOPWORDS_EN) - _GERMAN
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")


def guess(text: str) -> str:
    """"de", "en", or "unknown" for several words without any known function word."""
    raw = _WORD.findall(text)
    words = [w.lower() for w in raw]
    german = sum(w in _GERMAN for w in words)
    english = sum(w in _ENGLISH for w in words)
    if english >= 2 and english > german:
        return "en"
    # German nouns are capitalised; lower-case strings without function words are no language.
    capitalised = any(w[:1].isupper() and len(w) > 2 for w in raw)
    if german == 0 and len(words) >= 3 and not capitalised and not re.search(r"[äöüß]|\d", text.lower()):
        return "unknown"
    return "de"
