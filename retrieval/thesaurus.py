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

from dataclasses import dataclass
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


MIN_PREFIX = 5


@dataclass(frozen=True)
class _Index:
    """Trigger phrases keyed by their first stem, so a query is matched in
    time proportional to its length, not to the size of the thesaurus."""

    targets: tuple[tuple[str, ...], ...]
    # first stem -> (rest of the phrase, concept number)
    by_first: dict[str, tuple[tuple[tuple[str, ...], int], ...]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    targets = []
    for number, (triggers, concept_targets) in enumerate(load()):
        targets.append(concept_targets)
        for trigger in triggers:
            phrase = tuple(stem(w) for w in words(trigger))
            if phrase:
                by_first.setdefault(phrase[0], []).append((phrase[1:], number))
    return _Index(tuple(targets), {k: tuple(v) for k, v in by_first.items()})


def expansions(query: str) -> list[str]:
    """Administrative terms for the concepts a query mentions (may be empty), in thesaurus order."""
    index = _index()
    stems = [stem(w) for w in words(query)]
    fired: set[int] = set()
    for position, current in enumerate(stems):
        # A one-word trigger of five or more letters also fires as the first
        # part of a compound ("Baustellenampel"), not as its head; a phrase
        # needs whole words in this order ("recht beantrag" must not fire in
        # "vergaberecht beantrag").
        keys = {current} | {current[:end] for end in range(MIN_PREFIX, len(current))}
        for key in keys:
            for rest, number in index.by_first.get(key, ()):
                if number in fired:
                    continue
                if not rest:
                    if key == current or len(key) >= MIN_PREFIX:
                        fired.add(number)
                elif key == current and tuple(stems[position + 1:position + 1 + len(rest)]) == rest:
                    fired.add(number)
    found: list[str] = []
    for number in sorted(fired):
        found.extend(t for t in index.targets[number] if t not in found)
    return found
