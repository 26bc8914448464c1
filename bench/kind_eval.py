"""Step-kind accuracy: rules alone, corpus neighbours alone, and the combination.

Input is the gold step label only (an interview has nothing else), gold is
its kind. Two case sets:

* ``natural``: the gold steps of the natural interview cases, development
  part by default (``bench/cases-natural/split.json``). ``--part test``
  reads the test part; it prints no per-step output and appends the run to
  ``bench/cases-natural/kind-test-runs.jsonl``. Look at it once, at the end.
* ``regression``: the gold steps of ``bench/cases/*.json``.

Each set is scored twice: with the full index (realistic, the interview has
the corpus) and held out, where every corpus profile with the case's process
key (``corpus_key``; for the regression set the file name of
``template_source``) is removed from the index and the index is refitted.
The neighbours are never fitted on an evaluation case: the index holds the
demo corpus and ``app/nlp/training_data`` only.

Also reported: time to load the shipped index in a fresh process and the
time to classify one step (uncached).

    python -m bench.kind_eval --json
    python -m bench.kind_eval --sweep          # rule weight in the combination
    python -m bench.kind_eval --errors         # dev misses of the combination
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from app.nlp import kind_neighbours
from app.nlp.kind_neighbours import KindIndex
from app.nlp import step_kind
from app.nlp.step_kind import RULE_WEIGHT, rule_kind

ROOT = Path(__file__).resolve().parents[1]
NATURAL = ROOT / "bench" / "cases-natural"
REGRESSION = ROOT / "bench" / "cases"
TEST_LOG = NATURAL / "kind-test-runs.jsonl"


@dataclass(frozen=True)
class GoldStep:
    case_id: str
    label: str
    kind: str
    process_key: str | None  # the case's process in the demo corpus, if any


def natural_steps(part: str) -> list[GoldStep]:
    """Gold steps of one part; only the files of that part are opened."""
    split = json.loads((NATURAL / "split.json").read_text(encoding="utf-8"))
    steps: list[GoldStep] = []
    for case_id in split[part]:
        case = json.loads((NATURAL / case_id.split("-")[0] / f"{case_id}.json").read_text(encoding="utf-8"))
        key = case.get("corpus_key") if case.get("in_corpus") else None
        steps += [GoldStep(case_id, s["label"], s["kind"], key) for s in case["gold"]["steps"]]
    return steps


def regression_steps() -> list[GoldStep]:
    steps: list[GoldStep] = []
    for path in sorted(REGRESSION.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        source = case.get("template_source")
        key = Path(source).stem if source else None
        steps += [GoldStep(case["case_id"], s["label"], s["kind"], key) for s in case["gold"]["steps"]]
    return steps


@dataclass(frozen=True)
class Prediction:
    step: GoldStep
    rules: str
    rule_score: float
    neighbours: str
    share: float
    similarity: float
    index: KindIndex

    def combined(self, weight: float = RULE_WEIGHT) -> str:
        """``step_kind.combine`` with this step's (possibly held-out) index and a given rule weight."""
        saved = step_kind.RULE_WEIGHT
        step_kind.RULE_WEIGHT = weight
        try:
            return step_kind.combine(self.step.label, "", self.index)
        finally:
            step_kind.RULE_WEIGHT = saved


def predict(steps: list[GoldStep], full: KindIndex, held_out: bool) -> list[Prediction]:
    indexes: dict[str | None, KindIndex] = {None: full}
    out: list[Prediction] = []
    for step in steps:
        key = step.process_key if held_out else None
        if key not in indexes:
            indexes[key] = full.without(lambda e, key=key: not (e.source == "corpus" and e.origin.split("/")[-1] == key))
        guess = indexes[key].guess(step.label)
        kind, score = rule_kind(step.label)
        out.append(Prediction(step, kind, score, guess.kind if guess else "",
                              guess.share if guess else 0.0, guess.similarity if guess else 0.0, indexes[key]))
    return out


def accuracy(predictions: list[Prediction], method: str, weight: float = RULE_WEIGHT) -> float:
    def kind(p: Prediction) -> str:
        if method == "rules":
            return p.rules
        if method == "neighbours":
            return p.neighbours or "other"
        return p.combined(weight)

    return round(sum(kind(p) == p.step.kind for p in predictions) / len(predictions), 3) if predictions else 0.0


def scores(predictions: list[Prediction]) -> dict[str, float]:
    return {m: accuracy(predictions, m) for m in ("rules", "neighbours", "combined")}


def timings() -> dict[str, float]:
    """Load time in a fresh interpreter (import + index), and per-step time without the cache."""
    code = (
        "import time; t = time.perf_counter(); from app.nlp import kind_neighbours, step_kind; "
        "kind_neighbours.default_index(); print(time.perf_counter() - t)"
    )
    load = min(float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3))
    from app.nlp.step_kind import classify_step

    labels = [s.label for s in regression_steps()]
    classify_step.cache_clear()
    classify_step(labels[0])
    started = time.perf_counter()
    for label in labels:
        classify_step.__wrapped__(label)
    per_step = (time.perf_counter() - started) / len(labels)
    return {"load_s": round(load, 3), "per_step_ms": round(per_step * 1000, 3)}


def commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "app", "bench", "corpus", "retrieval"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return head + ("+uncommitted" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("dev", "test"), default="dev", help="part of the natural cases")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--sweep", action="store_true", help="combined accuracy per rule weight (dev only)")
    parser.add_argument("--errors", action="store_true", help="list the combination's misses (dev only)")
    args = parser.parse_args(argv)
    if args.part == "test" and (args.sweep or args.errors):
        parser.error("--sweep and --errors look at single steps; the test part is scored only")

    full = kind_neighbours.default_index()
    natural = natural_steps(args.part)
    regression = regression_steps()
    runs = {
        f"natural_{args.part}": predict(natural, full, held_out=False),
        f"natural_{args.part}_held_out": predict(natural, full, held_out=True),
        "regression": predict(regression, full, held_out=False),
        "regression_held_out": predict(regression, full, held_out=True),
    }
    summary = {
        "steps": {"natural": len(natural), "regression": len(regression)},
        "accuracy": {name: scores(predictions) for name, predictions in runs.items()},
        "rule_weight": RULE_WEIGHT,
        "neighbours": full.neighbours,
        "examples": dict(Counter(e.source for e in full.examples)),
        **timings(),
    }
    if args.part == "test":
        record = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "commit": commit(),
                  "command": "python -m bench.kind_eval --part test --json", **summary}
        with TEST_LOG.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
    if args.sweep:
        summary["sweep"] = {
            name: {str(t): accuracy(runs[name], "combined", t) for t in (0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 2.0)}
            for name in runs
        }
    if args.errors:
        summary["errors"] = [
            [p.step.case_id, p.step.label, p.step.kind, p.combined(), f"rules={p.rules}:{p.rule_score:.1f}",
             f"nn={p.neighbours}:{p.share:.2f}/{p.similarity:.2f}"]
            for p in runs[f"natural_{args.part}_held_out"] if p.combined() != p.step.kind
        ]
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"{'set':28s} {'rules':>6s} {'neighb.':>8s} {'combined':>9s}")
        for name, row in summary["accuracy"].items():
            print(f"{name:28s} {row['rules']:6.3f} {row['neighbours']:8.3f} {row['combined']:9.3f}")
        print(f"load {summary['load_s']} s, {summary['per_step_ms']} ms per step")
        for name, row in summary.get("sweep", {}).items():
            print(name, row)
        for row in summary.get("errors", []):
            print(*row, sep="  |  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
