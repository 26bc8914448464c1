"""Step reading alone: the clerk's step description → labelled steps, scored against the gold.

A fast inner loop for the rule reader, without the dialogue: each case's ``answers.steps``
(or the opening when it has none) is read once and aligned with the gold steps as in
``bench.interview_sim`` (order-preserving, label similarity ≥ 0.5). Development part only
unless ``--part test`` is given on purpose (then the run is logged like the simulator's).

    python -m bench.reading_eval --cases bench/cases-natural --part dev [--details]
    python -m bench.reading_eval --cases bench/cases-validation          # a folder without split.json

Decisions read from the same description are scored as in the simulator (after step and branch
targets, in the draft's own numbering).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.nlp.gazetteer import Gazetteer
from app.nlp.steps import read_description
from bench.interview_sim import align, decision_counts, f1, load_cases


def read_case(case: dict, gazetteer: Gazetteer) -> dict:
    text = case["answers"].get("steps") or case["opening"]
    reading = read_description(text, gazetteer)
    predicted = reading.activities
    gold = case["gold"]["steps"]
    pairs = align([a.label for a in predicted], [g["label"] for g in gold])
    kinds = sum(1 for i, j in pairs if predicted[i].kind == gold[j]["kind"])
    decisions = [d.model_dump() for d in reading.decisions]
    dtp, dpred, dgold = decision_counts(decisions, case["gold"].get("decisions", []))
    return {"dtp": dtp, "dpred": dpred, "dgold": dgold,"case_id": case["case_id"], "tp": len(pairs), "pred": len(predicted), "gold": len(gold),
            "kind_hits": kinds, "pairs": pairs,
            "predicted": [(a.label, a.kind) for a in predicted], "expected": [(g["label"], g["kind"]) for g in gold]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=Path("bench/cases-natural"))
    parser.add_argument("--part", choices=["dev"], default=None,
                        help="required for a folder with split.json (only its dev part can be read here)")
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args(argv)
    gazetteer = Gazetteer()
    if args.part is None and (args.cases / "split.json").exists():
        args.part = "dev"  # never the test part of a split folder
    rows = [read_case(case, gazetteer) for case in load_cases(args.cases, args.part)]
    tp, pred, gold = (sum(r[k] for r in rows) for k in ("tp", "pred", "gold"))
    precision, recall, score = f1(tp, pred, gold)
    summary = {"cases": len(rows), "step_precision": round(precision, 4), "step_recall": round(recall, 4),
               "step_f1": round(score, 4), "kind_accuracy": round(sum(r["kind_hits"] for r in rows) / tp, 4) if tp else 0,
               "decision_f1": round(f1(*(sum(r[k] for r in rows) for k in ("dtp", "dpred", "dgold")))[2], 4)}
    if args.details:
        for r in rows:
            matched_pred = {i for i, _ in r["pairs"]}
            matched_gold = {j for _, j in r["pairs"]}
            print(f"\n## {r['case_id']}  tp={r['tp']} pred={r['pred']} gold={r['gold']}", file=sys.stderr)
            for i, (label, kind) in enumerate(r["predicted"]):
                print(f"  {'+' if i in matched_pred else '-'} {label}  [{kind}]", file=sys.stderr)
            for j, (label, kind) in enumerate(r["expected"]):
                if j not in matched_gold:
                    print(f"  ? {label}  [{kind}]", file=sys.stderr)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
