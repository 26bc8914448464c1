"""German text normalisation for the lexical index.

Lower case, ß → ss, Snowball stemming (PyStemmer), umlauts folded after
stemming, stop words removed, and compounds split against the index's own
vocabulary ("Hundesteueranmeldung" → hund, steuer, anmeld) so that a query
word matches the parts of a compound and vice versa. The splitting choice
was measured with ``bench/retrieval_eval.py`` (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import Stemmer
from bm25s.stopwords import STOPWORDS_GERMAN

_WORD = re.compile(r"[0-9a-zäöüß]+(?:-[0-9a-zäöüß]+)*", re.IGNORECASE)
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})
_STOP = frozenset(w.lower() for w in STOPWORDS_GERMAN) | {
    "bitte", "muss", "musst", "wer", "wie", "was", "wo", "wann", "gibt", "mal", "beim", "bei", "ich", "wir",
}
# Linking elements (Fugenelemente) between compound parts, longest first.
_LINKS = ("es", "en", "er", "s", "n", "e", "")
MIN_PART = 4

_stemmer = Stemmer.Stemmer("german")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word).translate(_FOLD)


def words(text: str) -> list[str]:
    """Lower-cased word tokens without stop words; hyphenated words also yield their parts."""
    out: list[str] = []
    for match in _WORD.finditer(text.lower().replace("ß", "ss")):
        token = match.group(0)
        parts = token.split("-")
        for part in ([token.replace("-", "")] if len(parts) > 1 else []) + parts:
            if part and part not in _STOP and (len(part) > 1 or part.isdigit()):
                out.append(part)
    return out


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


class CompoundSplitter:
    """Splits long words into parts that occur as words of their own in a vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = {w for w in vocabulary if len(w) >= MIN_PART}
        self._cache: dict[str, list[str]] = {}

    def split(self, word: str) -> list[str]:
        if len(word) < 2 * MIN_PART:
            return []
        if word in self._cache:
            return self._cache[word]
        parts = self._split(word, depth=0) or []
        self._cache[word] = parts
        return parts

    def _split(self, word: str, depth: int) -> list[str] | None:
        if depth > 3:
            return None
        # Prefer the longest head that is a known word, then split the rest.
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, rest = word[:cut], word[cut:]
            for link in _LINKS:
                if link and not head.endswith(link):
                    continue
                stem_head = head[: len(head) - len(link)] if link else head
                if len(stem_head) < MIN_PART or stem_head not in self.vocabulary:
                    continue
                if rest in self.vocabulary:
                    return [stem_head, rest]
                tail = self._split(rest, depth + 1)
                if tail:
                    return [stem_head, *tail]
        return None


class Analyzer:
    """Turns text into index terms; with a splitter, compounds also yield their stemmed parts."""

    def __init__(self, splitter: CompoundSplitter | None = None) -> None:
        self.splitter = splitter

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for word in words(text):
            out.append(stem(word))
            if self.splitter is not None:
                out.extend(stem(part) for part in self.splitter.split(word))
        return out


def vocabulary_of(texts: Iterable[str]) -> set[str]:
    """Surface words (not stems) of a collection, used to split compounds."""
    vocabulary: set[str] = set()
    for text in texts:
        vocabulary.update(words(text))
    return vocabulary
