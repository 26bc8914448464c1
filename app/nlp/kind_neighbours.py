"""Nearest-neighbour guess of a step's building block from labelled examples.

The rules in ``step_kind`` know verbs; they do not know that "Angrenzer
benachrichtigen" is sent or that "Grabstelle zuweisen" is a decision. The
demo corpus and the annotated training utterances hold a few thousand steps
whose kind a person chose, so the closest labelled wordings are a second,
independent opinion.

Examples (label → kind) come from three sources:

* ``corpus``: the steps of every profile under ``corpus/profiles``;
* ``utterance``: step segments of ``training_data/utterances.jsonl``, both
  the administrative label and the clerk's own words;
* ``verbs``: ``training_data/verbs.tsv`` (colloquial phrase and
  administrative verb → kind).

Reading 269 YAML files and importing scikit-learn at app start would be
slow, so the examples (``data/kind_examples.json``) and the fitted TF-IDF
matrix (``data/kind_index.npz``, plain arrays, no pickle) are shipped;
regenerate both after the corpus or the training data changed with::

    python -m app.nlp.kind_neighbours --write

Unit tests fail when the shipped files are stale.

A grown shared corpus plugs in through ``KindIndex.from_rows`` and
``install``: pass its ``(label, kind)`` rows and they replace the demo
corpus part (the training data stays unless told otherwise).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from app.domain.catalogue import KINDS

from .step_kind import normalise

_HERE = Path(__file__).resolve().parent
TRAINING_DIR = _HERE / "training_data"
EXAMPLES_FILE = _HERE / "data" / "kind_examples.json"
CORPUS_ROOT = _HERE.parents[1] / "corpus"

INDEX_FILE = _HERE / "data" / "kind_index.npz"

# Chosen on the development cases with ``python -m bench.kind_eval``.
NEIGHBOURS = 7
# Below this cosine similarity of the closest example the neighbours abstain
# ("Sonstiges erledigen" is 0.3 from "auf erledigt setzen").
MIN_SIMILARITY = 0.35


@dataclass(frozen=True)
class Example:
    """One labelled wording; ``origin`` says where it came from (for exclusion and review)."""

    text: str
    kind: str
    source: str  # "corpus" | "utterance" | "verbs" | "rows"
    origin: str = ""  # corpus: "<town>/<process-key>"; utterance: its id; verbs: the line number


@dataclass(frozen=True)
class Guess:
    """The neighbours' vote: best kind, its share of the vote, similarity of the closest example."""

    kind: str
    share: float
    similarity: float
    votes: dict[str, float]


# --- collecting examples ---------------------------------------------------

def corpus_examples(root: Path = CORPUS_ROOT) -> list[Example]:
    """Step labels of every demo profile (read straight from the YAML files)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    examples: list[Example] = []
    for path in sorted((root / "profiles").glob("*/*.yaml")):
        with path.open(encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=loader) or {}
        for step in raw.get("steps") or []:
            if isinstance(step, dict) and step.get("label") and step.get("kind") in KINDS:
                examples.append(Example(str(step["label"]), step["kind"], "corpus", f"{path.parent.name}/{path.stem}"))
    return examples


def training_examples(directory: Path = TRAINING_DIR) -> list[Example]:
    """Step segments (label and clerk wording) and the colloquial verb table."""
    examples: list[Example] = []
    with (directory / "utterances.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            utterance = json.loads(line)
            for segment in utterance.get("segments", []):
                if segment.get("type") != "step" or segment.get("kind") not in KINDS:
                    continue
                for text in dict.fromkeys((segment.get("label"), segment.get("text"))):
                    if text:
                        examples.append(Example(text, segment["kind"], "utterance", utterance["id"]))
    with (directory / "verbs.tsv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
            if row.get("kind") not in KINDS:
                continue
            for text in dict.fromkeys((row.get("phrase"), row.get("administrative_verb"))):
                if text:
                    examples.append(Example(text, row["kind"], "verbs", str(number)))
    return examples


def collect_examples(corpus_root: Path = CORPUS_ROOT, training_dir: Path = TRAINING_DIR) -> list[Example]:
    return corpus_examples(corpus_root) + training_examples(training_dir)


def write_examples(path: Path = EXAMPLES_FILE, examples: Sequence[Example] | None = None) -> int:
    """Write the shipped example file (sorted keys, one example per line: readable diffs)."""
    examples = collect_examples() if examples is None else examples
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps([e.text, e.kind, e.source, e.origin], ensure_ascii=False) for e in examples]
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    return len(lines)


def read_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    return [Example(*row) for row in json.loads(path.read_text(encoding="utf-8"))]


# --- the index -------------------------------------------------------------

CHAR_SIZES = (3, 5)


def char_grams(text: str) -> list[str]:
    """Character n-grams (``CHAR_SIZES``) inside space-padded words (scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for size in range(CHAR_SIZES[0], CHAR_SIZES[1] + 1):
            if size >= len(padded):  # a short word counts once, whole
                grams.append(padded)
                break
            grams.extend(padded[i:i + size] for i in range(len(padded) - size + 1))
    return grams


def word_grams(text: str) -> list[str]:
    """Words and word pairs: "fehlende unterlagen nachfordern" keeps its verb together with its object."""
    words = text.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


# (name, analyser, weight). Character n-grams find the verb stems hidden in
# German compounds ("Vollständigkeitsprüfung"); words and word pairs keep
# "Bescheid erstellen" apart from "Bescheid versenden".
_BLOCKS = (("char", char_grams, 1.0), ("word", word_grams, 1.0))


class KindIndex:
    """TF-IDF vectors of the normalised labels, cosine k-nearest-neighbour vote.

    scikit-learn fits the vocabulary and IDF weights (``fit``); queries are
    vectorised here with the same analysers and scored over an inverted
    index, which keeps one classification far below a millisecond without
    importing scikit-learn in a serving process (``load`` reads arrays).
    """

    def __init__(self, examples: Sequence[Example], vocabularies: Sequence[dict[str, int]],
                 idfs: Sequence[np.ndarray], postings: tuple[np.ndarray, np.ndarray, np.ndarray],
                 neighbours: int = NEIGHBOURS) -> None:
        self.examples = list(examples)
        self.neighbours = neighbours
        self._vocabularies = list(vocabularies)
        self._idfs = [np.asarray(idf, dtype=np.float32) for idf in idfs]
        self._offsets = np.cumsum([0] + [len(v) for v in self._vocabularies[:-1]])
        self._indptr, self._rows, self._weights = postings
        self._kinds = np.array([KINDS.index(e.kind) for e in self.examples], dtype=np.int16)

    # -- building and storing --

    @classmethod
    def fit(cls, examples: Sequence[Example], neighbours: int = NEIGHBOURS) -> "KindIndex":
        """Fit on labelled examples (imports scikit-learn: for the build command, tests and the bench)."""
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        examples = [e for e in examples if normalise(e.text)]
        if not examples:
            raise ValueError("a kind index needs at least one labelled example")
        texts = [normalise(e.text) for e in examples]
        vocabularies, idfs, blocks = [], [], []
        for _name, analyser, weight in _BLOCKS:
            vectoriser = TfidfVectorizer(analyzer=analyser, sublinear_tf=True, dtype=np.float32)
            blocks.append(vectoriser.fit_transform(texts) * weight)
            vocabularies.append(dict(vectoriser.vocabulary_))
            idfs.append(vectoriser.idf_.astype(np.float32))
        matrix = normalize(sparse.hstack(blocks, format="csr")).tocsc()
        matrix.sort_indices()
        postings = (matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32), matrix.data.astype(np.float32))
        return cls(examples, vocabularies, idfs, postings, neighbours)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]], with_training_data: bool = True, **options) -> "KindIndex":
        """Index over ``(label, kind)`` rows of a (shared) corpus instead of the demo corpus."""
        examples = [Example(label, kind, "rows") for label, kind in rows if label and kind in KINDS]
        if with_training_data:
            examples += training_examples()
        return cls.fit(examples, **options)

    def without(self, keep=lambda example: True) -> "KindIndex":
        """A refitted copy with only the examples ``keep`` accepts (leave-one-out measurement)."""
        return KindIndex.fit([e for e in self.examples if keep(e)], self.neighbours)

    def save(self, path: Path) -> None:
        arrays = {"indptr": self._indptr, "rows": self._rows, "weights": self._weights}
        for (name, _analyser, _weight), vocabulary, idf in zip(_BLOCKS, self._vocabularies, self._idfs):
            terms = sorted(vocabulary, key=vocabulary.get)
            arrays[f"{name}_terms"] = np.array(terms, dtype=str)
            arrays[f"{name}_idf"] = idf
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path, examples: Sequence[Example], neighbours: int = NEIGHBOURS) -> "KindIndex":
        with np.load(path, allow_pickle=False) as data:
            vocabularies = [{t: i for i, t in enumerate(data[f"{name}_terms"].tolist())} for name, _a, _w in _BLOCKS]
            idfs = [data[f"{name}_idf"] for name, _a, _w in _BLOCKS]
            postings = (data["indptr"], data["rows"], data["weights"])
        if len(postings[0]) - 1 != sum(len(v) for v in vocabularies):
            raise ValueError(f"{path}: vocabulary and matrix disagree; rebuild with python -m app.nlp.kind_neighbours --write")
        return cls(examples, vocabularies, idfs, postings, neighbours)

    # -- querying --

    def vector(self, label: str) -> dict[int, float]:
        """Column → weight of the L2-normalised query vector (same weighting as ``fit``)."""
        text = normalise(label)
        vector: dict[int, float] = {}
        for (_name, analyser, weight), vocabulary, idf, offset in zip(_BLOCKS, self._vocabularies, self._idfs, self._offsets):
            counts: dict[int, int] = {}
            for gram in analyser(text):
                column = vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            block = {c: (1.0 + math.log(n)) * float(idf[c]) for c, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in block.values()))
            for column, value in block.items():
                vector[int(offset) + column] = value / norm * weight
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {c: v / norm for c, v in vector.items()} if norm else {}

    def similarities(self, label: str) -> np.ndarray:
        """Cosine similarity of ``label`` to every example."""
        vector = self.vector(label)
        if not vector:
            return np.zeros(len(self.examples), dtype=np.float32)
        columns = np.fromiter(vector, dtype=np.int64, count=len(vector))
        values = np.fromiter(vector.values(), dtype=np.float32, count=len(vector))
        starts, ends = self._indptr[columns], self._indptr[columns + 1]
        lengths = ends - starts
        # Positions of all postings of the query's columns, without a Python loop.
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        weights = self._weights[positions] * np.repeat(values, lengths)
        return np.bincount(self._rows[positions], weights=weights, minlength=len(self.examples))

    def nearest(self, label: str, count: int | None = None) -> list[tuple[Example, float]]:
        """The closest labelled examples with their cosine similarity, closest first."""
        similarities = self.similarities(label)
        count = min(count or self.neighbours, len(similarities))
        top = np.argpartition(-similarities, count - 1)[:count]
        top = top[np.lexsort((top, -similarities[top]))]
        return [(self.examples[i], float(similarities[i])) for i in top]

    def guess(self, label: str) -> Guess | None:
        """Similarity-weighted vote of the nearest examples; ``None`` when nothing is similar enough."""
        near = [(e, s) for e, s in self.nearest(label) if s > 0.0]
        if not near or near[0][1] < MIN_SIMILARITY:
            return None
        votes: dict[str, float] = {}
        for example, similarity in near:
            votes[example.kind] = votes.get(example.kind, 0.0) + similarity
        total = sum(votes.values())
        kind = max(votes, key=lambda k: (votes[k], -KINDS.index(k)))
        return Guess(kind, votes[kind] / total, near[0][1], {k: v / total for k, v in votes.items()})


# --- the process-wide default -----------------------------------------------

_lock = threading.Lock()
_default: KindIndex | None = None


def default_index() -> KindIndex:
    """The shipped index (demo corpus + training data), read on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = KindIndex.load(INDEX_FILE, read_examples())
    return _default


def install(index: KindIndex | None) -> None:
    """Make ``index`` the one ``classify_step`` consults (``None``: back to the shipped default)."""
    global _default
    with _lock:
        _default = index
    from .step_kind import classify_step

    classify_step.cache_clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"regenerate {EXAMPLES_FILE.relative_to(_HERE.parents[1])}")
    parser.add_argument("--check", action="store_true", help="exit 1 when the shipped file is stale")
    args = parser.parse_args(argv)
    if args.write:
        examples = collect_examples()
        write_examples(EXAMPLES_FILE, examples)
        KindIndex.fit(examples).save(INDEX_FILE)
        print(f"{len(examples)} examples written to {EXAMPLES_FILE} and indexed in {INDEX_FILE}")
        return 0
    stale = read_examples() != collect_examples()
    print("stale" if stale else "up to date")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
