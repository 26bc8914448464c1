"""Spelling normalisation before tagging: colloquial articles and lower-case nouns.

Clerks type "schreib nen kurzen bericht" or everything in lower case; the
tagger then misses articles and nouns ("ausweise kontrollieren" becomes two
verbs), and labels lose their objects. Two repairs, both on tokens:

* colloquial articles ("ne", "nen", "nem", "ner") become the full forms when
  a word follows ("ne Woche" → "eine Woche", but not the tag question "ne?");
* a truecaser capitalises lower-case words that are nouns in German writing.
  Its word list is fitted on the demo corpus and the annotated training
  utterances (never on evaluation data): a word is listed when it occurs
  capitalised inside sentences and (almost) never in lower case there.
  Regenerate it after the corpus changed::

      python -m app.nlp.orthography --write
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from .gazetteer import looks_like_actor
from .verbs import base_of, infinitives

_HERE = Path(__file__).resolve().parent
NOUNS_FILE = _HERE / "data" / "truecase_nouns.txt"
CORPUS_ROOT = _HERE.parents[1] / "corpus"
TRAINING_DIR = _HERE / "training_data"

_ARTICLES = {"ne": "eine", "nen": "einen", "nem": "einem", "ner": "einer", "'ne": "eine", "'nen": "einen"}
# Lower-case words that must stay as typed even where the corpus capitalises them: verbs and
# adverbs that are also nouns, where clerk speech mostly means the verb.
_KEEP_LOWER = {"weg", "mal", "recht", "ende", "statt", "zeit", "teil", "dank", "laut", "kraft", "essen",
               "morgen", "abend", "mittag", "leid", "schuld", "angst", "pleite", "gang", "fest", "halt",
               "bauen", "wohnen", "tagen", "reisen", "erben", "halten", "raten", "listen", "summen", "fällen",
               "ausfüllen", "erreichen", "gründen", "absagen", "zusagen", "spenden", "hinweisen", "ausscheiden",
               "plakatieren", "kosten", "leben", "schreiben", "vorhaben", "einvernehmen", "inkrafttreten"}
# Below this share of capitalised words (after the first) a sentence counts as typed in lower case.
LOWER_CASE_SHARE = 0.15
_WORD = re.compile(r"[a-zäöüß][a-zäöüß-]*")


@lru_cache(maxsize=1)
def nouns() -> frozenset[str]:
    """Lower-cased forms of the words the truecaser capitalises."""
    if not NOUNS_FILE.exists():
        return frozenset()
    return frozenset(line.strip() for line in NOUNS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


def typed_lower(tokens: list[str]) -> bool:
    """The sentence is typed (almost) without capitals, so its nouns need the truecaser."""
    words = [t for t in tokens[1:] if t[:1].isalpha() and len(t) > 2]
    return len(words) >= 3 and sum(t[:1].isupper() for t in words) < LOWER_CASE_SHARE * len(words)


def normalise(tokens: list[str]) -> list[str]:
    """Tokens with full articles and, in a sentence typed in lower case, capitalised nouns.

    The count and order of the tokens stay the same. Sentences with ordinary capitals are not
    truecased: there a lower-case word is usually meant as typed.
    """
    known = nouns() if typed_lower(tokens) else frozenset()
    out: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.lower()
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if lower in _ARTICLES and following[:1].isalpha():
            out.append(_ARTICLES[lower])
        elif known and token[:1].islower() and _WORD.fullmatch(token) and lower not in _KEEP_LOWER \
                and _is_noun(lower, known):
            out.append(token[:1].upper() + token[1:])
        else:
            out.append(token)
    return out


# Clipped verb forms that are also listed nouns ("Druck", "Ruf"): typed by a clerk, they are the verb.
_CLIPPED_VERBS = frozenset({"druck", "zähl", "schick", "trag", "ruf", "prüf", "guck", "scann", "heft", "tipp", "leg"})
_NOUN_SUFFIX = re.compile(r"(?:ung|heit|keit|schaft|tion|ität|nis|ment|ismus|ling)(?:en|s)?$")


def is_common_noun(word: str) -> bool:
    """A listed German noun or a compound ending in one ("steuerbescheid")."""
    return _is_noun(word, nouns())


def _is_noun(word: str, known: frozenset[str]) -> bool:
    """A listed noun, a compound ending in one ("sichtkontrolle"), or a noun by its suffix ("abholung");
    never a clipped verb form the clerk typed ("druck mir das aus", "zähl das Geld")."""
    if word in _CLIPPED_VERBS or (base_of(word) is not None and word not in known):
        return False
    if word in known or (len(word) > 5 and _NOUN_SUFFIX.search(word)):
        return True
    if _names_a_role(word):
        return True
    return any(word[k:] in known and len(word) - k >= 4 for k in range(3, len(word) - 3))


def _names_a_role(word: str) -> bool:
    """A role or unit ("kassenleiter", "vorgesetzten", "bauhof"): who signs or acts must stay a noun,
    even where the corpus never wrote that compound."""
    return not word.endswith(_NOT_ROLE_ENDINGS) and looks_like_actor(word[:1].upper() + word[1:])


_NOT_ROLE_ENDINGS = ("samt", "sam")  # "insgesamt", "gemeinsam"


# -- fitting ------------------------------------------------------------------------
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*[-–•*]?\s*)$")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _texts(corpus_root: Path, training_dir: Path) -> tuple[list[str], list[str]]:
    """(formal texts of the corpus, clerk utterances written for training)."""
    import yaml

    formal = [text for path in sorted(corpus_root.rglob("*.yaml"))
              for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))]
    typed: list[str] = []
    utterances = training_dir / "utterances.jsonl"
    if utterances.exists():
        typed = [text for line in utterances.read_text(encoding="utf-8").splitlines() if line.strip()
                 for text in _strings(json.loads(line))]
    return formal, typed


def fit(corpus_root: Path = CORPUS_ROOT, training_dir: Path = TRAINING_DIR) -> list[str]:
    """Words seen capitalised inside sentences at least twice and (almost) never in lower case in the corpus."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    formal, typed = _texts(corpus_root, training_dir)
    for source, text in [("formal", t) for t in formal] + [("typed", t) for t in typed]:
        for match in re.finditer(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]+", text):
            word = match.group(0)
            if _SENTENCE_START.search(text[:match.start()]):
                continue  # the first word of a sentence or list item says nothing about its case
            if word[0].isupper() and not word.isupper():
                upper[word.lower()] += 1
            elif word[0].islower() and source == "formal":
                lower[word] += 1  # the utterances are typed carelessly on purpose: their case says little
    verbs = infinitives()
    return sorted(w for w, n in upper.items() if n >= 2 and lower[w] <= max(1, n // 20) and len(w) > 2
                  and w not in _KEEP_LOWER and w not in verbs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the truecaser's noun list on the demo corpus and training data.")
    parser.add_argument("--write", action="store_true", help=f"regenerate {NOUNS_FILE.name}")
    args = parser.parse_args(argv)
    words = fit()
    if args.write:
        NOUNS_FILE.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} nouns" + (f" written to {NOUNS_FILE}" if args.write else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
