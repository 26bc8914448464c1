"""A thesaurus from everyday German to administrative terms.

Clerks and citizens say "Welpe", "umziehen" or "Müllabfuhr"; profiles say
"Hund", "Wohnsitz anmelden" and "Abfallentsorgung". Paraphrased queries
often share no word with the profile they mean, so the query is expanded
with the administrative terms of every concept it mentions. The concepts
live in ``data/thesaurus_de.txt`` (format described there), written from
general knowledge of municipal services, not from evaluation queries; the
gain is measured on a held-out query set in ``docs/benchmarks.md``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .german import stem, words

DEFAULT_PATH = Path(__file__).with_name("data") / "thesaurus_de.txt"
Concept = tuple[tuple[str, ...], tuple[str, ...]]


class ThesaurusFormatError(ValueError):
    """A line of the thesaurus file is not ``triggers => targets``."""


def parse(text: str, source: str = "<text>") -> tuple[Concept, ...]:
    concepts: list[Concept] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        left, arrow, right = line.partition("=>")
        triggers = tuple(t.strip().lower() for t in left.split(",") if t.strip())
        targets = tuple(t.strip().lower() for t in right.split(",") if t.strip())
        if not arrow or not triggers or not targets:
            raise ThesaurusFormatError(f"{source}:{number}: expected 'trigger, … => target, …'")
        concepts.append((triggers, targets))
    return tuple(concepts)


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> tuple[Concept, ...]:
    path = path or _active_path
    return parse(path.read_text(encoding="utf-8"), str(path))


_active_path = DEFAULT_PATH


def use(path: Path | None) -> None:
    """Expand with another thesaurus file (evaluation of alternatives); ``None``: the shipped one."""
    global _active_path
    _active_path = path or DEFAULT_PATH
    load.cache_clear()
    _index.cache_clear()


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[tuple[tuple[str, ...], ...], tuple[str, ...]], ...]:
    """Each concept as stemmed trigger phrases and its targets."""
    out = []
    for triggers, targets in load():
        phrases = tuple(tuple(stem(w) for w in words(t)) for t in triggers)
        out.append((tuple(p for p in phrases if p), targets))
    return tuple(out)


def expansions(query: str) -> list[str]:
    """Administrative terms for the concepts a query mentions (may be empty)."""
    query_stems = [stem(w) for w in words(query)]
    found: list[str] = []
    joined = f" {' '.join(query_stems)} "
    for phrases, targets in _index():
        for phrase in phrases:
            if len(phrase) == 1:
                # A trigger of five or more letters also fires as the first part
                # of a compound ("Baustellenampel"), not as its head.
                hit = any(s == phrase[0] or (len(phrase[0]) >= 5 and s.startswith(phrase[0])) for s in query_stems)
            else:
                # Whole words in this order, not the tail of a compound
                # ("recht beantrag" must not fire in "vergaberecht beantrag").
                hit = f" {' '.join(phrase)} " in joined
            if hit:
                found.extend(t for t in targets if t not in found)
                break
    return found
